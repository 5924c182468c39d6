/**
 * The use case every trigger feeds: validate a rule request, apply the guardrails, then dry-run or call ENS (retry
 * lives behind the EnsClient port), and record one audit event per rule whatever happens. It depends on the domain
 * and on ports only; the function entry files hand it adapters, and tests hand it fakes.
 *
 * A request is atomic up to the ENS call: if any of its rules is invalid or refused by a guardrail, none of them is
 * sent, because a half-applied ticket is harder to reason about than a refused one.
 */
import { buildAuditEvent, requestContext } from "../domain/audit-event.ts";
import { evaluatePolicy, type Policy } from "../domain/policy.ts";
import { NO_CALL, type RuleDecision, type RuleOutcome, toRuleOutcome } from "../domain/rule-outcome.ts";
import { formatIssues, parseRuleRequest } from "../domain/rule-request.ts";
import type {
  EgressRule,
  PolicyDecision,
  RequestMeta,
  RuleRequest,
  RuleRequestParseResult,
  ValidationIssue,
} from "../domain/types.ts";
import { classifyError, type LocalErrorCode } from "../errors.ts";
import type {
  AuditData,
  AuditEvent,
  AuditTrail,
  Clock,
  Credentials,
  Delivery,
  EnsClient,
  Logger,
  RecordTrail,
} from "../ports.ts";
import {
  createGroupStates,
  type GroupReadFailure,
  type GroupState,
  type GroupStates,
} from "./group-state.ts";
import { summarizeDelivery } from "./summarize-delivery.ts";

/** Adapters and settings the use case runs with. */
export interface AuthorizeDeps {
  ens: EnsClient;
  audit: AuditTrail;
  policy: Policy;
  policyMode: "enforce" | "audit-only";
  clock: Clock;
  logger: Logger;
  /** CloudEvents `source` of the audit events. */
  auditSource: string;
  /** The groups this invocation has read; a queue batch shares one across its messages. Default: a fresh one. */
  groups?: GroupStates | undefined;
  /** Where the summary of a delivery that names a ticket goes (docs/tickets.md); absent: no summary. */
  summaries?: RecordTrail | undefined;
}

/** Time limits of one invocation, as epoch ms. */
export interface InvocationBudget {
  /** ENS attempts must have ended by then. */
  ensDeadline: number;
  /** Audit sinks must have been tried by then. */
  auditDeadline: number;
}

/** The settled result of one delivery (one HTTP request or one queue message). */
export interface RequestResult {
  results: RuleOutcome[];
  /** Validation issues when the request was refused as invalid. */
  issues: ValidationIssue[];
  /** False when an audit event could not reach every durable sink: the delivery must be retried. */
  auditDelivered: boolean;
}

/** A delivery refused before its body could be trusted (authentication, size, media type, poison message). */
export interface RefusedDelivery {
  code: LocalErrorCode;
  message: string;
  delivery: Delivery;
}

/**
 * Validates, checks guardrails, applies and audits every rule of one delivery. The guardrails run twice: on each
 * rule alone (no ENS call for a request refused outright), then on the state of each group it touches, read once
 * per invocation, plus the earlier rules of the delivery, so that a line cannot be crossed in small steps. A rule
 * already in the group settles as `already_exists` without a write.
 */
export async function authorizeEgressRequest(
  input: { body: unknown; delivery: Delivery; credentials: Credentials | null },
  deps: AuthorizeDeps,
  budget: InvocationBudget,
): Promise<RequestResult> {
  const parsed = parseRuleRequest(input.body);
  const result = parsed.ok
    ? await applyRequest(parsed.request, input, deps, budget)
    : await refuseInvalid(parsed, input.delivery, deps, budget);
  // One summary for the ticket, once the delivery is settled (docs/tickets.md).
  const meta = parsed.ok ? parsed.request.meta : parsed.meta;
  return summarizeDelivery(result, { delivery: input.delivery, meta }, deps, budget);
}

