/**
 * The whole error taxonomy in one table (STYLE §3): for every failure kind, whether the ENS adapter retries it,
 * the outcome the audit event records, the HTTP status a caller sees, and whether a queue message is acked or
 * redelivered. Pure data plus two lookups; safe to import from any bundle.
 */
import type { Outcome } from "./domain/types.ts";

/** Where a code comes from: the ENS API page (REFERENCE §0), the Alibaba Cloud gateway (§2.5), or this product. */
export type ErrorSource = "ens" | "gateway" | "local";

/** One row of the error table. */
export interface ErrorRow {
  /** Exact code, or a family: `Prefix.*` matches `Prefix.<anything>`, `Prefix*` matches any code starting so. */
  code: string;
  source: ErrorSource;
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
  description: string;
}

/** The ENS answer that means the identical rule already exists. */
export const DUPLICATED_CODE = "SecurityGroupRuleConflict.Duplicated";

const permanentEns = (code: string, httpStatus: number, description: string): ErrorRow => ({
  code,
  source: "ens",
  retry: "no",
  mayHaveApplied: false,
  outcome: "failed",
  httpStatus,
  queue: "ack",
  description,
});

const permanentGateway = (code: string, description: string): ErrorRow => ({
  code,
  source: "gateway",
  retry: "no",
  mayHaveApplied: false,
  outcome: "failed",
  httpStatus: 502,
  queue: "ack",
  description,
});

const retryable = (
  code: string,
  source: ErrorSource,
  retry: "transient" | "throttle",
  mayHaveApplied: boolean,
  description: string,
): ErrorRow => ({
  code,
  source,
  retry,
  mayHaveApplied,
  outcome: "failed",
  httpStatus: 503,
  queue: "redeliver",
  description,
});

const refusal = (code: string, httpStatus: number, description: string): ErrorRow => ({
  code,
  source: "local",
  retry: "no",
  mayHaveApplied: false,
  outcome: "rejected",
  httpStatus,
  queue: "ack",
  description,
});

/**
 * Every failure kind the product knows. Status rule: a 4xx tells the caller "your request is wrong", a 502 tells
 * them "our side (credentials, RAM role, adapter) is wrong", a 503 "try again later". Permanent errors ack a
 * queue message so that a poison message never blocks a stream; transient ones ask for redelivery.
 */
