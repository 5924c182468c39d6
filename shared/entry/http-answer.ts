/**
 * Turns a settled delivery into the HTTP answer of docs/interfaces.md. This is the only place where outcomes
 * become status codes; the status of a permanent ENS error comes from the one error table in
 * `shared/errors.ts`.
 */

import { pickFields, type RuleOutcome } from "../domain/rule-outcome.ts";
import { formatIssues } from "../domain/rule-request.ts";
import { classifyError } from "../errors.ts";
import type { HttpRefusal } from "../triggers/http-intake-decoder.ts";
import type { HttpResponse } from "../triggers/http-types.ts";
import type { RequestResult } from "../use-cases/authorize-egress-request.ts";

/** Seconds a caller should wait before retrying after a 503; long enough for ENS to recover from a blip. */
export const RETRY_AFTER_SECONDS = 30;

const SUCCESS = new Set(["created", "already_exists", "dry_run"]);

/** The fields of a rule's outcome a caller sees, in this order. */
const PUBLIC_FIELDS = [
  "ruleIndex",
  "outcome",
  "auditId",
  "ensRequestId",
  "attempts",
  "errorCode",
  "message",
  "rule",
] as const;

/** The public view of one rule's outcome: the public fields, the verdict when it names a violation, the flag when set. */
function publicResult(result: RuleOutcome): Partial<RuleOutcome> {
  return {
    ...pickFields(result, PUBLIC_FIELDS),
    ...(result.policy && result.policy.violations.length > 0 ? { policy: result.policy } : {}),
    ...(result.mayHaveCreated ? { mayHaveCreated: true } : {}),
  };
}

/** JSON answer with the headers every answer carries. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-request-id": requestId,
      ...extraHeaders,
    },
    body: JSON.stringify(body),
  };
}

/** An error answer: `{"error":{code,message,...}}` plus any results already settled. */
export function errorResponse(
  statusCode: number,
  error: Record<string, unknown> & { code: string; message: string },
  requestId: string,
  results: RuleOutcome[] = [],
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  const body = results.length > 0 ? { error, results: results.map(publicResult) } : { error };
  return jsonResponse(statusCode, body, requestId, extraHeaders);
}

/** The 503 of a delivery whose audit events did not all reach every durable sink: the sender must retry it. */
function auditUndelivered(results: RuleOutcome[], requestId: string): HttpResponse {
  return errorResponse(
    503,
    {
      code: "AuditDeliveryFailed",
      message: "the decision was made but its audit event could not be delivered; retry the same request",
    },
    requestId,
    results,
    { "retry-after": String(RETRY_AFTER_SECONDS) },
  );
}

/**
 * Answers a refused delivery (a decoder refusal or a reused Idempotency-Key) with the refusal's own status and the
 * id of its audit event. After authentication the rule is the one of every other answer: an audit event that did
 * not reach every durable sink makes the answer 503 with Retry-After, whatever the refusal, so that the sender
 * retries and the event (same id) is delivered; invalid JSON and an invalid rule are alike in this. Before
 * authentication the event goes to the local sinks only and the refusal stands: an anonymous caller is not asked
 * to retry anything.
 */
export function refusalResponse(
  refusal: Pick<HttpRefusal, "status" | "code" | "message" | "allow" | "authenticated">,
  audited: RequestResult | null,
  requestId: string,
): HttpResponse {
  if (refusal.authenticated && audited !== null && !audited.auditDelivered) {
    return auditUndelivered(audited.results, requestId);
  }
  const auditId = audited?.results[0]?.auditId;
  return errorResponse(
    refusal.status,
    { code: refusal.code, message: refusal.message, ...(auditId ? { auditId } : {}) },
    requestId,
    [],
    refusal.allow ? { allow: refusal.allow } : {},
  );
}

/** Maps a settled delivery to its HTTP answer, most urgent condition first. */
export function toHttpResponse(result: RequestResult, requestId: string): HttpResponse {
  const { results } = result;
  const retryAfter = { "retry-after": String(RETRY_AFTER_SECONDS) };
  if (!result.auditDelivered) return auditUndelivered(results, requestId);
  if (result.issues.length > 0) {
    const message = formatIssues(result.issues);
    return errorResponse(400, { code: "InvalidRequest", message, issues: result.issues }, requestId, results);
  }
  const refused = results.find(
    (r) => r.errorCode?.startsWith("Policy.") && r.errorCode !== "Policy.RequestRefused",
  );
  if (refused?.errorCode) {
    const guardrail = refused.errorCode.slice("Policy.".length);
    return errorResponse(
      403,
      { code: refused.errorCode, guardrail, message: refused.message ?? "refused by a guardrail" },
      requestId,
      results,
    );
  }
  const retryLater = results.find((r) => r.outcome === "failed" && r.redeliver);
  if (retryLater) {
    return errorResponse(
      503,
      {
        code: retryLater.errorCode ?? "ServiceUnavailable",
        message: `ENS kept failing after ${retryLater.attempts} attempt(s): ${retryLater.message ?? "transient error"}`,
        ensRequestId: retryLater.failedRequestId,
      },
      requestId,
      results,
      retryAfter,
    );
  }
  const failed = results.find((r) => !SUCCESS.has(r.outcome));
  if (failed) {
    const code = failed.errorCode ?? "InternalError";
    return errorResponse(
      classifyError(code, failed.failedHttpStatus).httpStatus,
      { code, message: failed.message ?? code, ensRequestId: failed.failedRequestId },
      requestId,
      results,
    );
  }
  return jsonResponse(200, { results: results.map(publicResult) }, requestId);
}
