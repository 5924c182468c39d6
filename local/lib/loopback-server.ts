/**
 * The HTTP plumbing the local tools share (the ENS emulator, the ticket-system emulators, the local FC server): which
 * callers are on loopback, listening, and a server whose `close()` ends held requests and pending delays at once.
 * It knows nothing of ENS, the ticket vendors or FC, and imports nothing from `shared/` or `functions/`, so the
 * emulators stay independent oracles for the product.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** True for 127.0.0.0/8 and ::1, including IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** Listens on `host:port` (port 0 picks a free one) and resolves with the port; rejects with the server's error. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** An HTTP server (no request listener yet) that can be stopped promptly whatever its requests are doing. */
export interface ClosableServer {
  server: Server;
  /** Waits `ms`; a wait still pending at `close()` never ends, so the request it delays is never answered. */
  sleep(ms: number): Promise<void>;
  /** True once `close()` was called: a request that resumes after a wait must not answer any more. */
  closing(): boolean;
  /** Stops listening (if it listens), destroys every open socket (held requests included) and cancels pending waits. */
  close(): Promise<void>;
}

/** Creates (but does not start) a closable server; add the request listener with `server.on("request", …)`. */
export function createClosableServer(): ClosableServer {
  const server = createServer();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;
  let closed: Promise<void> | undefined;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return {
    server,
    sleep: (ms) =>
      ms <= 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const timer = setTimeout(() => {
              timers.delete(timer);
              resolve();
            }, ms);
            timers.add(timer);
          }),
    closing: () => closing,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
