/**
 * Shared inputs for the ticket tests: settled rules of each kind, a Jira delivery, and a summary event built by the
 * real builder.
 */
import {
  buildSettledEvent,
  type RequestSettledEvent,
  type SettledRuleInput,
  type TicketRef,
} from "#shared/domain/request-summary.ts";
import type { EgressRule, RequestMeta } from "#shared/domain/types.ts";
import type { Delivery } from "#shared/ports.ts";

/** A normalised rule. */
export const RULE: EgressRule = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.20.0.0/16",
  Policy: "accept",
  Priority: 1,
  SourcePortRange: "1/65535",
};

/** A Jira webhook delivery. */
export const JIRA_DELIVERY: Delivery = {
  trigger: "http:/webhooks/jira",
  origin: "webhook",
  deliveryId: "b7a4c8a2-5f0e-4e7a-9a4f-3c2d1e0f9a8b",
  fcRequestId: "1-6650c0de-2f1a3b4c5d6e7f8091a2b3c4",
};

/** Audit ids as the use case makes them (version 8 UUIDs). */
export const AUDIT_IDS = [
  "0b3f1a2c-4d5e-8f60-8a1b-2c3d4e5f6a70",
  "1c4f2b3d-5e6f-8071-9b2c-3d4e5f6a7b81",
  "2d5a3c4e-6f70-8182-ac3d-4e5f6a7b8c92",
];

/** One rule created by ENS. */
export const CREATED: SettledRuleInput = {
  ruleIndex: 0,
  outcome: "created",
  auditId: AUDIT_IDS[0]!,
  rule: RULE,
  ensRequestId: "8B1A2C3D-0000-4000-8000-000000000001",
  errorCode: null,
  message: null,
  policy: { mode: "enforce", allowed: true, violations: [] },
  redeliver: false,
};

/** One rule refused by a guardrail. */
export const REFUSED: SettledRuleInput = {
  ruleIndex: 1,
  outcome: "rejected",
  auditId: AUDIT_IDS[1]!,
  rule: { ...RULE, IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "0.0.0.0/0", SourcePortRange: "-1/-1" },
  ensRequestId: null,
  errorCode: "Policy.WorldOpenEgress",
  message: "WorldOpenEgress: DestCidrIp 0.0.0.0/0 is the whole internet",
  policy: {
    mode: "enforce",
    allowed: false,
    violations: [{ guardrail: "WorldOpenEgress", reason: "DestCidrIp 0.0.0.0/0 is the whole internet" }],
  },
  redeliver: false,
};

/** One rule that failed for good. */
export const FAILED: SettledRuleInput = {
  ruleIndex: 2,
  outcome: "failed",
  auditId: AUDIT_IDS[2]!,
  rule: { ...RULE, SecurityGroupId: "sg-gone0001" },
  ensRequestId: null,
  errorCode: "InvalidSecurityGroupId.NotFound",
  message: "The specified security group does not exist.",
  policy: { mode: "enforce", allowed: true, violations: [] },
  redeliver: false,
};

/** The request metadata of the Jira delivery. */
export const META: Partial<RequestMeta> = {
  TicketId: "NET-42",
  RequestedBy: "alice@example.com",
  Reason: "payments API egress",
  DryRun: false,
};

/** The Jira ticket of `META`. */
export const JIRA_TICKET: TicketRef = { system: "jira", key: "NET-42" };

/** A summary built by the real builder; `rules` and `meta` replace the defaults. */
export function settledEvent(
  rules: readonly SettledRuleInput[] = [CREATED],
  meta: Partial<RequestMeta> = META,
  ticket: TicketRef = JIRA_TICKET,
  delivery: Delivery = JIRA_DELIVERY,
): RequestSettledEvent {
  return buildSettledEvent({
    source: "acs:fc:cn-hangzhou:1234567890123456:functions/ens-egress-http-intake",
    time: new Date("2025-03-01T10:00:00.000Z"),
    delivery,
    ticket,
    meta,
    rules,
  });
}
