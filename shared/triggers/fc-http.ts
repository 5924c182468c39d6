/**
 * Function Compute 3.0's HTTP trigger convention, converted to one `HttpRequest` / `HttpResponse`
 * (docs/fc-conventions.md). FC 3.0 built-in runtimes hand the handler a Buffer holding a JSON event and take
 * `{statusCode, headers, body, isBase64Encoded}` back. FC 2.0's `handler(req, resp, context)` is not served: the
 * deployment is FC 3.0 only (docs/deploy.md).
 */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { isRecord } from "../domain/records.ts";
import { FcEventError } from "./fc-event-error.ts";
import type { HttpRequest, HttpResponse } from "./http-types.ts";
import { decodeUtf8 } from "./safe-json.ts";

/** The FC 3.0 HTTP trigger event (docs/fc-conventions.md). */
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

/**
 * What an FC 3.0 HTTP function returns: the same `{statusCode, headers, body, isBase64Encoded}` shape as an API
 * Gateway v2 structured result, narrowed to what this function sends (text bodies, string headers).
 */
export type Fc3HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
};

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
