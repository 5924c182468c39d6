/**
 * The audit event (docs/interfaces.md): a CloudEvents 1.0 structured-mode record of one decision about one
 * rule in one delivery. Pure: the id is derived from the delivery and the rule, never random, so a
 * redelivered request produces the same id and consumers can deduplicate on it.
 */
import type { AuditData, AuditEvent, Delivery } from "./audit-types.ts";
import { sha256Hex } from "./sha256.ts";
import { copyRule, EGRESS_RULE_FIELDS, type EgressRule, type Outcome, type RequestMeta } from "./types.ts";

/** Version of the audit event schema (`events/audit/v1.json`); minor versions only add optional fields. */
export const AUDIT_SCHEMA_VERSION = "1.1.0";

/**
 * The CloudEvents `dataschema` of every audit event, equal to the `$id` of `events/audit/v1.json`. A URN, because
 * CloudEvents wants an absolute URI and the repository's public address is not part of the contract.
 */
export const AUDIT_DATASCHEMA = "urn:ens-egress:events:audit:v1";

/** CloudEvents `type` prefix; the outcome follows it. */
export const AUDIT_TYPE_PREFIX = "ens.egress_rule.";

/** What the caller decides for one rule; delivery fields (trigger, origin, ids) come from the `Delivery`. */
export type AuditDecision = Omit<
  AuditData,
  "trigger" | "origin" | "deliveryId" | "fcRequestId" | "mayHaveCreated"
> & { mayHaveCreated?: boolean | undefined };

/** Input of `deriveAuditEventId`. */
export interface AuditIdInput {
  /** Webhook delivery id or queue message id; null for ad hoc calls, which then key on the FC request id. */
  deliveryId: string | null;
  fcRequestId: string;
  /**
   * SHA-256 of the raw body when `deliveryId` is an `Idempotency-Key` the sender chose. A sender may reuse its key
   * for another body, which is another request: the digest keeps the two apart. Absent for webhook and queue ids,
   * which name one delivery of one body, so their ids are those of schema 1.0.0.
   */
  bodySha256?: string | undefined;
  /** Entry point (`http:/webhooks/jira`, `queue:mns` ...): two channels may use the same id space. */
  trigger: string;
  ruleIndex: number;
  rule: EgressRule | null;
  /** Only its class counts: `created` and `already_exists` are one class ("the rule is in place"). */
  outcome: Outcome;
}

/**
 * The part of the outcome that goes into the id. A redelivery after a lost audit write finds the rule in place and
 * answers `already_exists` where the first run said `created`: one decision, one id. A `failed` run followed by a
 * `created` one are two decisions and must not share an id, or a consumer deduplicating on it would drop the
 * record that the rule was opened.
 */
function outcomeClass(outcome: Outcome): string {
  return outcome === "already_exists" ? "created" : outcome;
}

// Bumped only if the canonical form changes, which would change every id: a breaking change for deduplication.
const ID_NAMESPACE = "ens-egress/audit-id/v1";

/** The seven ENS parameters in a fixed order, so key order in the caller's object cannot change the id. */
function ruleTuple(rule: EgressRule): Array<string | number> {
  return EGRESS_RULE_FIELDS.map((field) => rule[field]);
}

/**
 * Derives the audit event id: SHA-256 of a canonical JSON array (namespace, trigger, which id keys the delivery,
 * that id, the body digest for an Idempotency-Key, rule index, rule, outcome class), shaped as an RFC 9562
 * version 8 UUID. The same delivery of the same rule with the same decision always gets the same id; two rules of
 * one request get different ids even when identical, because each is a decision of its own (the second may well
 * be `already_exists`).
 * @example deriveAuditEventId({ deliveryId: "msg_1", fcRequestId: "r-1", trigger: "queue:mns", ruleIndex: 0, rule, outcome: "created" })
 */
