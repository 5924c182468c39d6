/**
 * The HTTP server the ticket-system emulators share: loopback-only control API under `/__emulator/`, the fault
 * injection of faults.ts, call counters, and a vendor module that answers the API itself. Like the ENS emulator it
 * imports nothing from `shared/`: it is an independent oracle for the product's ticket adapters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { isLoopback } from "../ens-emulator/server.ts";
import { createFaultState, parseTicketFaults, TicketFaultConfigError } from "./faults.ts";

/** One API call as a vendor module sees it. */
export interface VendorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** A vendor module's answer; `route` names the call in the stats (`POST /rest/api/3/issue/{key}/comment`). */
export interface VendorAnswer {
  status: number;
  body?: unknown;
  route?: string;
}

/** What a vendor emulator (Jira, ServiceNow) provides. */
export interface VendorModule {
  /** Answers one API call (authentication included). */
  handle(request: VendorRequest): VendorAnswer;
  /** Answers a control call under `/__emulator/` that is not reset, faults or stats. */
  control(method: string, route: string, body: unknown): VendorAnswer;
  /** The vendor's error body for a status (used for injected errors). */
  errorBody(status: number, message: string): unknown;
  /** Forgets all state. */
  reset(): void;
}

/** A running emulator. */
export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status, { "content-length": 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=UTF-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Starts an emulator for one vendor module on loopback. */
export async function startVendorEmulator(
  vendor: VendorModule,
  options: { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const faults = createFaultState();
  const stats = new Map<string, { total: number; statuses: Record<string, number> }>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const count = (route: string, status: string) => {
    const entry = stats.get(route) ?? { total: 0, statuses: {} };
    entry.total += 1;
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
    stats.set(route, entry);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const control = (method: string, route: string, body: Buffer): VendorAnswer => {
    const parsed = parseJson(body);
    if (!parsed.ok) return { status: 400, body: { message: "body must be JSON" } };
    if (route === "reset" && method === "POST") {
      vendor.reset();
      faults.set({ seed: 1, latencyMs: 0, faults: [] });
      stats.clear();
      return { status: 200, body: { ok: true } };
    }
    if (route === "faults" && method === "GET") return { status: 200, body: faults.settings() };
    if (route === "faults" && method === "PUT") {
      try {
        faults.set(parseTicketFaults(parsed.value));
        return { status: 200, body: faults.settings() };
      } catch (error) {
        if (error instanceof TicketFaultConfigError) return { status: 400, body: { message: error.message } };
        throw error;
      }
    }
    if (route === "stats" && method === "GET")
      return { status: 200, body: { calls: Object.fromEntries(stats) } };
    return vendor.control(method, route, parsed.value);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const method = req.method ?? "GET";
    const body = await readBody(req);
    if (body === null) return send(res, 413, vendor.errorBody(413, "request too large"));
    if (url.pathname.startsWith("/__emulator/")) {
      if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, { message: "loopback only" });
      const answer = control(method, url.pathname.slice("/__emulator/".length).replace(/\/+$/, ""), body);
      return send(res, answer.status, answer.body);
    }
    const { latencyMs } = faults.settings();
    if (latencyMs > 0) await sleep(latencyMs);
    const request: VendorRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const fault = faults.draw(method, url.pathname);
    if (fault?.kind === "timeout") return; // no answer; close() destroys the socket
    if (fault?.kind === "reset") {
      count(`${method} (fault)`, "reset");
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === "slow") await sleep(fault.delayMs ?? 10_000);
    if (closing) return;
    if (fault?.kind === "error") {
      const status = fault.status ?? 503;
      count(`${method} (fault)`, String(status));
      return send(res, status, vendor.errorBody(status, "injected fault"));
    }
    const answer = vendor.handle(request);
    const route = answer.route ?? `${method} ${url.pathname}`;
    if (fault?.kind === "commit-then-reset") {
      count(route, "commit-then-reset");
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === "commit-then-error") {
      const status = fault.status ?? 503;
      count(route, `commit-then-${status}`);
      return send(res, status, vendor.errorBody(status, "injected fault after the change was stored"));
    }
    count(route, String(answer.status));
    send(res, answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, vendor.errorBody(500, error instanceof Error ? error.message : "error"));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing = true;
        for (const timer of timers) clearTimeout(timer);
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
