import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createClosableServer, isLoopback } from "../lib/loopback-server.ts";
import { readBody } from "../lib/request-body.ts";
import { handleApiRequest } from "./api-handler.ts";
import { toApiRequest } from "./api-request.ts";
import { CONTROL_PREFIX, handleControlRequest } from "./control-api.ts";
import type { EmulatorCore } from "./core.ts";

// The rule that guards the control API, re-exported from where it has always been read.
export { isLoopback } from "../lib/loopback-server.ts";

/** Bodies above this are refused; no ENS call comes near it. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The emulator's HTTP server plus what `close()` must tear down. */
export interface EmulatorServer {
  server: Server;
  /** Stops listening, destroys every open socket (held `timeout` calls included) and cancels pending delays. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json;charset=utf-8",
    "content-length": Buffer.byteLength(text),
  };
  if (requestId) headers["x-acs-request-id"] = requestId;
  res.writeHead(status, headers);
  res.end(text);
}

/** Creates (but does not start) the HTTP server for one emulator core. */
export function createEmulatorServer(core: EmulatorCore): EmulatorServer {
  const { server, sleep, closing, close } = createClosableServer();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = performance.now();
    const url = req.url ?? "/";
    const path = url.split("?", 1)[0] ?? "/";
    const body = await readBody(req, MAX_BODY_BYTES, "drain");
    if (body === null) {
      sendJson(res, 413, { Code: "RequestEntityTooLarge", Message: `body over ${MAX_BODY_BYTES} bytes` });
      return;
    }
    if (path.startsWith(CONTROL_PREFIX) || path === CONTROL_PREFIX.slice(0, -1)) {
      if (!isLoopback(req.socket.remoteAddress)) {
        sendJson(res, 403, { Code: "Forbidden", Message: "the control API answers only on loopback" });
        return;
      }
      const answer = handleControlRequest(core, req.method ?? "GET", path, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const request = toApiRequest({
      method: req.method ?? "GET",
      url,
      headers: req.headers,
      headersDistinct: req.headersDistinct,
      body,
    });
    const outcome = await handleApiRequest(core, request, sleep, receivedAt);
    if (closing()) return;
    if (outcome.kind === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    // "hang": answer nothing. The socket stays open until the client gives up or close() destroys it.
    if (outcome.kind === "hang") return;
    sendJson(res, outcome.status, outcome.body, outcome.requestId);
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // Only I/O failures land here (a body stream error); the request cannot be answered sensibly.
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, {
          Code: "InternalError",
          Message: error instanceof Error ? error.message : "error",
        });
      }
    });
  });
  return { server, close };
}
