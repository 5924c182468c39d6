/**
 * The request summary (docs/tickets.md): one `ens.egress_request.settled` CloudEvent per delivery that names a
 * ticket, emitted once every rule of the delivery is decided. The ticket notifier turns it into one comment on that
 * ticket. Pure: the id is derived from the delivery alone, never from time or outcomes, so a redelivery that settles
 * again carries the same id and the notifier writes no second comment.
 */
import { requestContext } from "./audit-event.ts";
import type { Delivery } from "./audit-types.ts";
import { sha256Hex } from "./sha256.ts";
import {
  copyRule,
  type EgressRule,
  type Outcome,
  type PolicyDecision,
  type RequestMeta,
  type RequestOrigin,
} from "./types.ts";

/** CloudEvents `type` of the summary. */
export const SETTLED_TYPE = "ens.egress_request.settled";

/** CloudEvents `dataschema` of the summary, the `$id` of `events/audit/request-settled-v1.json`. */
export const SETTLED_DATASCHEMA = "urn:ens-egress:events:request-settled:v1";

/** The route whose `TicketId` is a Jira issue key unless the request says otherwise. */
export const JIRA_ROUTE_TRIGGER = "http:/webhooks/jira";

/** A Jira issue key: project key (a letter, then letters, digits or `_`), a dash, the issue number. */
export const JIRA_ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}$/;

/** The ticket a delivery reports to, as the notifier addresses it. */
export type TicketRef =
  | { system: "jira"; key: string }
  | { system: "servicenow"; table: string; sysId: string; number: string | null };

/** What the summary needs of one settled rule (the use case's rule result has these fields). */
export interface SettledRuleInput {
  ruleIndex: number;
  outcome: Outcome;
  auditId: string;
  rule: EgressRule | null;
  ensRequestId: string | null;
  errorCode: string | null;
  message: string | null;
  policy: PolicyDecision | null;
  /** True when a later delivery may succeed: the delivery is not settled and will come again. */
  redeliver: boolean;
}

/** One rule as the summary reports it. */
export interface SettledRule {
  ruleIndex: number;
  outcome: Outcome;
  errorCode: string | null;
  auditId: string;
  ensRequestId: string | null;
  /** The normalised rule, or null when the request could not be read. */
  rule: EgressRule | null;
  /** The guardrail that refused the rule (the first one), else null. */
  guardrail: string | null;
  /** What happened and why, on one line. */
  summary: string;
}

/** The whole delivery at a glance: what the notifier transitions on. */
export type SettledResult = "applied" | "dry_run" | "refused" | "failed";

/** The `data` of the summary event. */
export interface RequestSettledData {
  ticket: TicketRef;
  result: SettledResult;
  trigger: string;
  origin: RequestOrigin;
  deliveryId: string | null;
  fcRequestId: string;
  requestedBy: string | null;
  reason: string | null;
  dryRun: boolean;
  rules: SettledRule[];
}

/** The summary as a CloudEvents 1.0 structured-mode event. */
export interface RequestSettledEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: typeof SETTLED_TYPE;
  time: string;
  /** The ticket: the Jira key, or `<table>/<sys_id>` for ServiceNow. */
  subject: string;
  datacontenttype: "application/json";
  dataschema: typeof SETTLED_DATASCHEMA;
  correlationid: string;
  fcrequestid: string;
  data: RequestSettledData;
}

/**
 * The ticket a delivery names, or null. ServiceNow: `ServiceNowTable` and `ServiceNowSysId` (validation accepts them
 * only together). Jira: `TicketId` when it is an issue key and either `TicketSystem` is `jira` or the request came
 * through the Jira route without a `TicketSystem`. Anything else names no ticket the notifier could address.
 */
export function ticketOf(trigger: string, meta: Partial<RequestMeta>): TicketRef | null {
  const system = meta.TicketSystem;
  if (system !== "jira" && meta.ServiceNowTable && meta.ServiceNowSysId) {
    return {
      system: "servicenow",
      table: meta.ServiceNowTable,
      sysId: meta.ServiceNowSysId,
      number: meta.TicketId ?? null,
    };
  }
  const jira = system === "jira" || (system === undefined && trigger === JIRA_ROUTE_TRIGGER);
  const key = meta.TicketId ?? null;
  return jira && key !== null && JIRA_ISSUE_KEY.test(key) ? { system: "jira", key } : null;
}

/** True when every rule is decided for good: no transient failure left and every audit event delivered. */
export function isSettled(results: readonly SettledRuleInput[], auditDelivered: boolean): boolean {
  return auditDelivered && results.length > 0 && !results.some((r) => r.outcome === "failed" && r.redeliver);
}

// Bumped only if the canonical form changes: every summary id would change, and a redelivery would comment twice.
const ID_NAMESPACE = "ens-egress/settled-id/v1";

