/**
 * Shared inputs for the audit tests: a valid rule, a delivery, and one decision per outcome.
 */
import type { AuditDecision } from "#shared/domain/audit-event.ts";
import type { EgressRule, Outcome } from "#shared/domain/types.ts";
import type { Delivery } from "#shared/ports.ts";

/** A normalised rule. */
export const RULE: EgressRule = {
  SecurityGroupId: "sg-5p1fg655nh68xyz",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.20.0.0/16",
  Policy: "accept",
  Priority: 1,
  SourcePortRange: "1/65535",
};

/** A webhook delivery. */
export const DELIVERY: Delivery = {
  trigger: "http:/webhooks/generic",
  origin: "webhook",
  deliveryId: "msg_2bTz6Yq1nXk9",
  fcRequestId: "1-6650c0de-2f1a3b4c5d6e7f8091a2b3c4",
};

/** A decision for each outcome, shaped as the use case fills it. */
export const DECISIONS: Record<Outcome, AuditDecision> = {
  created: {
    outcome: "created",
    rule: RULE,
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    ensRequestIds: ["8B1A2C3D-0000-4000-8000-000000000001"],
    ticketId: "SEC-1234",
    requestedBy: "alice@example.com",
    reason: "payments API egress",
    dryRun: false,
    ruleIndex: 0,
    policy: { mode: "enforce", allowed: true, violations: [] },
    issues: [],
  },
  already_exists: {
    outcome: "already_exists",
    rule: RULE,
    errorCode: null,
    errorMessage: null,
    attempts: 2,
    ensRequestIds: ["8B1A2C3D-0000-4000-8000-000000000002", "8B1A2C3D-0000-4000-8000-000000000003"],
    ticketId: "SEC-1234",
    requestedBy: "alice@example.com",
    reason: "payments API egress",
    dryRun: false,
    ruleIndex: 0,
    policy: { mode: "enforce", allowed: true, violations: [] },
    issues: [],
  },
  dry_run: {
    outcome: "dry_run",
    rule: RULE,
    errorCode: null,
    errorMessage: null,
    attempts: 0,
    ensRequestIds: [],
    ticketId: "SEC-1235",
    requestedBy: "bob@example.com",
    reason: "check before the change window",
    dryRun: true,
    ruleIndex: 0,
    policy: { mode: "enforce", allowed: true, violations: [] },
    issues: [],
  },
  rejected: {
    outcome: "rejected",
    rule: { ...RULE, DestCidrIp: "0.0.0.0/0", PortRange: "1/65535" },
    errorCode: "Policy.DenyOpenDestination",
    errorMessage: "DestCidrIp 0.0.0.0/0 opens egress to the whole internet",
    attempts: 0,
    ensRequestIds: [],
    ticketId: "SEC-1236",
    requestedBy: "carol@example.com",
    reason: null,
    dryRun: false,
    ruleIndex: 0,
    policy: {
      mode: "enforce",
      allowed: false,
      violations: [
        {
          guardrail: "DenyOpenDestination",
          reason: "DestCidrIp 0.0.0.0/0 opens egress to the whole internet",
        },
      ],
    },
    issues: [],
  },
  failed: {
    outcome: "failed",
    rule: RULE,
    errorCode: "ServiceUnavailable",
    errorMessage: "The request has failed due to a temporary failure of the server.",
    attempts: 5,
    ensRequestIds: ["8B1A2C3D-0000-4000-8000-000000000004", "8B1A2C3D-0000-4000-8000-000000000005"],
    ticketId: null,
    requestedBy: null,
    reason: null,
    dryRun: false,
    ruleIndex: 0,
    policy: { mode: "enforce", allowed: true, violations: [] },
    issues: [],
  },
};

/** The five outcomes. */
export const OUTCOMES = Object.keys(DECISIONS) as Outcome[];
