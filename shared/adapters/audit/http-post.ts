/**
 * One HTTP POST with a hard time limit, for the remote audit sinks. Built on node:http(s) rather than fetch so the
 * sinks reuse a keep-alive agent across warm invocations and a timer covers the whole exchange, body included.
 */
// Named imports: a default import makes the CommonJS bundle copy all of node:http into a namespace at load.
import { Agent, request } from "node:http";
import { loadHttps } from "../lazy-https.ts";
import { AuditSinkError } from "./audit-sink-error.ts";

/** What came back from the sink. */
export interface PostResult {
  status: number;
  /** Response body as text, cut at `MAX_RESPONSE_BYTES`; only ever used to read an error code. */
  text: string;
}

/** Response bodies are read for an error code only; a hostile or broken sink must not make us buffer megabytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;

// One keep-alive agent per origin for the whole instance: sinks built per invocation (EventBridge signs with the
// invocation's STS credentials) still reuse warm sockets. Connection pools hold no request state.
const agents = new Map<string, Agent>();
// A free socket is closed after 30 s, before typical server keep-alive limits, to avoid reusing a dying socket.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, timeout: 30_000 };

/** The shared keep-alive agent and request function for a URL's origin; `node:https` loads on first https use. */
async function transportFor(url: URL): Promise<{ agent: Agent; request: typeof request }> {
  const secure = url.protocol === "https:";
  const module = secure ? await loadHttps() : { Agent, request };
  let agent = agents.get(url.origin);
  if (agent === undefined) {
    agent = secure
      ? new (module as typeof import("node:https")).Agent(AGENT_OPTIONS)
      : new Agent(AGENT_OPTIONS);
    agents.set(url.origin, agent);
  }
  return { agent, request: module.request as typeof request };
}

/** Describes a URL without its path, query or userinfo, which may carry tokens. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** POSTs `body` to `url`; rejects with `AuditSinkError` on timeout or network failure, resolves on any status. */
export async function postWithTimeout(options: {
  sink: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}): Promise<PostResult> {
  const { url, sink } = options;
  const transport = await transportFor(url);
  const payload = Buffer.from(options.body, "utf8");
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: AuditSinkError | null, result?: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else if (result) resolve(result);
    };
    const request = transport.request(url, {
      method: "POST",
      agent: transport.agent,
      headers: { ...options.headers, "content-length": String(payload.length) },
    });
    timer = setTimeout(() => {
      finish(
        new AuditSinkError(
          "AuditSinkTimeout",
          `${sink} sink: no answer from ${describeUrl(url)} within ${options.timeoutMs} ms`,
          {
            sink,
            retryable: true,
          },
        ),
      );
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (cause: NodeJS.ErrnoException) => {
      const reason = cause.code ?? "request failed";
      finish(
        new AuditSinkError("AuditSinkNetworkError", `${sink} sink: ${reason} from ${describeUrl(url)}`, {
          sink,
          retryable: true,
          cause,
        }),
      );
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on("error", (cause: NodeJS.ErrnoException) => {
        finish(
          new AuditSinkError(
            "AuditSinkNetworkError",
            `${sink} sink: response from ${describeUrl(url)} broke off`,
            {
              sink,
              retryable: true,
              cause,
            },
          ),
        );
      });
      response.on("end", () => {
        const text = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString("utf8");
        finish(null, { status: response.statusCode ?? 0, text });
      });
    });
    request.end(payload);
  });
}