export const ERROR_TABLE: readonly ErrorRow[] = [
  // ENS codes from the AuthorizeSecurityGroupEgress page (REFERENCE §0).
  permanentEns(
    "MissingParameter",
    502,
    "ENS says a required parameter was not sent. Validation fills all seven fields, so this is a bug on our side, not the caller's: 502.",
  ),
  permanentEns(
    "Missing*",
    502,
    "Per-parameter variant of MissingParameter (e.g. MissingSecurityGroupId): 502 for the same reason.",
  ),
  permanentEns(
    "NoPermission",
    502,
    "The function's RAM role may not call ens:AuthorizeSecurityGroupEgress. Only an operator can fix the role, the caller cannot: 502.",
  ),
  permanentEns(
    "InvalidParameter",
    400,
    "ENS refused a field value that validation let through; the caller must change the rule: 400 with the ENS message.",
  ),
  permanentEns(
    "InvalidParameter.*",
    400,
    "ENS refused the named field (InvalidParameter.<Field>): 400, the caller must change it.",
  ),
  permanentEns(
    "InvalidSecurityGroupId.NotFound",
    404,
    "The security group does not exist (or not in this account/region): 404.",
  ),
  {
    code: DUPLICATED_CODE,
    source: "ens",
    retry: "no",
    mayHaveApplied: false,
    outcome: "already_exists",
    httpStatus: 200,
    queue: "ack",
    description:
      "The identical rule exists: a success. On a retry after a lost or failed answer it proves our earlier call took effect, and the outcome is created.",
  },
  permanentEns(
    "AuthorizationLimitExceed",
    409,
    "The group has reached its rule quota; the request conflicts with the group's state until rules are removed: 409.",
  ),
  retryable(
    "ens.interface.error",
    "ens",
    "transient",
    true,
    "ENS failed internally; retried with backoff. Once the budget is spent: 503 with Retry-After, redeliver.",
  ),
  retryable(
    "CallInterface",
    "ens",
    "transient",
    true,
    "Like ens.interface.error (the page gives no more detail).",
  ),

  // Gateway common codes (REFERENCE §2.5).
  retryable(
    "Throttling",
    "gateway",
    "throttle",
    false,
    "Flow control refused the call before it ran; retried with a 5x larger base.",
  ),
  retryable("Throttling.User", "gateway", "throttle", false, "Per-user flow control; as Throttling."),
  retryable("Throttling.Api", "gateway", "throttle", false, "Per-API flow control; as Throttling."),
  retryable("Throttling*", "gateway", "throttle", false, "Any other throttling code; as Throttling."),
  retryable("ServiceUnavailable", "gateway", "transient", true, "Temporary server failure; retried."),
  retryable(
    "ServiceUnAvailable",
    "gateway",
    "transient",
    true,
    "Spelling variant some products use; as ServiceUnavailable.",
  ),
  retryable(
    "InternalError",
    "gateway",
    "transient",
    true,
    "The gateway's unknown server error; retried. Once the budget is spent: 503 with Retry-After, redeliver.",
  ),
  retryable(
    "SignatureNonceUsed",
    "gateway",
    "transient",
    false,
    "Replay protection refused a nonce; every attempt signs with a fresh nonce, so a retry can succeed.",
  ),
  permanentGateway(
    "SignatureDoesNotMatch",
    "Our signature or AccessKey secret is wrong: 502, an operator must fix the credentials.",
  ),
  permanentGateway("IncompleteSignature", "The signature is malformed (adapter bug): 502."),
  permanentGateway("InvalidAccessKeyId.NotFound", "The AccessKey id is unknown: 502, fix the credentials."),
  permanentGateway("InvalidAccessKeyId.Inactive", "The AccessKey is disabled: 502, fix the credentials."),
  permanentGateway("InvalidAccessKeyId*", "Any other AccessKey problem: 502."),
  {
    ...permanentGateway(
      "InvalidSecurityToken.Expired",
      "The STS token expired. Retrying with the same token cannot help, but the next invocation gets fresh credentials from FC: 503, redeliver.",
    ),
    httpStatus: 503,
    queue: "redeliver",
  },
  permanentGateway(
    "InvalidSecurityToken*",
    "The STS token is malformed or does not match the AccessKey: 502.",
  ),
  permanentGateway(
    "InvalidTimeStamp.Expired",
    "Our clock is more than 15 minutes off; a fresh timestamp from the same clock would fail again: 502.",
  ),
  permanentGateway("InvalidTimeStamp.Format", "The timestamp is not ISO 8601 (adapter bug): 502."),
  permanentGateway(
    "InvalidAction.NotFound",
    "Action or version unknown to the endpoint (wrong ENS_ENDPOINT?): 502.",
  ),
  permanentGateway("InvalidApi.NotFound", "As InvalidAction.NotFound: 502."),
  permanentGateway("InvalidVersion", "API version refused (wrong ENS_ENDPOINT?): 502."),
  permanentGateway(
    "Forbidden*",
    "RAM denied the call (e.g. Forbidden.RAM): the function's role must be fixed: 502.",
  ),

  // Failures of the call itself, detected locally.
  retryable(
    "NetworkError",
    "local",
    "transient",
    true,
    "The connection failed or was reset; retried. A refused connection or DNS failure proves the call never reached ENS.",
  ),
  retryable(
    "AttemptTimeout",
    "local",
    "transient",
    true,
    "One attempt outlasted its timeout and was aborted; retried.",
  ),
  retryable(
    "InvalidResponse",
    "local",
    "transient",
    true,
    "The answer was not a JSON object (a proxy page, a truncated body); retried, the budget bounds it.",
  ),
  retryable(
    "DeadlineExceeded",
    "local",
    "transient",
    true,
    "The retry budget ended at the invocation's deadline (an attempt in flight was aborted): 503 with Retry-After, redeliver.",
  ),
  retryable(
    "Aborted",
    "local",
    "transient",
    true,
    "The caller aborted the call (e.g. the invocation is ending): 503, redeliver.",
  ),

  // The product's own refusals and failures, decided before or after the ENS call.
  refusal("InvalidRequest", 400, "Invalid JSON or an invalid rule; no ENS call was made."),
  refusal("Unauthorized", 401, "Authentication failed; the answer does not say which check failed."),
  refusal(
    "Policy.*",
    403,
    "A guardrail refused the rule; the code names the guardrail (Policy.<Guardrail>).",
  ),
  refusal("PayloadTooLarge", 413, "The body is larger than MAX_BODY_BYTES."),
  refusal("UnsupportedMediaType", 415, "The body is not JSON."),
  refusal("NotFound", 404, "No such route."),
  refusal("MethodNotAllowed", 405, "The route exists but not for this HTTP method."),
  {
    code: "AuditDeliveryFailed",
    source: "local",
    retry: "no",
    mayHaveApplied: false,
    outcome: "failed",
    httpStatus: 503,
    queue: "redeliver",
    description:
      "An audit sink did not accept the event; the delivery is answered 503 / redelivered so no outcome goes unaudited.",
  },
  {
    code: "MissingCredentials",
    source: "local",
    retry: "no",
    mayHaveApplied: false,
    outcome: "failed",
    httpStatus: 503,
    queue: "redeliver",
    description:
      "The function has no credentials (no role on the service, no ALIBABA_CLOUD_ACCESS_KEY_ID): no ENS call; redelivered so the message reaches the dead-letter queue rather than being lost.",
  },
  {
    code: "InternalError",
    source: "local",
    retry: "no",
    mayHaveApplied: false,
    outcome: "failed",
    httpStatus: 500,
    queue: "redeliver",
    description:
      "A bug on our side: a generic 500 with the request id; a queue message is redelivered (ENS calls are idempotent).",
  },
];

