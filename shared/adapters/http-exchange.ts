/**
 * The product's one outbound HTTP exchange: ENS, the remote audit sinks and the ticket systems all send through it.
 * It is built on node:http(s) rather than fetch so that every origin keeps one keep-alive agent for the life of
 * the instance (warm invocations reuse sockets), a single timer covers the whole exchange body included, an
 * AbortSignal cuts it, and a response larger than the caller allows is refused instead of buffered.
 *
 * It resolves on any HTTP status; it rejects only with an `HttpExchangeError` that says how the exchange failed and
 * whether the request may have reached the server (callers decide what that means: a write may have applied).
 */
// Named imports: a default import makes the CommonJS bundle copy all of node:http into a namespace at load.

import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { ProductError } from "../domain/product-error.ts";
import { loadHttps } from "./lazy-https.ts";

/** One exchange. */
export interface HttpExchangeRequest {
  url: URL;
  /**
   * Path and query to send instead of `url`'s own, already encoded: a caller that reaches one origin many times
   * (ENS) builds the URL once and passes only what changes, instead of parsing a new URL per request.
   */
  path?: string | undefined;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers: Record<string, string>;
  body?: string | Buffer | undefined;
  /** Cuts the whole exchange, response body included, after this many ms. */
  timeoutMs: number;
  /** Cuts the exchange when it aborts; the failure then has kind `aborted` and the signal's reason as cause. */
  signal?: AbortSignal | undefined;
  /** The largest response body accepted (default 1 MiB). */
  maxResponseBytes?: number | undefined;
}

/** A complete answer. */
export interface HttpExchangeResponse {
  status: number;
  /** Raw header pairs as received; read them with `headerValue`. */
  rawHeaders: string[];
  body: Buffer;
}

/** How an exchange failed. */
export type HttpExchangeFailure = "timeout" | "aborted" | "network" | "too-large" | "incomplete";

/** The only rejection of `httpExchange`. */
export class HttpExchangeError extends ProductError {
  override readonly name = "HttpExchangeError";
  override readonly code = "HttpExchangeFailed";
  readonly kind: HttpExchangeFailure;
  /** False only when the request provably never left this machine (refused connection, unknown host). */
  readonly requestSent: boolean;
  /** The status of an answer that broke off or was too large; null when none arrived. */
  readonly status: number | null;
  readonly rawHeaders: string[];
  /** `ECONNRESET`, `ECONNREFUSED`... for `network` failures. */
  readonly errno: string | null;

  constructor(
    kind: HttpExchangeFailure,
    message: string,
    details: {
      requestSent: boolean;
      status?: number | null;
      rawHeaders?: string[];
      errno?: string | null;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.requestSent = details.requestSent;
    this.status = details.status ?? null;
    this.rawHeaders = details.rawHeaders ?? [];
    this.errno = details.errno ?? null;
  }
}

/** Error codes of `node:net`/`node:dns` that prove the request never left this machine. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

// A free socket is closed after 30 s, before typical server keep-alive limits, so a dying socket is not reused.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, timeout: 30_000 };
const agents = new Map<string, Agent>();

/** The keep-alive agent and request function of a URL's origin; `node:https` loads on the first https use. */
function wiringFor(
  url: URL,
): { agent: Agent; send: typeof httpRequest } | Promise<{ agent: Agent; send: typeof httpRequest }> {
  const agent = agents.get(url.origin);
  if (url.protocol !== "https:") {
    if (agent !== undefined) return { agent, send: httpRequest };
    const created = new Agent(AGENT_OPTIONS);
    agents.set(url.origin, created);
    return { agent: created, send: httpRequest };
  }
  return loadHttps().then((https) => {
    let secure = agents.get(url.origin);
    if (secure === undefined) {
      secure = new https.Agent(AGENT_OPTIONS);
      agents.set(url.origin, secure);
    }
    return { agent: secure, send: https.request as typeof httpRequest };
  });
}

/** Drops the keep-alive sockets of one origin, or of every origin (tests and local tools that want to exit now). */
export function closeIdleConnections(url?: URL): void {
  for (const [origin, agent] of agents) {
    if (url !== undefined && origin !== url.origin) continue;
    agent.destroy();
    agents.delete(origin);
  }
}

/** The first value of a header in raw pairs, compared case-insensitively; null when absent or empty. */
export function headerValue(rawHeaders: readonly string[], name: string): string | null {
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i]!;
    if (key.length === lower.length && key.toLowerCase() === lower) return rawHeaders[i + 1] || null;
  }
  return null;
}

/** A URL without its path, query or userinfo, which may carry tokens: safe to put in a message. */
export function describeOrigin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Sends one request and reads the whole answer.
 * @example const answer = await httpExchange({ url, method: "POST", headers, body, timeoutMs: 3000 });
 */
export async function httpExchange(exchange: HttpExchangeRequest): Promise<HttpExchangeResponse> {
  const { url } = exchange;
  const origin = describeOrigin(url);
  const wired = wiringFor(url);
  const { agent, send } = wired instanceof Promise ? await wired : wired;
  const { signal } = exchange;
  if (signal?.aborted) {
    throw new HttpExchangeError("aborted", `call to ${origin} aborted before it started`, {
      requestSent: false,
      cause: signal.reason,
    });
  }
  const payload =
    exchange.body === undefined
      ? undefined
      : typeof exchange.body === "string"
        ? Buffer.from(exchange.body)
        : exchange.body;
  const maxBytes = exchange.maxResponseBytes ?? 1024 * 1024;
  return new Promise<HttpExchangeResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: HttpExchangeError | null, answer?: HttpExchangeResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(answer!);
    };
    const options = {
      method: exchange.method,
      agent,
      headers: { ...exchange.headers, "content-length": String(payload?.length ?? 0) },
    };
    const req =
      exchange.path === undefined
        ? send(url, options)
        : send({
            ...options,
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port,
            path: exchange.path,
          });
    const cut = (error: HttpExchangeError) => {
      finish(error);
      req.destroy();
    };
    const onAbort = () =>
      cut(
        new HttpExchangeError("aborted", `call to ${origin} aborted`, {
          requestSent: true,
          cause: signal?.reason,
        }),
      );
    const timer = setTimeout(
      () =>
        cut(
          new HttpExchangeError("timeout", `no answer from ${origin} within ${exchange.timeoutMs} ms`, {
            requestSent: true,
          }),
        ),
      exchange.timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (error: NodeJS.ErrnoException) => {
      const errno = typeof error.code === "string" ? error.code : "unknown";
      finish(
        new HttpExchangeError("network", `network error calling ${origin}: ${errno}`, {
          requestSent: !NOT_SENT_CODES.has(errno),
          errno,
          cause: error,
        }),
      );
    });
    req.on("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const status = res.statusCode ?? 0;
      const broke = (cause?: unknown) =>
        finish(
          new HttpExchangeError("incomplete", `the answer from ${origin} broke off (HTTP ${status})`, {
            requestSent: true,
            status,
            rawHeaders: res.rawHeaders,
            cause,
          }),
        );
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          cut(
            new HttpExchangeError("too-large", `the answer from ${origin} is larger than ${maxBytes} bytes`, {
              requestSent: true,
              status,
              rawHeaders: res.rawHeaders,
            }),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", broke);
      res.on("aborted", () => broke());
      res.on("end", () => {
        if (!res.complete) return broke();
        finish(null, { status, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) });
      });
    });
    req.end(payload);
  });
}
