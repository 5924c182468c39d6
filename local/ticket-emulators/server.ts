/**
 * The HTTP server the ticket-system emulators share: loopback-only control API under `/__emulator/`, the fault
 * injection of faults.ts, call counters, and a vendor module (vendor.ts) that answers the API itself. Like the ENS
 * emulator it imports nothing from `shared/`: it is an independent oracle for the product's ticket adapters.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJsonBody } from "../lib/json-body.ts";
import { createClosableServer, isLoopback, listen } from "../lib/loopback-server.ts";
import { readBody } from "../lib/request-body.ts";
import { createFaultState, parseTicketFaults, TicketFaultConfigError } from "./faults.ts";
import type { VendorAnswer, VendorModule, VendorRequest } from "./vendor.ts";

/** A running emulator. */
export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

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

/** Starts an emulator for one vendor module on loopback. */
export async function startVendorEmulator(
  vendor: VendorModule,
  options: { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const faults = createFaultState();
  const stats = new Map<string, { total: number; statuses: Record<string, number> }>();
  const { server, sleep, closing, close } = createClosableServer();

  const count = (route: string, status: string) => {
    const entry = stats.get(route) ?? { total: 0, statuses: {} };
    entry.total += 1;
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
    stats.set(route, entry);
  };

  const control = (method: string, route: string, body: Buffer): VendorAnswer => {
    const parsed = parseJsonBody(body);
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
    const body = await readBody(req, MAX_BODY_BYTES, "drain");
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
    if (closing()) return;
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

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, vendor.errorBody(500, error instanceof Error ? error.message : "error"));
    });
  });
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? 0, host);
  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, port, close };
}
