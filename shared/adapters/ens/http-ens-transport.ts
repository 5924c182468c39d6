/**
 * One signed ENS call over keep-alive HTTP(S): no retry here (retry lives in exactly one layer, the retrying
 * client). Every failure becomes an `EnsApiError` with a code from the error table, never a secret in its message.
 */
import { randomUUID } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { classifyError, EnsApiError } from "../../errors.ts";
import type { Clock, Credentials } from "../../ports.ts";
import { loadHttps } from "../lazy-https.ts";
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
  /** Upper bound of concurrent sockets to the endpoint (default 64). */
  maxSockets?: number;
  /** Bodies larger than this are refused as `InvalidResponse` (default 1 MiB). */
  maxBodyBytes?: number;
}

/** `createEnsTransport`'s result: the transport plus `close()` to drop idle keep-alive sockets. */
export interface HttpEnsTransport extends EnsTransport {
  close(): void;
}

const USER_AGENT = `ens-egress/0.1 Node.js/${process.versions.node}`;

/** Error codes of `node:net`/`node:dns` that prove the request never left this machine. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/** Formats epoch ms the way both signatures want it: `YYYY-MM-DDThh:mm:ssZ`. */
export function formatAcsTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
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

/**
 * One response header (`name` in lower case), the first if it repeats. Read from `rawHeaders` because Node builds
 * `res.headers` lazily, for every header at once, on first access: work the hot path does not need for two values.
 */
function headerValue(res: IncomingMessage, name: string): string | null {
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1] || null;
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

/**
 * Creates the ENS transport. Build it once per process (module scope) so that warm invocations reuse sockets.
 * @example const transport = createEnsTransport({ endpoint: "https://ens.aliyuncs.com", attemptTimeoutMs: 5000 });
 */
export function createEnsTransport(options: EnsTransportOptions): HttpEnsTransport {
  const url = parseEnsEndpoint(options.endpoint);
  const secure = url.protocol === "https:";
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  // Plain http (the emulator) is ready at once; https is wired on the first call (see lazy-https.ts).
  let agent: HttpAgent | undefined = secure ? undefined : new HttpAgent(agentOptions);
  let send: typeof httpRequest | undefined = secure ? undefined : httpRequest;
  const ready = async () => {
    if (send === undefined || agent === undefined) {
      const https = await loadHttps();
      agent ??= new https.Agent(agentOptions);
      send ??= https.request;
    }
    return { send, agent };
  };
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
    const wired = send !== undefined && agent !== undefined ? { send, agent } : await ready();
    if (signal.aborted) {
      return Promise.reject(
        new EnsApiError({
          code: "Aborted",
          message: "ENS call aborted before it started",
          requestSent: false,
        }),
      );
    }
    const { headers, query } = buildRequest(action, params, credentials);
    return new Promise<EnsAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (error: EnsApiError | null, answer?: EnsAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(answer!);
      };
      const req = wired.send({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: query === "" ? path : `${path}?${query}`,
        method: "POST",
        headers: { ...headers, "content-length": "0" },
        agent: wired.agent,
      });
      const abortWith = (error: EnsApiError) => {
        finish(error);
        req.destroy(error);
      };
      const onAbort = () =>
        abortWith(
          new EnsApiError({
            code: "Aborted",
            message: "ENS call aborted by the caller",
            cause: signal.reason,
          }),
        );
      const timer = setTimeout(
        () =>
          abortWith(
            new EnsApiError({
              code: "AttemptTimeout",
              message: `ENS attempt timed out after ${options.attemptTimeoutMs} ms`,
            }),
          ),
        options.attemptTimeoutMs,
      );
      signal.addEventListener("abort", onAbort, { once: true });
      req.on("error", (error: NodeJS.ErrnoException) => {
        const errno = typeof error.code === "string" ? error.code : "unknown";
        finish(
          new EnsApiError({
            code: "NetworkError",
            message: `Network error calling ENS at ${url.host}: ${errno}`,
            requestSent: !NOT_SENT_CODES.has(errno),
            cause: error,
          }),
        );
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const lost = (cause?: unknown) =>
          finish(
            new EnsApiError({
              code: "NetworkError",
              message: `ENS connection closed before the answer was complete (HTTP ${res.statusCode})`,
              httpStatus: res.statusCode ?? null,
              requestId: headerValue(res, "x-acs-request-id"),
              cause,
            }),
          );
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) {
            abortWith(
              new EnsApiError({
                code: "InvalidResponse",
                message: `ENS answer is larger than ${maxBodyBytes} bytes`,
                httpStatus: res.statusCode ?? null,
              }),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", lost);
        res.on("aborted", () => lost());
        res.on("end", () => {
          if (!res.complete) return lost();
          try {
            const answer = parseEnsResponse(
              res.statusCode ?? 0,
              {
                contentType: headerValue(res, "content-type"),
                requestId: headerValue(res, "x-acs-request-id"),
              },
              Buffer.concat(chunks).toString("utf8"),
            );
            finish(null, answer);
          } catch (error) {
            finish(error as EnsApiError);
          }
        });
      });
      req.end();
    });
  }

  return { call, close: () => agent?.destroy() };
}