/** Fallback for a code the table does not know that ENS answered with HTTP 4xx: ENS refused, we cannot say why. */
export const UNKNOWN_CLIENT_ERROR_ROW: ErrorRow = permanentGateway(
  "(other code, HTTP 4xx)",
  "An ENS refusal this table does not know; we cannot claim the caller is wrong: 502 with the ENS code.",
);

/** Fallback for a code the table does not know that ENS answered with HTTP 5xx (or 429 for throttling). */
export const UNKNOWN_SERVER_ERROR_ROW: ErrorRow = retryable(
  "(other code, HTTP 5xx)",
  "gateway",
  "transient",
  true,
  "A server-side failure this table does not know; retried like InternalError.",
);

/** Fallback for a code the table does not know that ENS answered with HTTP 429. */
export const UNKNOWN_THROTTLE_ROW: ErrorRow = retryable(
  "(other code, HTTP 429)",
  "gateway",
  "throttle",
  false,
  "Too many requests; as Throttling.",
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
export class EnsApiError extends Error {
  override readonly name = "EnsApiError";
  readonly code: string;
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

function cell(text: string): string {
  // Markdown would read "<Field>" as an HTML tag and "|" as a column break.
  return text.replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Renders the error table (plus the three fallback rows) as a Markdown table for the README. */
export function renderErrorTableMarkdown(): string {
  const rows = [...ERROR_TABLE, UNKNOWN_CLIENT_ERROR_ROW, UNKNOWN_THROTTLE_ROW, UNKNOWN_SERVER_ERROR_ROW];
  const lines = [
    "| code | from | retry | may have applied | outcome | HTTP | queue | why |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| \`${cell(r.code)}\` | ${r.source} | ${r.retry} | ${r.mayHaveApplied ? "yes" : "no"} | ${r.outcome} | ${r.httpStatus} | ${r.queue} | ${cell(r.description)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