async function applyRequest(
  request: RuleRequest,
  input: { delivery: Delivery; credentials: Credentials | null },
  deps: AuthorizeDeps,
  budget: InvocationBudget,
): Promise<RequestResult> {
  const { rules, meta } = request;
  // The same correlation id as the audit events, so log lines and events join on it.
  const log = deps.logger.child({
    correlationId: meta.TicketId ?? input.delivery.deliveryId ?? input.delivery.fcRequestId,
  });
  const results: RuleOutcome[] = [];
  let auditDelivered = true;
  const settle = async (
    ruleIndex: number,
    rule: EgressRule,
    settled: RuleDecision,
    policy: PolicyDecision,
  ) => {
    const event = auditEventFor(deps, input.delivery, meta, ruleIndex, rule, settled, policy, []);
    const delivery = await deps.audit.emit([event], { deadline: budget.auditDeadline });
    auditDelivered &&= delivery.delivered;
    results.push(toRuleOutcome({ ruleIndex, rule, policy, auditId: event.id }, settled));
    log.info("rule settled", {
      ruleIndex,
      securityGroupId: rule.SecurityGroupId,
      outcome: settled.outcome,
      errorCode: settled.errorCode,
      attempts: settled.attempts,
      auditId: event.id,
    });
  };
  const settleAll = async (
    decisions: readonly PolicyDecision[],
    settledFor: (index: number) => RuleDecision,
  ) => {
    for (const [ruleIndex, rule] of rules.entries()) {
      await settle(ruleIndex, rule, settledFor(ruleIndex), decisions[ruleIndex]!);
    }
  };

  const context = { meta, origin: input.delivery.origin };
  const alone = rules.map((rule) => evaluatePolicy(rule, context, deps.policy, deps.policyMode));
  const refusedAlone = alone.findIndex((decision) => !decision.allowed);
  if (refusedAlone !== -1) {
    await settleAll(alone, (index) => policyRefusal(alone[index]!, refusedAlone, index));
    return { results, issues: [], auditDelivered };
  }
  if (input.credentials === null) {
    log.error("no credentials: the function has no role and no ALIBABA_CLOUD_ACCESS_KEY_ID is set");
    await settleAll(alone, () => MISSING_CREDENTIALS);
    return { results, issues: [], auditDelivered };
  }
  const call = { credentials: input.credentials, deadline: budget.ensDeadline };

  const groups = deps.groups ?? createGroupStates(deps.ens);
  const states = new Map<string, GroupState>();
  for (const rule of rules) {
    if (states.has(rule.SecurityGroupId)) continue;
    const read = await groups.read(rule.SecurityGroupId, call);
    if (!read.ok) {
      log.warn("security group read failed", {
        securityGroupId: rule.SecurityGroupId,
        errorCode: read.error.code,
      });
      await settleAll(alone, () => readFailure(read));
      return { results, issues: [], auditDelivered };
    }
    states.set(rule.SecurityGroupId, read.state);
  }

  // Each rule is judged on its group as it would be after the earlier rules of this request.
  const staged = new Map<string, EgressRule[]>();
  const decisions = rules.map((rule) => {
    const existing = staged.get(rule.SecurityGroupId) ?? [...states.get(rule.SecurityGroupId)!.rules];
    const decision = evaluatePolicy(rule, context, deps.policy, deps.policyMode, existing);
    staged.set(rule.SecurityGroupId, [...existing, rule]);
    return decision;
  });
  const refusedIndex = decisions.findIndex((decision) => !decision.allowed);
  if (refusedIndex !== -1) {
    await settleAll(decisions, (index) => policyRefusal(decisions[index]!, refusedIndex, index));
    return { results, issues: [], auditDelivered };
  }

  for (const [ruleIndex, rule] of rules.entries()) {
    const policy = decisions[ruleIndex]!;
    if (meta.DryRun) {
      await settle(ruleIndex, rule, { ...NO_CALL, outcome: "dry_run" }, policy);
    } else if (states.get(rule.SecurityGroupId)!.has(rule)) {
      await settle(ruleIndex, rule, { ...NO_CALL, outcome: "already_exists" }, policy);
    } else {
      const settled = await callEns(rule, call, deps.ens);
      if (settled.outcome === "created" || settled.outcome === "already_exists")
        groups.record(rule, "present");
      else if (settled.redeliver) groups.record(rule, "possible");
      await settle(ruleIndex, rule, settled, policy);
    }
  }
  return { results, issues: [], auditDelivered };
}

/** Records a delivery that never reached validation; one `rejected` event with a null rule. */
export async function recordRefusedDelivery(
  input: RefusedDelivery,
  deps: Pick<AuthorizeDeps, "audit" | "clock" | "auditSource">,
  budget: InvocationBudget,
): Promise<RequestResult> {
  const settled: RuleDecision = {
    ...NO_CALL,
    outcome: "rejected",
    errorCode: input.code,
    message: input.message,
  };
  const event = auditEventFor(deps, input.delivery, {}, 0, null, settled, null, []);
  const delivery = await deps.audit.emit([event], { deadline: budget.auditDeadline });
  return {
    results: [toRuleOutcome({ ruleIndex: 0, rule: null, policy: null, auditId: event.id }, settled)],
    issues: [],
    auditDelivered: delivery.delivered,
  };
}

