/**
 * The one error type every audit sink rejects with. Its message is safe to log and to put in an HTTP 503 body:
 * sinks build it from status codes, error codes and host names only, and redact what a server echoes back.
 */
import { ProductError } from "../../domain/product-error.ts";

/** Why a delivery attempt to an audit sink failed. */
export type AuditSinkErrorCode =
  /** The attempt did not finish within its timeout (or the time left before the deadline). */
  | "AuditSinkTimeout"
  /** No answer: connection refused or reset, DNS failure. */
  | "AuditSinkNetworkError"
  /** The sink answered with a non-2xx HTTP status. */
  | "AuditSinkHttpStatus"
  /** The sink answered 2xx but refused the event (e.g. EventBridge `FailedEntryCount` > 0). */
  | "AuditSinkRejected"
  /** Writing a local file failed. */
  | "AuditSinkIoError"
  /** No time was left before the invocation deadline to try at all. */
  | "DeadlineExceeded"
  /** The sink is misconfigured (bad secret format, no credentials); found when it is built or first used. */
  | "AuditSinkConfigError";

/** A failed delivery attempt to one audit sink. */
export class AuditSinkError extends ProductError {
  override readonly code: AuditSinkErrorCode;
  /** Name of the sink (`http`, `eventbridge`, `file`, `log`). */
  readonly sink: string;
  /** True when another attempt may succeed (timeouts, network errors, 5xx, 429, throttling). */
  readonly retryable: boolean;
  /** HTTP status when the sink answered; otherwise null. */
  readonly status: number | null;

  constructor(
    code: AuditSinkErrorCode,
    message: string,
    details: { sink: string; retryable: boolean; status?: number | null; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AuditSinkError";
    this.code = code;
    this.sink = details.sink;
    this.retryable = details.retryable;
    this.status = details.status ?? null;
  }
}

/** True for HTTP statuses worth another attempt: 408, 425, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
