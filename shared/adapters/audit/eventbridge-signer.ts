/**
 * Request signing of the Alibaba Cloud EventBridge data API (`POST /openapi/putEvents`), as `@alicloud/eventbridge`
 * does it (dist/client.js `doRequest` + `@alicloud/eventbridge-util` `getStringToSign`/`getSignature`): HMAC-SHA1
 * over the method, Content-MD5, Content-Type, Date, the sorted `x-acs-*` headers and the resource, sent as
 * `authorization: acs:<AccessKeyId>:<base64 signature>`. Reimplemented because loading the SDK costs cold start (bench/BENCH.md);
 * `test/unit/audit/eventbridge-signer.test.ts` proves both produce the same header.
 */
import { createHmac } from "node:crypto";
import type { Credentials } from "../../ports.ts";

/** The parts of a request the signature covers. Header names are compared lowercased. */
export interface EventBridgeRequestParts {
  method: string;
  pathname: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
}

function header(headers: Record<string, string>, name: string): string {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return "";
}

/** Builds the string to sign exactly as `@alicloud/eventbridge-util` does. */
export function eventBridgeStringToSign(parts: EventBridgeRequestParts): string {
  const head = [
    parts.method.toUpperCase(),
    header(parts.headers, "content-md5"),
    header(parts.headers, "content-type"),
    header(parts.headers, "date"),
  ].join("\n");
  const acsHeaders = Object.entries(parts.headers)
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .filter(([key]) => key.startsWith("x-acs-"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    // The SDK folds tabs and line breaks into spaces, then trims.
    .map(([key, value]) => `${key}:${value.replace(/[\t\n\r\f]/g, " ").trim()}\n`)
    .join("");
  const queryKeys = Object.keys(parts.query ?? {}).sort();
  // The SDK signs the raw (unencoded) query values.
  const resource =
    queryKeys.length === 0
      ? parts.pathname
      : `${parts.pathname}?${queryKeys.map((key) => `${key}=${parts.query?.[key] ?? ""}`).join("&")}`;
  return `${head}\n${acsHeaders}${resource}`;
}

/** Computes the `authorization` header value for a request. */
export function signEventBridgeRequest(parts: EventBridgeRequestParts, credentials: Credentials): string {
  const signature = createHmac("sha1", credentials.accessKeySecret)
    .update(eventBridgeStringToSign(parts), "utf8")
    .digest("base64");
  return `acs:${credentials.accessKeyId}:${signature}`;
}

/** Inputs of `buildPutEventsHeaders`. */
export interface PutEventsHeaderInput {
  host: string;
  pathname: string;
  /** RFC 7231 date, e.g. `new Date().toUTCString()`. */
  date: string;
  /** Unique per request. */
  nonce: string;
  credentials: Credentials;
  regionId?: string | null;
}

/** The content type the SDK sends for PutEvents. */
export const PUT_EVENTS_CONTENT_TYPE = "application/cloudevents-batch+json; charset=utf-8";

/** Builds every header of a PutEvents request, `authorization` included, as the SDK sends them. */
export function buildPutEventsHeaders(input: PutEventsHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    date: input.date,
    host: input.host,
    accept: "application/json",
    "content-type": PUT_EVENTS_CONTENT_TYPE,
    "x-acs-signature-nonce": input.nonce,
    "x-acs-signature-method": "HMAC-SHA1",
    "x-acs-signature-version": "1.0",
    "x-eventbridge-version": "2015-06-06",
    "user-agent": "ens-egress-audit/1",
  };
  if (input.regionId) headers["x-eventbridge-regionId"] = input.regionId;
  const token = input.credentials.securityToken;
  if (token) {
    headers["x-acs-accesskey-id"] = input.credentials.accessKeyId;
    headers["x-acs-security-token"] = token;
  }
  headers.authorization = signEventBridgeRequest(
    { method: "POST", pathname: input.pathname, headers },
    input.credentials,
  );
  return headers;
}
