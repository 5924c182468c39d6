/**
 * The audit record: one decision about one rule in one delivery, as a CloudEvents 1.0 event, and the delivery it
 * belongs to. Domain types (the builder in audit-event.ts is pure); ports.ts re-exports them for the adapters.
 */
import type { EgressRule, Outcome, PolicyDecision, RequestOrigin } from "./types.ts";

/** The `data` of an audit event (docs/interfaces.md, the audit event). */
export interface AuditData {
  outcome: Outcome;
  rule: EgressRule | null;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  ensRequestIds: string[];
  ticketId: string | null;
  requestedBy: string | null;
  reason: string | null;
  dryRun: boolean;
  /** Which entry point received the request, e.g. `http:/rules`, `http:/webhooks/jira`, `queue:mns`, `invoke`. */
  trigger: string;
  origin: RequestOrigin;
  deliveryId: string | null;
  fcRequestId: string;
  /** Index of the rule in the request (0 for a single-rule request). */
  ruleIndex: number;
  /** Guardrail verdict; null when the request never reached the guardrails. */
  policy: PolicyDecision | null;
  /** The validation issues of a refused request, if any. */
  issues: Array<{ path: string; message: string }>;
  /**
   * True on `already_exists` when an attempt of this delivery whose answer was lost may have stored the rule: the
   * rule is in place, and this delivery may be the one that created it. `created` is only ever claimed on proof.
   */
  mayHaveCreated: boolean;
}

/** A CloudEvents 1.0 structured-mode audit event (docs/interfaces.md). */
export interface AuditEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: `ens.egress_rule.${Outcome}`;
  time: string;
  subject?: string;
  datacontenttype: "application/json";
  dataschema: string;
  correlationid: string;
  fcrequestid: string;
  data: AuditData;
}

/** Metadata of one delivery, filled by the trigger decoder. */
export interface Delivery {
  trigger: string;
  origin: RequestOrigin;
  /** Webhook delivery id or queue message id; null for ad hoc calls. */
  deliveryId: string | null;
  fcRequestId: string;
  /**
   * SHA-256 (hex) of the raw body, set only when `deliveryId` is an `Idempotency-Key` the sender chose: it enters
   * the audit id, so that two bodies sent under one key never share an id (docs/security.md).
   */
  bodySha256?: string | undefined;
}
