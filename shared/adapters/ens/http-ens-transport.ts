/**
 * One signed ENS call over keep-alive HTTP(S): no retry here (retry lives in exactly one layer, the retrying
 * client). Every failure becomes an `EnsApiError` with a code from the error table, never a secret in its message.
 */
import { randomUUID } from "node:crypto";
import { classifyError, EnsApiError } from "../../errors.ts";
import type { Clock, Credentials } from "../../ports.ts";
import * as exchange from "../http-exchange.ts";
import { signRequestV1 } from "./sign-v1.ts";
import { canonicalizeQueryV3, signRequestV3 } from "./sign-v3.ts";

/** ENS API version (docs/ens-api.md). */
export const ENS_API_VERSION = "2017-11-10";

/** The default public endpoint; the international site may need `https://ens.ap-southeast-1.aliyuncs.com`. */
export const DEFAULT_ENS_ENDPOINT = "https://ens.aliyuncs.com";

/** A successful ENS answer: its RequestId and the parsed JSON body. */
export interface EnsAnswer {
  requestId: string;
  body: Record<string, unknown>;
}

/** One attempt of one ENS action; rejects with `EnsApiError` only. */
export interface EnsTransport {
  call(
    action: string,
    params: Record<string, string>,
    credentials: Credentials,
    signal: AbortSignal,
  ): Promise<EnsAnswer>;
}

/** Options of `createEnsTransport`. */
export interface EnsTransportOptions {
  /** `https://ens.aliyuncs.com` or `http://127.0.0.1:<port>`; a bare host gets `https://`. */
  endpoint: string;
  /** Abort one attempt after this many ms (the retrying client adds the overall deadline on top). */
  attemptTimeoutMs: number;
  /** `v3` (ACS3-HMAC-SHA256, default, what the official SDK sends) or `v1` (HMAC-SHA1 RPC signature). */
  signatureVersion?: "v3" | "v1";
  /** Source of the signed timestamp; injectable for tests. */
  clock?: Clock;
  /** Source of signature nonces; a fresh UUID per attempt unless injected. */
  nonce?: () => string;
  /** Bodies larger than this are refused as `InvalidResponse` (default 1 MiB). */
  maxBodyBytes?: number;
}

/** `createEnsTransport`'s result: the transport plus `close()` to drop idle keep-alive sockets. */
export interface HttpEnsTransport extends EnsTransport {
  close(): void;
}

const USER_AGENT = `ens-egress/0.1 Node.js/${process.versions.node}`;

// The timestamp changes once a second and every ENS call signs one: the last second's text is kept.
let lastSecond = Number.NaN;
let lastText = "";

/** Formats epoch ms the way both signatures want it: `YYYY-MM-DDThh:mm:ssZ`. */
export function formatAcsTimestamp(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== lastSecond) {
    // toISOString is `YYYY-MM-DDThh:mm:ss.sssZ` for the years 1970-9999 a clock gives; the milliseconds go.
    lastText = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
    lastSecond = second;
  }
  return lastText;
}

