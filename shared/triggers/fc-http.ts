/**
 * Both Function Compute HTTP conventions, converted to one `HttpRequest` / `HttpResponse` (REFERENCE §3.2-§3.3).
 * FC 3.0 built-in runtimes hand the handler a Buffer holding a JSON event and take `{statusCode, headers, body,
 * isBase64Encoded}` back; FC 2.0 (and custom runtimes) call `handler(req, resp, context)`.
 */
import { FcEventError } from "./fc-event-error.ts";
import type { HttpRequest, HttpResponse } from "./http-types.ts";
import { decodeUtf8 } from "./safe-json.ts";

/** The FC 3.0 HTTP trigger event (REFERENCE §3.2). */
export interface Fc3HttpEvent {
  version: string;
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    time: string;
    timeEpoch: string;
  };
}

/** What an FC 3.0 HTTP function returns; the body is always text here, so `isBase64Encoded` is always false. */
export interface Fc3HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** The FC 2.0 HTTP `req` (REFERENCE §3.3): `body` is a Buffer, or the request is a readable stream. */
export interface Fc2Request {
  method?: string | undefined;
  path?: string | undefined;
  url?: string | undefined;
  headers?: Record<string, string | string[] | undefined> | undefined;
  queries?: Record<string, string | string[] | undefined> | undefined;
  clientIP?: string | undefined;
  body?: Buffer | string | undefined;
  [Symbol.asyncIterator]?: (() => AsyncIterator<unknown>) | undefined;
}

/** The FC 2.0 HTTP `resp` (REFERENCE §3.3). */
export interface Fc2Response {
  setStatusCode(statusCode: number): void;
  setHeader(name: string, value: string): void;
  send(body: Buffer | string): void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Copies a header or query map, joining repeated values with "," as FC 3.0 does. Names are lower-cased when
 * asked; `__proto__` is dropped, since assigning it would not create an entry but touch the prototype.
 */
function flatten(source: unknown, lowerCaseNames: boolean): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isRecord(source)) return result;
  for (const [rawName, rawValue] of Object.entries(source)) {
    const name = lowerCaseNames ? rawName.toLowerCase() : rawName;
    if (name === "__proto__") continue;
    let value: string;
    if (typeof rawValue === "string") value = rawValue;
    else if (typeof rawValue === "number" || typeof rawValue === "boolean") value = String(rawValue);
    else if (Array.isArray(rawValue)) value = rawValue.map(String).join(",");
    else continue;
    result[name] = Object.hasOwn(result, name) ? `${result[name]},${value}` : value;
  }
  return result;
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    // A malformed escape cannot match a route anyway; keep it as sent so the 404 log shows what came in.
    return rawPath;
  }
}

function eventObject(event: unknown): Record<string, unknown> {
  let value = event;
  if (event instanceof Uint8Array || typeof event === "string") {
    const text = typeof event === "string" ? event : decodeUtf8(event);
    if (text === null) throw new FcEventError("the HTTP event is not UTF-8 text");
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new FcEventError("the HTTP event is not JSON", { cause });
    }
  }
  if (!isRecord(value)) throw new FcEventError("the HTTP event is not a JSON object");
  return value;
}

/**
 * Converts an FC 3.0 HTTP event (a Buffer, its text, or the parsed object) into an `HttpRequest`. Throws
 * `FcEventError` when the event is not an HTTP trigger event: that is a deployment mistake, not a bad request.
 */
export function parseFc3HttpEvent(event: unknown): HttpRequest {
  const value = eventObject(event);
  const context = isRecord(value.requestContext) ? value.requestContext : {};
  const http = isRecord(context.http) ? context.http : {};
  if (typeof http.method !== "string" || http.method === "") {
    throw new FcEventError("the HTTP event has no requestContext.http.method");
  }
  let path: string;
  if (typeof http.path === "string" && http.path !== "") path = http.path;
  else if (typeof value.rawPath === "string" && value.rawPath !== "") path = decodePath(value.rawPath);
  else throw new FcEventError("the HTTP event has neither requestContext.http.path nor rawPath");

  const rawBody = value.body ?? "";
  if (typeof rawBody !== "string") throw new FcEventError("the HTTP event body is not a string");
  const body = value.isBase64Encoded === true ? Buffer.from(rawBody, "base64") : Buffer.from(rawBody, "utf8");

  return {
    method: http.method.toUpperCase(),
    path,
    headers: flatten(value.headers, true),
    query: flatten(value.queryParameters, false),
    body,
    sourceIp: stringOrNull(http.sourceIp),
    requestId: stringOrNull(context.requestId),
  };
}