export function deriveAuditEventId(input: AuditIdInput): string {
  // JSON arrays of strings and numbers are unambiguous: no separator inside a value can forge another tuple.
  const rule = input.rule === null ? null : ruleTuple(input.rule);
  const outcome = outcomeClass(input.outcome);
  const { deliveryId, bodySha256 } = input;
  // A keyed delivery has its own tag and one more member, so it can never collide with the other two forms.
  const canonical = JSON.stringify(
    deliveryId !== null && bodySha256 !== undefined
      ? [
          ID_NAMESPACE,
          input.trigger,
          "idempotency-key",
          deliveryId,
          bodySha256,
          input.ruleIndex,
          rule,
          outcome,
        ]
      : [
          ID_NAMESPACE,
          input.trigger,
          deliveryId === null ? "fc-request" : "delivery",
          deliveryId ?? input.fcRequestId,
          input.ruleIndex,
          rule,
          outcome,
        ],
  );
  const hex = sha256Hex(canonical);
  // The first 16 bytes, with version 8 (custom, RFC 9562 §5.8) in the high nibble of byte 6 and variant 10xx in
  // the top bits of byte 8: hex digit 12 becomes "8", hex digit 16 keeps its low two bits under 0b10.
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Input of `buildAuditEvent`. */
export interface AuditEventInput {
  /** CloudEvents `source`, e.g. `acs:fc:<region>:<account>:services/<service>/functions/<function>`. */
  source: string;
  /** When the decision was made. */
  time: Date;
  delivery: Delivery;
  /** The decision; delivery fields, if present, are ignored in favour of `delivery`. */
  data: AuditDecision | AuditData;
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === null || value === undefined || value === "" ? null : value;
}

/**
 * Builds the audit event of one rule: `type` from the outcome, `subject` from the SecurityGroupId when the rule is
 * known, `correlationid` = ticket id, else delivery id, else FC request id. `data` is rebuilt field by field, so an
 * extra property on the caller's objects never leaks into the record.
 */
export function buildAuditEvent(input: AuditEventInput): AuditEvent {
  const { delivery, data } = input;
  const rule = data.rule === null ? null : copyRule(data.rule);
  const id = deriveAuditEventId({
    deliveryId: delivery.deliveryId,
    fcRequestId: delivery.fcRequestId,
    bodySha256: delivery.bodySha256,
    trigger: delivery.trigger,
    ruleIndex: data.ruleIndex,
    rule,
    outcome: data.outcome,
  });
  const auditData: AuditData = {
    outcome: data.outcome,
    rule,
    errorCode: data.errorCode,
    errorMessage: data.errorMessage,
    attempts: data.attempts,
    ensRequestIds: [...data.ensRequestIds],
    ticketId: data.ticketId,
    requestedBy: data.requestedBy,
    reason: data.reason,
    dryRun: data.dryRun,
    trigger: delivery.trigger,
    origin: delivery.origin,
    deliveryId: delivery.deliveryId,
    fcRequestId: delivery.fcRequestId,
    ruleIndex: data.ruleIndex,
    policy:
      data.policy === null
        ? null
        : {
            mode: data.policy.mode,
            allowed: data.policy.allowed,
            violations: data.policy.violations.map((v) => ({ guardrail: v.guardrail, reason: v.reason })),
          },
    issues: data.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    mayHaveCreated: data.mayHaveCreated === true,
  };
  const type = `ens.egress_rule.${data.outcome}` as const;
  const time = input.time.toISOString();
  const correlationid = nonEmpty(data.ticketId) ?? nonEmpty(delivery.deliveryId) ?? delivery.fcRequestId;
  // CloudEvents attribute order, `subject` beside the other context attributes, so every line reads the same way.
  return {
    specversion: "1.0",
    id,
    source: input.source,
    type,
    ...(rule === null ? {} : { subject: rule.SecurityGroupId }),
    time,
    datacontenttype: "application/json",
    dataschema: AUDIT_DATASCHEMA,
    correlationid,
    fcrequestid: delivery.fcRequestId,
    data: auditData,
  };
}

/** Who asked and through which delivery, as every event of a delivery records it. */
export function requestContext(delivery: Delivery, meta: Partial<RequestMeta>) {
  return {
    requestedBy: meta.RequestedBy ?? null,
    reason: meta.Reason ?? null,
    dryRun: meta.DryRun ?? false,
    trigger: delivery.trigger,
    origin: delivery.origin,
    deliveryId: delivery.deliveryId,
    fcRequestId: delivery.fcRequestId,
  };
}
