/**
 * The whole error taxonomy in one table (docs/errors.md): for every failure kind, whether the ENS adapter
 * retries it, the outcome the audit event records, the HTTP status a caller sees, and whether a queue message
 * is acked or redelivered. Pure data plus two lookups; safe to import from any bundle.
 */
import { ProductError } from "./domain/product-error.ts";
import type { Outcome } from "./domain/types.ts";

/**
 * Where a code comes from: the ENS API page or the API gateway (docs/ens-api.md), this product, or a ticket system
 * answering the ticket notifier (docs/tickets.md).
 */
export type ErrorSource = "ens" | "gateway" | "local" | "ticket";

/** One row of the error table. */
export interface ErrorRow<C extends string = string, S extends ErrorSource = ErrorSource> {
  /** Exact code, or a family: `Prefix.*` matches `Prefix.<anything>`, `Prefix*` matches any code starting so. */
  code: C;
  source: S;
  /** `no`: never retried; `transient`: retried with backoff; `throttle`: retried with a 5x larger base delay. */
  retry: "no" | "transient" | "throttle";
  /**
   * True when ENS may have stored the rule although this answer is an error (the answer was lost or the server
   * failed mid-way); a later `SecurityGroupRuleConflict.Duplicated` then proves that our own call took effect.
   */
  mayHaveApplied: boolean;
  outcome: Outcome;
  httpStatus: number;
  queue: "ack" | "redeliver";
  /**
   * Shown instead of the ENS message, for codes whose message is known to echo the request: the gateway's
   * signature errors print the whole string to sign, STS token included (docs/security.md).
   */
  fixedMessage?: string;
}

/** The ENS answer that means the identical rule already exists. */
export const DUPLICATED_CODE = "SecurityGroupRuleConflict.Duplicated" as const;

const permanentEns = <const C extends string>(code: C, httpStatus: number): ErrorRow<C, "ens"> => ({
  code,
  source: "ens",
  retry: "no",
  mayHaveApplied: false,
  outcome: "failed",
  httpStatus,
  queue: "ack",
});

const permanentGateway = <const C extends string>(code: C): ErrorRow<C, "gateway"> => ({
  code,
  source: "gateway",
  retry: "no",
  mayHaveApplied: false,
  outcome: "failed",
  httpStatus: 502,
  queue: "ack",
});

const retryable = <const C extends string, const S extends ErrorSource>(
  code: C,
  source: S,
  retry: "transient" | "throttle",
  mayHaveApplied: boolean,
): ErrorRow<C, S> => ({
  code,
  source,
  retry,
  mayHaveApplied,
  outcome: "failed",
  httpStatus: 503,
  queue: "redeliver",
});

// A local failure after validation that retrying inside this invocation cannot fix, but a later delivery may.
const localFailure = <const C extends string>(code: C, httpStatus: number): ErrorRow<C, "local"> => ({
  code,
  source: "local",
  retry: "no",
  mayHaveApplied: false,
  outcome: "failed",
  httpStatus,
  queue: "redeliver",
});

const refusal = <const C extends string>(code: C, httpStatus: number): ErrorRow<C, "local"> => ({
  code,
  source: "local",
  retry: "no",
  mayHaveApplied: false,
  outcome: "rejected",
  httpStatus,
  queue: "ack",
});

// A ticket system's answer to the notifier (docs/tickets.md). The notifier answers no caller, so HTTP says what the
// row means by the status rule below (404: the request named a ticket that does not exist; 502: our credentials or
// settings; 503: try again later); "queue" is what happens to the summary event: ack ends it (recorded once),
// redeliver makes EventBridge push it again.
const ticketRow = <const C extends string>(
  code: C,
  retry: ErrorRow["retry"],
  httpStatus: number,
  mayHaveApplied: boolean,
  queue: ErrorRow["queue"] = retry === "no" ? "ack" : "redeliver",
): ErrorRow<C, "ticket"> => ({
  code,
  source: "ticket",
  retry,
  mayHaveApplied,
  outcome: "failed",
  httpStatus,
  queue,
});

/**
 * Every failure kind the product knows. Status rule: a 4xx tells the caller "your request is wrong", a 502 tells
 * them "our side (credentials, RAM role, adapter) is wrong", a 503 "try again later". Permanent errors ack a
 * queue message so that a poison message never blocks a stream; transient ones ask for redelivery.
 */