// Redelivered per the error table: fixing the role later lets the message through, or it reaches the DLQ.
const MISSING_CREDENTIALS: RuleDecision = {
  ...NO_CALL,
  outcome: "failed",
  errorCode: "MissingCredentials",
  message: "the function has no credentials to call ENS",
  redeliver: classifyError("MissingCredentials").queue === "redeliver",
};

/** A group that could not be read: no rule of the request is judged or written without knowing its group. */
function readFailure(read: GroupReadFailure): RuleDecision {
  return {
    ...NO_CALL,
    outcome: "failed",
    attempts: read.attempts,
    ensRequestIds: read.ensRequestIds,
    errorCode: read.error.code,
    message: `the security group could not be read: ${read.error.message}`,
    redeliver: read.error.redeliver,
    failedRequestId: read.error.requestId,
    failedHttpStatus: read.error.httpStatus,
  };
}

async function refuseInvalid(
  parsed: Extract<RuleRequestParseResult, { ok: false }>,
  delivery: Delivery,
  deps: AuthorizeDeps,
  budget: InvocationBudget,
): Promise<RequestResult> {
  const message = formatIssues(parsed.issues);
  const settled: RuleDecision = { ...NO_CALL, errorCode: "InvalidRequest", message };
  const events = parsed.entries.map((rule, index) =>
    auditEventFor(deps, delivery, parsed.meta, index, rule, settled, null, parsed.issues),
  );
  const audit = await deps.audit.emit(events, { deadline: budget.auditDeadline });
  deps.logger
    .child({ correlationId: parsed.meta.TicketId ?? delivery.deliveryId ?? delivery.fcRequestId })
    .info("request refused as invalid", { issues: parsed.issues.length, auditIds: events.map((e) => e.id) });
  return {
    results: events.map((event, index) =>
      toRuleOutcome(
        { ruleIndex: index, rule: parsed.entries[index] ?? null, policy: null, auditId: event.id },
        settled,
      ),
    ),
    issues: parsed.issues,
    auditDelivered: audit.delivered,
  };
}

function policyRefusal(policy: PolicyDecision, refusedIndex: number, ruleIndex: number): RuleDecision {
  const first = policy.violations[0];
  if (!policy.allowed && first) {
    const message = policy.violations.map((v) => `${v.guardrail}: ${v.reason}`).join("; ");
    return { ...NO_CALL, errorCode: `Policy.${first.guardrail}`, message };
  }
  return {
    ...NO_CALL,
    errorCode: "Policy.RequestRefused",
    message: `not applied: rule ${refusedIndex} of the same request was refused by a guardrail (rule ${ruleIndex} itself passed)`,
  };
}

async function callEns(
  rule: EgressRule,
  call: { credentials: Credentials; deadline: number },
  ens: EnsClient,
): Promise<RuleDecision> {
  const result = await ens.authorizeSecurityGroupEgress(rule, call);
  return {
    outcome: result.outcome,
    attempts: result.attempts,
    ensRequestIds: result.ensRequestIds,
    errorCode: result.error?.code ?? null,
    message: result.error?.message ?? null,
    redeliver: result.outcome === "failed" && (result.error?.redeliver ?? false),
    failedRequestId: result.error?.requestId ?? null,
    failedHttpStatus: result.error?.httpStatus ?? null,
    mayHaveCreated: result.mayHaveCreated ?? false,
  };
}

function auditEventFor(
  deps: Pick<AuthorizeDeps, "clock" | "auditSource">,
  delivery: Delivery,
  meta: Partial<RequestMeta>,
  ruleIndex: number,
  rule: EgressRule | null,
  settled: RuleDecision,
  policy: PolicyDecision | null,
  issues: ValidationIssue[],
): AuditEvent {
  const data: AuditData = {
    outcome: settled.outcome,
    rule,
    errorCode: settled.errorCode,
    errorMessage: settled.message,
    attempts: settled.attempts,
    ensRequestIds: settled.ensRequestIds,
    ticketId: meta.TicketId ?? null,
    ...requestContext(delivery, meta),
    ruleIndex,
    policy,
    issues,
    mayHaveCreated: settled.mayHaveCreated,
  };
  return buildAuditEvent({ source: deps.auditSource, time: new Date(deps.clock.now()), delivery, data });
}