/** Parses ENS_ENDPOINT; only http and https are accepted. */
export function parseEnsEndpoint(endpoint: string): URL {
  const url = new URL(endpoint.includes("://") ? endpoint : `https://${endpoint}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`ENS endpoint must be http(s), got ${url.protocol}`);
  }
  return url;
}

function stringField(body: Record<string, unknown>, ...names: string[]): string | null {
  for (const name of names) {
    const value = body[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

/** Turns a complete HTTP answer into an `EnsAnswer`, or throws the `EnsApiError` it describes. */
export function parseEnsResponse(
  status: number,
  headers: { contentType: string | null; requestId: string | null },
  raw: string,
): EnsAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    // The body itself stays out of the message: a proxy page could echo the request URL, token included (V1).
    throw new EnsApiError({
      code: "InvalidResponse",
      message: `ENS answered HTTP ${status} with a body that is not a JSON object (content-type ${headers.contentType ?? "none"}, ${Buffer.byteLength(raw)} bytes)`,
      requestId: headers.requestId,
      httpStatus: status,
    });
  }
  const body = parsed as Record<string, unknown>;
  const requestId = stringField(body, "RequestId", "requestId") ?? headers.requestId;
  if (status >= 200 && status < 300) return { requestId: requestId ?? "", body };
  const code = stringField(body, "Code", "code") ?? `Http${status}`;
  // Signature errors echo the string to sign, security token included: the error table's fixed text replaces them.
  const message =
    classifyError(code, status).fixedMessage ??
    (stringField(body, "Message", "message") ?? "no message").slice(0, 500);
  throw new EnsApiError({
    code,
    message: `ENS answered HTTP ${status} ${code}: ${message}`,
    requestId,
    httpStatus: status,
    hostId: stringField(body, "HostId", "hostId"),
    recommend: stringField(body, "Recommend", "recommend"),
  });
}

/** The `EnsApiError` (a row of the error table) for an exchange that failed before a complete answer. */
function toEnsError(
  error: unknown,
  limits: { attemptTimeoutMs: number; maxBodyBytes: number },
  host: string,
): EnsApiError {
  if (!(error instanceof exchange.HttpExchangeError)) {
    return new EnsApiError({
      code: "InternalError",
      message: "ENS exchange failed unexpectedly",
      cause: error,
    });
  }
  const requestId = exchange.headerValue(error.rawHeaders, "x-acs-request-id");
  switch (error.kind) {
    case "timeout":
      return new EnsApiError({
        code: "AttemptTimeout",
        message: `ENS attempt timed out after ${limits.attemptTimeoutMs} ms`,
      });
    case "aborted":
      return new EnsApiError({
        code: "Aborted",
        message: "ENS call aborted by the caller",
        requestSent: error.requestSent,
        cause: error.cause,
      });
    case "too-large":
      return new EnsApiError({
        code: "InvalidResponse",
        message: `ENS answer is larger than ${limits.maxBodyBytes} bytes`,
        httpStatus: error.status,
      });
    case "incomplete":
      return new EnsApiError({
        code: "NetworkError",
        message: `ENS connection closed before the answer was complete (HTTP ${error.status})`,
        httpStatus: error.status,
        requestId,
        cause: error,
      });
    default:
      return new EnsApiError({
        code: "NetworkError",
        message: `Network error calling ENS at ${host}: ${error.errno ?? "unknown"}`,
        requestSent: error.requestSent,
        cause: error,
      });
  }
}

/**
 * Creates the ENS transport. Build it once per process (module scope) so that warm invocations reuse sockets.
 * @example const transport = createEnsTransport({ endpoint: "https://ens.aliyuncs.com", attemptTimeoutMs: 5000 });
 */
export function createEnsTransport(options: EnsTransportOptions): HttpEnsTransport {
  const url = parseEnsEndpoint(options.endpoint);
  const path = url.pathname === "" ? "/" : url.pathname;
  const now = options.clock ? () => options.clock!.now() : Date.now;
  const nonce = options.nonce ?? randomUUID;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const version = options.signatureVersion ?? "v3";

  function buildRequest(action: string, params: Record<string, string>, credentials: Credentials) {
    const base = { accept: "application/json", "user-agent": USER_AGENT };
    if (version === "v1") {
      const signed = signRequestV1({
        method: "POST",
        params,
        action,
        version: ENS_API_VERSION,
        credentials,
        timestamp: formatAcsTimestamp(now()),
        nonce: nonce(),
      });
      return { headers: { ...base, host: url.host }, query: signed.queryString };
    }
    const signed = signRequestV3({
      method: "POST",
      host: url.host,
      path,
      query: params,
      headers: base,
      body: "",
      action,
      version: ENS_API_VERSION,
      credentials,
      date: formatAcsTimestamp(now()),
      nonce: nonce(),
    });
    return { headers: signed.headers, query: canonicalizeQueryV3(params) };
  }

  async function call(
    action: string,
    params: Record<string, string>,
    credentials: Credentials,
    signal: AbortSignal,
  ): Promise<EnsAnswer> {
    const { headers, query } = buildRequest(action, params, credentials);
    let answer: exchange.HttpExchangeResponse;
    try {
      answer = await exchange.httpExchange({
        url,
        path: query === "" ? path : `${path}?${query}`,
        method: "POST",
        headers,
        timeoutMs: options.attemptTimeoutMs,
        signal,
        maxResponseBytes: maxBodyBytes,
      });
    } catch (error) {
      throw toEnsError(error, { attemptTimeoutMs: options.attemptTimeoutMs, maxBodyBytes }, url.host);
    }
    return parseEnsResponse(
      answer.status,
      {
        contentType: exchange.headerValue(answer.rawHeaders, "content-type"),
        requestId: exchange.headerValue(answer.rawHeaders, "x-acs-request-id"),
      },
      answer.body.toString("utf8"),
    );
  }

  return { call, close: () => exchange.closeIdleConnections(url) };
}