/** Converts an `HttpResponse` into the value an FC 3.0 HTTP function returns. */
export function toFc3HttpResult(response: HttpResponse): Fc3HttpResult {
  return {
    statusCode: response.statusCode,
    headers: { ...response.headers },
    body: response.body,
    isBase64Encoded: false,
  };
}

/** True when a handler was called FC 2.0 style, `(req, resp, context)`, with a `resp` that can answer. */
export function isFc2HttpCall(args: readonly unknown[]): boolean {
  const resp = args[1];
  return (
    isRecord(args[0]) &&
    isRecord(resp) &&
    typeof resp.setStatusCode === "function" &&
    typeof resp.setHeader === "function" &&
    typeof resp.send === "function"
  );
}

/**
 * Reads the body of an FC 2.0 request: `req.body` when the runtime buffered it, else the stream. Past
 * `maxBodyBytes` (+1, so the decoder still sees "too large") the rest is drained but not kept in memory.
 */
async function readFc2Body(req: Fc2Request, maxBodyBytes: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === "string") return Buffer.from(req.body, "utf8");
  const iterate = req[Symbol.asyncIterator];
  if (typeof iterate !== "function") return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let kept = 0;
  const iterator = iterate.call(req);
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value), "utf8");
    if (kept <= maxBodyBytes) {
      const piece = chunk.subarray(0, maxBodyBytes + 1 - kept);
      chunks.push(piece);
      kept += piece.length;
    }
  }
  return Buffer.concat(chunks);
}

// Only to resolve a relative `req.url`; never contacted.
const URL_BASE = "http://fc.invalid";

function requestUrl(req: Fc2Request): URL | null {
  return typeof req.url === "string" && URL.canParse(req.url, URL_BASE) ? new URL(req.url, URL_BASE) : null;
}

function fc2Path(req: Fc2Request): string {
  if (typeof req.path === "string" && req.path !== "") return req.path;
  const url = requestUrl(req);
  return url === null ? "/" : decodePath(url.pathname);
}

function fc2Query(req: Fc2Request): Record<string, string> {
  if (isRecord(req.queries)) return flatten(req.queries, false);
  const url = requestUrl(req);
  if (url === null) return {};
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    if (name === "__proto__") continue;
    const values = grouped[name] ?? [];
    values.push(value);
    grouped[name] = values;
  }
  return flatten(grouped, false);
}

/**
 * Converts an FC 2.0 `req` into an `HttpRequest`. FC 2.0 strips `x-fc-*` headers, so the request id comes from
 * `context.requestId`, passed in `options.requestId`.
 */
export async function readFc2HttpRequest(
  req: Fc2Request,
  options: { requestId?: string | null; maxBodyBytes?: number } = {},
): Promise<HttpRequest> {
  return {
    method: (req.method ?? "GET").toUpperCase(),
    path: fc2Path(req),
    headers: flatten(req.headers, true),
    query: fc2Query(req),
    body: await readFc2Body(req, options.maxBodyBytes ?? Number.MAX_SAFE_INTEGER),
    sourceIp: stringOrNull(req.clientIP),
    requestId: options.requestId ?? null,
  };
}

/** Writes an `HttpResponse` through an FC 2.0 `resp`. */
export function sendFc2HttpResponse(resp: Fc2Response, response: HttpResponse): void {
  resp.setStatusCode(response.statusCode);
  for (const [name, value] of Object.entries(response.headers)) resp.setHeader(name, value);
  resp.send(response.body);
}