/** An RFC 9562 version 8 UUID from 32 or more hex digits (the same shaping as the audit ids). */
export function uuidV8(hex: string): string {
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The summary id: SHA-256 of `[namespace, trigger, how the delivery is keyed, its id (, body digest)]`. It depends on
 * the delivery only, so every settlement of one delivery shares it, whatever the outcomes were; an ad hoc request
 * without a delivery id keys on its FC request id, as its audit events do.
 * @example deriveSettledId({ trigger: "queue:mns", origin: "queue", deliveryId: "msg-1", fcRequestId: "r-1" })
 */
export function deriveSettledId(delivery: Delivery): string {
  const { deliveryId, bodySha256 } = delivery;
  const canonical = JSON.stringify(
    deliveryId !== null && bodySha256 !== undefined
      ? [ID_NAMESPACE, delivery.trigger, "idempotency-key", deliveryId, bodySha256]
      : [
          ID_NAMESPACE,
          delivery.trigger,
          deliveryId === null ? "fc-request" : "delivery",
          deliveryId ?? delivery.fcRequestId,
        ],
  );
  return uuidV8(sha256Hex(canonical));
}

/** The longest one-line summary of a rule; longer text is cut with an ellipsis. */
export const MAX_SUMMARY_CHARS = 300;

/**
 * Control characters (Unicode Cc: C0, DEL and C1), line and paragraph separators: none may survive into a one-line
 * text. Written as ranges rather than `\p{Cc}`, which builds Unicode tables at load, on every cold start.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const LINE_BREAKING = /[\x00-\x1f\x7f-\x9f\u2028\u2029]+/g;

/** Text on one line: control characters and line breaks become spaces, runs of spaces one, cut to `max`. */
export function oneLine(text: string, max = MAX_SUMMARY_CHARS): string {
  const flat = text.replace(LINE_BREAKING, " ").replace(/ {2,}/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

function summarize(rule: SettledRuleInput, guardrail: string | null): string {
  const detail = rule.message === null ? "" : `: ${rule.message}`;
  switch (rule.outcome) {
    case "created":
      return "created in the security group";
    case "already_exists":
      return "already in the security group; nothing changed";
    case "dry_run":
      return "dry run: passed validation and the guardrails; nothing was sent to ENS";
    case "rejected":
      if (guardrail !== null) {
        const own = rule.policy?.violations.find((v) => v.guardrail === guardrail)?.reason;
        return oneLine(`refused by the ${guardrail} guardrail: ${own ?? rule.message ?? "no reason given"}`);
      }
      return oneLine(`refused (${rule.errorCode ?? "rejected"})${detail}`);
    case "failed":
      return oneLine(`failed (${rule.errorCode ?? "unknown error"})${detail}`);
  }
}

function copyTicket(ticket: TicketRef): TicketRef {
  return ticket.system === "jira"
    ? { system: "jira", key: ticket.key }
    : { system: "servicenow", table: ticket.table, sysId: ticket.sysId, number: ticket.number };
}

function settledRule(rule: SettledRuleInput): SettledRule {
  const violation = rule.outcome === "rejected" ? rule.policy?.violations[0] : undefined;
  const guardrail = violation?.guardrail ?? null;
  return {
    ruleIndex: rule.ruleIndex,
    outcome: rule.outcome,
    errorCode: rule.errorCode,
    auditId: rule.auditId,
    ensRequestId: rule.ensRequestId,
    rule: rule.rule === null ? null : copyRule(rule.rule),
    guardrail,
    summary: summarize(rule, guardrail),
  };
}

/** Refused beats failed beats applied: the result names the worst thing that happened to any rule. */
function resultOf(rules: readonly SettledRule[]): SettledResult {
  if (rules.some((r) => r.outcome === "rejected")) return "refused";
  if (rules.some((r) => r.outcome === "failed")) return "failed";
  return rules.every((r) => r.outcome === "dry_run") ? "dry_run" : "applied";
}

/** Input of `buildSettledEvent`. */
export interface SettledEventInput {
  source: string;
  time: Date;
  delivery: Delivery;
  ticket: TicketRef;
  meta: Partial<RequestMeta>;
  rules: readonly SettledRuleInput[];
}

/** The ticket as one string, for `subject` and log lines. */
export function ticketLabel(ticket: TicketRef): string {
  return ticket.system === "jira" ? ticket.key : `${ticket.table}/${ticket.sysId}`;
}

/**
 * Builds the summary event of a settled delivery. Every field is copied one by one, so nothing else the caller's
 * objects hold can reach the ticket.
 */
export function buildSettledEvent(input: SettledEventInput): RequestSettledEvent {
  const { delivery, meta, ticket } = input;
  const rules = input.rules.map(settledRule).sort((a, b) => a.ruleIndex - b.ruleIndex);
  return {
    specversion: "1.0",
    id: deriveSettledId(delivery),
    source: input.source,
    type: SETTLED_TYPE,
    time: input.time.toISOString(),
    subject: ticketLabel(ticket),
    datacontenttype: "application/json",
    dataschema: SETTLED_DATASCHEMA,
    correlationid: meta.TicketId ?? delivery.deliveryId ?? delivery.fcRequestId,
    fcrequestid: delivery.fcRequestId,
    data: {
      ticket: copyTicket(ticket),
      result: resultOf(rules),
      ...requestContext(delivery, meta),
      rules,
    },
  };
}