export const ERROR_TABLE = [
  // ENS codes from the AuthorizeSecurityGroupEgress page (docs/ens-api.md).
  permanentEns("MissingParameter", 502),
  permanentEns("Missing*", 502),
  permanentEns("NoPermission", 502),
  permanentEns("InvalidParameter", 400),
  permanentEns("InvalidParameter.*", 400),
  permanentEns("InvalidSecurityGroupId.NotFound", 404),
  {
    code: DUPLICATED_CODE,
    source: "ens" as const,
    retry: "no",
    mayHaveApplied: false,
    outcome: "already_exists",
    httpStatus: 200,
    queue: "ack",
  },
  permanentEns("AuthorizationLimitExceed", 409),
  retryable("ens.interface.error", "ens", "transient", true),
  retryable("CallInterface", "ens", "transient", true),

  // Gateway common codes (docs/ens-api.md).
  retryable("Throttling", "gateway", "throttle", false),
  retryable("Throttling.User", "gateway", "throttle", false),
  retryable("Throttling.Api", "gateway", "throttle", false),
  retryable("Throttling*", "gateway", "throttle", false),
  retryable("ServiceUnavailable", "gateway", "transient", true),
  retryable("ServiceUnAvailable", "gateway", "transient", true),
  retryable("InternalError", "gateway", "transient", true),
  retryable("SignatureNonceUsed", "gateway", "transient", false),
  {
    ...permanentGateway("SignatureDoesNotMatch"),
    fixedMessage: "ENS computed another signature for the call (check the access key secret)",
  },
  {
    ...permanentGateway("IncompleteSignature"),
    fixedMessage: "ENS found the signature of the call malformed",
  },
  permanentGateway("InvalidAccessKeyId.NotFound"),
  permanentGateway("InvalidAccessKeyId.Inactive"),
  permanentGateway("InvalidAccessKeyId*"),
  {
    ...permanentGateway("InvalidSecurityToken.Expired"),
    httpStatus: 503,
    queue: "redeliver",
  },
  permanentGateway("InvalidSecurityToken*"),
  permanentGateway("InvalidTimeStamp.Expired"),
  permanentGateway("InvalidTimeStamp.Format"),
  permanentGateway("InvalidAction.NotFound"),
  permanentGateway("InvalidApi.NotFound"),
  permanentGateway("InvalidVersion"),
  permanentGateway("Forbidden*"),

  // Failures of the call itself, detected locally.
  retryable("NetworkError", "local", "transient", true),
  retryable("AttemptTimeout", "local", "transient", true),
  retryable("InvalidResponse", "local", "transient", true),
  retryable("DeadlineExceeded", "local", "transient", true),
  retryable("Aborted", "local", "transient", true),

  // The product's own refusals and failures, decided before or after the ENS call.
  refusal("InvalidRequest", 400),
  refusal("Unauthorized", 401),
  refusal("Policy.*", 403),
  refusal("PayloadTooLarge", 413),
  refusal("UnsupportedMediaType", 415),
  refusal("NotFound", 404),
  refusal("MethodNotAllowed", 405),
  refusal("IdempotencyKeyReused", 422),
  localFailure("AuditDeliveryFailed", 503),
  localFailure("MissingCredentials", 503),
  localFailure("InternalError", 500),

  // The ticket notifier's calls to Jira, Jira Service Management and ServiceNow (docs/tickets.md).
  ticketRow("Ticket.NotFound", "no", 404, false),
  ticketRow("Ticket.Unauthorized", "no", 502, false),
  ticketRow("Ticket.Forbidden", "no", 502, false),
  ticketRow("Ticket.Refused", "no", 502, false),
  ticketRow("Ticket.NotConfigured", "no", 502, false),
  ticketRow("Ticket.Throttled", "throttle", 503, false),
  ticketRow("Ticket.Unavailable", "transient", 503, true),
  ticketRow("Ticket.NetworkError", "transient", 503, true),
  ticketRow("Ticket.Timeout", "transient", 503, true),
  ticketRow("Ticket.InvalidResponse", "transient", 503, false),
  ticketRow("Ticket.DeadlineExceeded", "transient", 503, true),
  ticketRow("Ticket.WriteUnconfirmed", "no", 503, true, "redeliver"),
] as const satisfies readonly ErrorRow[];

