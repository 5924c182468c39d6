/**
 * What happened to one rule in one delivery: the one record of an outcome. The use case settles a `RuleDecision`,
 * attaches the rule's place and its audit id, and every view is made from the record by a `Pick` or a small pure
 * function: the audit event's `data` (audit-event.ts), the HTTP result (entry/http-answer.ts) and the queue
 * summary (entry/queue-worker.ts).
 */
import type { EgressRule, Outcome, PolicyDecision } from "./types.ts";

/** The one record of one rule's outcome. */
export interface RuleOutcome {
  ruleIndex: number;
  /** The normalised rule, or null when the request could not be parsed that far. */
  rule: EgressRule | null;
  outcome: Outcome;
  /** Null on success; otherwise the ENS, validation, guardrail or authentication code. */
  errorCode: string | null;
  /** Safe for the caller; null on success. */
  message: string | null;
  /** ENS calls made for this rule (0 when none). */
  attempts: number;
  /** The RequestId of each ENS answer, in order. */
  ensRequestIds: string[];
  /** The RequestId of the answer that settled the rule; null when it failed or made no call. */
  ensRequestId: string | null;
  /** True when a later delivery may succeed where this one failed: the platform should deliver it again. */
  redeliver: boolean;
  /** ENS RequestId of the failing answer, when there was one. */
  failedRequestId: string | null;
  /** HTTP status of the failing ENS answer, when there was one (the error table keys unknown codes on it). */
  failedHttpStatus: number | null;
  /** True on `already_exists` when this delivery's own lost attempt may have stored the rule. */
  mayHaveCreated: boolean;
  /** The guardrails' verdict; null when the request never reached them. */
  policy: PolicyDecision | null;
  /** The id of the rule's audit event. */
  auditId: string;
}

/** What the use case decides for a rule, before the rule's place, verdict and audit id are attached. */
export type RuleDecision = Omit<RuleOutcome, "ruleIndex" | "rule" | "policy" | "auditId" | "ensRequestId">;

/** A decision that made no ENS call; spread it and set what differs. */
export const NO_CALL: RuleDecision = {
  outcome: "rejected",
  attempts: 0,
  ensRequestIds: [],
  errorCode: null,
  message: null,
  redeliver: false,
  failedRequestId: null,
  failedHttpStatus: null,
  mayHaveCreated: false,
};

/** The record of a decision, once its rule, verdict and audit id are known. */
export function toRuleOutcome(
  place: Pick<RuleOutcome, "ruleIndex" | "rule" | "policy" | "auditId">,
  decision: RuleDecision,
): RuleOutcome {
  const ensRequestId = decision.outcome === "failed" ? null : (decision.ensRequestIds.at(-1) ?? null);
  return { ...place, ...decision, ensRequestId };
}

/** A view of an outcome: the named fields, in the order given. */
export function pickFields<K extends keyof RuleOutcome>(
  outcome: RuleOutcome,
  fields: readonly K[],
): Pick<RuleOutcome, K> {
  const view = {} as Pick<RuleOutcome, K>;
  for (const field of fields) view[field] = outcome[field];
  return view;
}
