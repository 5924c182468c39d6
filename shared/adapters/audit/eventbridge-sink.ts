/**
 * The EventBridge audit sink: PutEvents of one CloudEvent to an Alibaba Cloud EventBridge custom bus, signed with
 * the function's credentials (EventBridge events are CloudEvents 1.0, so the audit event goes as it is, plus the
 * `aliyuneventbusname` extension that names the bus).
 */
import { randomUUID } from "node:crypto";
import type { AuditEvent, AuditSink, Credentials } from "../../ports.ts";
import { redactText } from "../redaction.ts";
import { AuditSinkError, isRetryableStatus } from "./audit-sink-error.ts";
import { buildPutEventsHeaders } from "./eventbridge-signer.ts";
import { describeUrl, postWithTimeout } from "./http-post.ts";

/** Options of `createEventBridgeSink`. */
export interface EventBridgeSinkOptions {
  /** `https://<account>.eventbridge.<region>.aliyuncs.com` (a bare host gets `https://`). */
  endpoint: string;
  busName: string;
  /** Read on every write, so fresh STS credentials of each invocation are used. */
  credentials: () => Credentials;
  /** Limit of one attempt; the time left before the deadline limits it further. */
  timeoutMs: number;
  /** Sent as `x-eventbridge-regionId` when set. */
  regionId?: string | null;
  /** Clock for the `date` header and the deadline; injectable for tests. */
  now?: () => number;
  /** Nonce source; injectable for tests. */
  nonce?: () => string;
}

const SINK = "eventbridge";

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function pick(object: Record<string, unknown> | null, ...names: string[]): unknown {
  if (object === null) return undefined;
  for (const name of names) if (object[name] !== undefined && object[name] !== null) return object[name];
  return undefined;
}

/** Reads `FailedEntryCount` and the first entry's error code, at top level or under `data` (both shapes are seen). */
function failedEntry(body: Record<string, unknown> | null): { count: number; code: string | null } {
  const data = pick(body, "data", "Data");
  const scope = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : body;
  const count = Number(pick(scope, "FailedEntryCount", "failedEntryCount") ?? 0);
  const entries = pick(scope, "EntryList", "entryList");
  const first = Array.isArray(entries)
    ? (entries.find((e) => pick(e, "ErrorCode", "errorCode")) as unknown)
    : undefined;
  const code =
    first && typeof first === "object"
      ? pick(first as Record<string, unknown>, "ErrorCode", "errorCode")
      : null;
  return { count: Number.isFinite(count) ? count : 0, code: typeof code === "string" ? code : null };
}

/**
 * Creates the EventBridge sink.
 * @example createEventBridgeSink({ endpoint, busName: "audit", credentials: () => creds, timeoutMs: 3000 })
 */
export function createEventBridgeSink(options: EventBridgeSinkOptions): AuditSink {
  const url = new URL(
    /^https?:\/\//.test(options.endpoint) ? options.endpoint : `https://${options.endpoint}`,
  );
  const pathname = `${url.pathname.replace(/\/+$/, "")}/openapi/putEvents`;
  const target = new URL(pathname, url);
  const now = options.now ?? Date.now;
  const nonce = options.nonce ?? randomUUID;
  const where = describeUrl(url);
  return {
    name: SINK,
    remote: true,
    async write(event: AuditEvent, { deadline }) {
      const timeoutMs = Math.min(options.timeoutMs, deadline - now());
      if (timeoutMs <= 0) {
        throw new AuditSinkError("DeadlineExceeded", `${SINK} sink: no time left before the deadline`, {
          sink: SINK,
          retryable: false,
        });
      }
      let credentials: Credentials;
      try {
        credentials = options.credentials();
      } catch (cause) {
        throw new AuditSinkError("AuditSinkConfigError", `${SINK} sink: no credentials to sign with`, {
          sink: SINK,
          retryable: false,
          cause,
        });
      }
      const headers = buildPutEventsHeaders({
        host: url.host,
        pathname,
        date: new Date(now()).toUTCString(),
        nonce: nonce(),
        credentials,
        regionId: options.regionId ?? null,
      });
      const body = JSON.stringify([{ ...event, aliyuneventbusname: options.busName }]);
      const result = await postWithTimeout({ sink: SINK, url: target, timeoutMs, body, headers });
      const json = parseJson(result.text);
      // A server may echo the string to sign, which holds the security token; never let it through.
      const secrets = [credentials.accessKeySecret, credentials.securityToken ?? ""];
      if (result.status >= 200 && result.status < 300) {
        const failed = failedEntry(json);
        if (failed.count === 0) return;
        const code = redactText(failed.code ?? "unknown", secrets).slice(0, 100);
        throw new AuditSinkError("AuditSinkRejected", `${SINK} sink: ${where} refused the event (${code})`, {
          sink: SINK,
          retryable: true,
          status: result.status,
        });
      }
      const code = String(pick(json, "code", "Code") ?? "unknown");
      const message = String(pick(json, "message", "Message") ?? "");
      const detail = redactText(`${code}${message ? `: ${message}` : ""}`, secrets).slice(0, 300);
      throw new AuditSinkError(
        "AuditSinkHttpStatus",
        `${SINK} sink: HTTP ${result.status} from ${where}: ${detail}`,
        {
          sink: SINK,
          retryable: isRetryableStatus(result.status) || /throttl/i.test(code),
          status: result.status,
        },
      );
    },
  };
}
