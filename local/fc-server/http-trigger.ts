/**
 * The FC 3.0 HTTP trigger convention (docs/fc-conventions.md): an HTTP request becomes the event JSON the
 * handler receives as a Buffer, and the handler's `{statusCode, headers, body, isBase64Encoded}` becomes the
 * HTTP response. Pure functions; the server does the socket work.
 */

/** The event FC 3.0 hands an HTTP-triggered function (as a Buffer holding this JSON). */
export interface Fc3HttpEvent {
  version: "v1";
  rawPath: string;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
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

/** The request as the server read it off the socket. */
export interface TriggerRequest {
  method: string;
  /** The request target as sent (path plus query, still URL-encoded). */
  url: string;
  httpVersion: string;
  /** Header values by lowercase name, each repeated header as its own entry (Node's `headersDistinct`). */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  sourceIp: string;
  body: Buffer;
}

/** An HTTP response ready to write. */
export interface TriggerReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Go's canonical header form (`x-hub-signature` -> `X-Hub-Signature`): FC's gateway hands headers over so. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split("-")
    .map((part) => (part === "" ? part : part[0]?.toUpperCase() + part.slice(1)))
    .join("-");
}

const TEXT_TYPES = [
  /^text\//,
  /^application\/(?:json|xml|javascript|x-www-form-urlencoded|graphql)\b/,
  /^application\/[\w.+-]+\+(?:json|xml)\b/,
];

/**
 * FC sends a body as text when it is text and as Base64 otherwise. A body with a text content type (or with no
 * content type at all) that is valid UTF-8 and not compressed travels as text; everything else as Base64.
 */
export function isTextBody(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  body: Buffer,
): boolean {
  if (body.length === 0) return true;
  if (contentEncoding && contentEncoding.trim() !== "" && contentEncoding.trim().toLowerCase() !== "identity")
    return false;
  const type = (contentType ?? "").trim().toLowerCase();
  if (type !== "" && !TEXT_TYPES.some((pattern) => pattern.test(type))) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

function joinValues(entries: Iterable<[string, string]>, canonical: boolean): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of entries) {
    const key = canonical ? canonicalHeaderName(name) : name;
    joined[key] = key in joined ? `${joined[key]},${value}` : value;
  }
  return joined;
}

/** Builds the FC 3.0 HTTP event for one request. */
export function toFc3HttpEvent(
  request: TriggerRequest,
  meta: { requestId: string; accountId: string; now: Date },
): Fc3HttpEvent {
  const queryAt = request.url.indexOf("?");
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const search = new URLSearchParams(queryAt === -1 ? "" : request.url.slice(queryAt + 1));
  const headerEntries: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(request.headers)) {
    for (const value of values ?? []) headerEntries.push([name, value]);
  }
  const first = (name: string): string | undefined => request.headers[name]?.[0];
  const text = isTextBody(first("content-type"), first("content-encoding"), request.body);
  const host = (first("host") ?? "127.0.0.1").replace(/:\d+$/, "");
  const time = meta.now;
  return {
    version: "v1",
    rawPath: rawPath === "" ? "/" : rawPath,
    headers: joinValues(headerEntries, true),
    queryParameters: joinValues(search.entries(), false),
    body: text ? request.body.toString("utf8") : request.body.toString("base64"),
    isBase64Encoded: !text,
    requestContext: {
      accountId: meta.accountId,
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method: request.method,
        path: decodePath(rawPath === "" ? "/" : rawPath),
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: first("user-agent") ?? "",
      },
      requestId: meta.requestId,
      time: `${time.toISOString().slice(0, 19)}Z`,
      timeEpoch: String(time.getTime()),
    },
  };
}

// FC drops these from a function's response headers (docs/fc-conventions.md); the server sets its own.
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "content-length",
  "date",
  "keep-alive",
  "server",
  "upgrade",
]);

function responseHeaders(raw: unknown): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (typeof raw !== "object" || raw === null) return headers;
  for (const [name, value] of Object.entries(raw)) {
    const lower = name.toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(lower) || lower.startsWith("x-fc-")) continue;
    if (Array.isArray(value)) headers[lower] = value.map(String);
    else if (value !== undefined && value !== null) headers[lower] = String(value);
  }
  return headers;
}

/**
 * Turns a handler's result into the HTTP response. A result shaped `{statusCode, ...}` is an HTTP response; any
 * other result is sent as a 200 with the result serialised (FC's documented shape covers only the former).
 */
export function fromFc3HttpResult(result: unknown): TriggerReply {
  if (typeof result === "object" && result !== null && !Buffer.isBuffer(result) && "statusCode" in result) {
    const shaped = result as {
      statusCode: unknown;
      headers?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    const status = Number(shaped.statusCode);
    const body =
      typeof shaped.body === "string"
        ? Buffer.from(shaped.body, shaped.isBase64Encoded === true ? "base64" : "utf8")
        : Buffer.alloc(0);
    return {
      status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : 502,
      headers: responseHeaders(shaped.headers),
      body,
    };
  }
  if (Buffer.isBuffer(result))
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body: result };
  if (typeof result === "object" && result !== null) {
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(result)),
    };
  }
  const text = result === undefined ? "" : String(result);
  return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: Buffer.from(text) };
}