/** A code a row stands for: the exact code, or every code of its family (`Policy.*` is `Policy.${string}`). */
type CodeOf<P extends string> = P extends `${infer Prefix}*` ? `${Prefix}${string}` : P;

/**
 * The codes this product decides itself (refusals and local failures), typed from the table: a refusal with a code
 * the table has no row for does not compile.
 */
export type LocalErrorCode = CodeOf<Extract<(typeof ERROR_TABLE)[number], { source: "local" }>["code"]>;

/** Fallback for a code the table does not know that ENS answered with HTTP 4xx: ENS refused, we cannot say why. */
export const UNKNOWN_CLIENT_ERROR_ROW: ErrorRow = permanentGateway("(other code, HTTP 4xx)");

/** Fallback for a code the table does not know that ENS answered with HTTP 5xx (or 429 for throttling). */
export const UNKNOWN_SERVER_ERROR_ROW: ErrorRow = retryable(
  "(other code, HTTP 5xx)",
  "gateway",
  "transient",
  true,
);

/** Fallback for a code the table does not know that ENS answered with HTTP 429. */
export const UNKNOWN_THROTTLE_ROW: ErrorRow = retryable(
  "(other code, HTTP 429)",
  "gateway",
  "throttle",
  false,
);

function matches(pattern: string, code: string): boolean {
  if (pattern.endsWith(".*")) return code.startsWith(pattern.slice(0, -1));
  if (pattern.endsWith("*")) return code.startsWith(pattern.slice(0, -1));
  return pattern === code;
}

function specificity(pattern: string): number {
  // Exact rows beat families; among families the longer prefix wins.
  return pattern.endsWith("*") ? pattern.length : Number.MAX_SAFE_INTEGER;
}

/**
 * Finds the row for a code. `httpStatus` is the status ENS answered with (null or absent when there was no ENS
 * answer): it picks ENS/gateway rows over local ones when a code exists in both (`InternalError`), and classifies
 * unknown codes (5xx transient, 429 throttle, other statuses permanent).
 * @example classifyError("Throttling.User", 400).retry // "throttle"
 */
export function classifyError(code: string, httpStatus?: number | null): ErrorRow {
  const fromEns = httpStatus !== undefined && httpStatus !== null;
  const preferred = (row: ErrorRow) => (row.source === "local") !== fromEns;
  let best: ErrorRow | undefined;
  for (const row of ERROR_TABLE) {
    if (!matches(row.code, code)) continue;
    if (best === undefined) {
      best = row;
      continue;
    }
    const a = specificity(row.code);
    const b = specificity(best.code);
    if (a > b || (a === b && preferred(row) && !preferred(best))) best = row;
  }
  if (best !== undefined) return best;
  if (!fromEns) {
    const internal = ERROR_TABLE.find((r) => r.code === "InternalError" && r.source === "local")!;
    return { ...internal, code };
  }
  if (httpStatus === 429) return { ...UNKNOWN_THROTTLE_ROW, code };
  if (httpStatus >= 500) return { ...UNKNOWN_SERVER_ERROR_ROW, code };
  return { ...UNKNOWN_CLIENT_ERROR_ROW, code };
}

/** Fields of an `EnsApiError`; everything but `code` and `message` is optional. */
export interface EnsApiErrorInit {
  code: string;
  message: string;
  requestId?: string | null;
  httpStatus?: number | null;
  hostId?: string | null;
  recommend?: string | null;
  /** False when the request provably never reached ENS (connection refused, DNS failure). Default true. */
  requestSent?: boolean;
  cause?: unknown;
}

/** One failed ENS attempt: an ENS/gateway error answer, or a local failure (network, timeout, bad body). */
export class EnsApiError extends ProductError {
  override readonly name = "EnsApiError";
  override readonly code: string;
  readonly requestId: string | null;
  readonly httpStatus: number | null;
  readonly hostId: string | null;
  readonly recommend: string | null;
  readonly requestSent: boolean;

  constructor(init: EnsApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.httpStatus = init.httpStatus ?? null;
    this.hostId = init.hostId ?? null;
    this.recommend = init.recommend ?? null;
    this.requestSent = init.requestSent ?? true;
  }
}
