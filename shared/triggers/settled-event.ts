/**
 * Decodes what the EventBridge rule on the audit bus pushes to the ticket notifier (docs/tickets.md): one CloudEvent,
 * or a batch of them, each an `ens.egress_request.settled` summary. Every summary is checked field by field and
 * rebuilt from the checked values, so the comment is written only from data of the documented shape; anything else
 * is refused by name and acknowledged by the caller (a malformed summary would fail the same way on every push).
 */
import { isRecord } from "../domain/records.ts";
import {
  JIRA_ISSUE_KEY,
  type RequestSettledData,
  type RequestSettledEvent,
  SETTLED_DATASCHEMA,
  SETTLED_TYPE,
  type SettledRule,
  type TicketRef,
} from "../domain/request-summary.ts";
import { SERVICENOW_SYS_ID, SERVICENOW_TABLE } from "../domain/ticket-fields.ts";
import type { EgressRule, IpProtocol, Outcome, RequestOrigin, RulePolicy } from "../domain/types.ts";
import { checkParsedJson, parseJsonBytes, parseJsonText, printable } from "./safe-json.ts";

/** One pushed event: a summary, or why it was refused (`id` when the envelope had one). */
export type DecodedSummary =
  | { ok: true; event: RequestSettledEvent }
  | { ok: false; id: string | null; message: string };

/** The most summaries one push may carry; EventBridge pushes one per invocation unless batching is configured. */
export const MAX_SUMMARIES = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const OUTCOMES: readonly Outcome[] = ["created", "already_exists", "dry_run", "rejected", "failed"];
const RESULTS: readonly RequestSettledData["result"][] = ["applied", "dry_run", "refused", "failed"];
const ORIGINS: readonly RequestOrigin[] = ["operator", "webhook", "queue"];
const PROTOCOLS: readonly IpProtocol[] = ["tcp", "udp", "icmp", "gre", "all"];
const POLICIES: readonly RulePolicy[] = ["accept", "drop"];

/** A field that did not have the documented shape; the message names it. */
class ShapeError extends Error {}

function text(record: Record<string, unknown>, key: string, max = 4096): string {
  const value = record[key];
  if (typeof value !== "string" || value === "" || value.length > max)
    throw new ShapeError(`${key}: not a string`);
  return value;
}

function nullableText(record: Record<string, unknown>, key: string, max = 4096): string | null {
  return record[key] === null ? null : text(record, key, max);
}

function oneOf<T extends string>(record: Record<string, unknown>, key: string, values: readonly T[]): T {
  const value = record[key];
  if (!values.includes(value as T)) throw new ShapeError(`${key}: not one of ${values.join(", ")}`);
  return value as T;
}

function object(value: unknown, key: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ShapeError(`${key}: not an object`);
  return value;
}

function matching(record: Record<string, unknown>, key: string, pattern: RegExp): string {
  const value = text(record, key, 300);
  if (!pattern.test(value)) throw new ShapeError(`${key}: not of the documented form`);
  return value;
}

function ticketOf(value: unknown): TicketRef {
  const ticket = object(value, "data.ticket");
  if (ticket.system === "jira") return { system: "jira", key: matching(ticket, "key", JIRA_ISSUE_KEY) };
  if (ticket.system === "servicenow") {
    return {
      system: "servicenow",
      table: matching(ticket, "table", SERVICENOW_TABLE),
      sysId: matching(ticket, "sysId", SERVICENOW_SYS_ID),
      number: nullableText(ticket, "number", 128),
    };
  }
  throw new ShapeError("data.ticket.system: not jira or servicenow");
}

function ruleOf(value: unknown): EgressRule | null {
  if (value === null) return null;
  const rule = object(value, "rule");
  const priority = rule.Priority;
  if (typeof priority !== "number" || !Number.isInteger(priority))
    throw new ShapeError("rule.Priority: not a whole number");
  return {
    SecurityGroupId: text(rule, "SecurityGroupId", 128),
    IpProtocol: oneOf(rule, "IpProtocol", PROTOCOLS),
    PortRange: text(rule, "PortRange", 16),
    DestCidrIp: text(rule, "DestCidrIp", 32),
    Policy: oneOf(rule, "Policy", POLICIES),
    Priority: priority,
    SourcePortRange: text(rule, "SourcePortRange", 16),
  };
}

function settledRuleOf(value: unknown, index: number): SettledRule {
  const rule = object(value, `data.rules[${index}]`);
  const ruleIndex = rule.ruleIndex;
  if (typeof ruleIndex !== "number" || !Number.isInteger(ruleIndex) || ruleIndex < 0) {
    throw new ShapeError(`data.rules[${index}].ruleIndex: not a whole number`);
  }
  return {
    ruleIndex,
    outcome: oneOf(rule, "outcome", OUTCOMES),
    errorCode: nullableText(rule, "errorCode", 128),
    auditId: matching(rule, "auditId", UUID),
    ensRequestId: nullableText(rule, "ensRequestId", 128),
    rule: ruleOf(rule.rule),
    guardrail: nullableText(rule, "guardrail", 64),
    summary: text(rule, "summary", 1000),
  };
}

function summaryOf(envelope: Record<string, unknown>): RequestSettledEvent {
  if (envelope.type !== SETTLED_TYPE) throw new ShapeError(`type: not ${SETTLED_TYPE}`);
  const data = object(envelope.data, "data");
  const rules = data.rules;
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > 20) {
    throw new ShapeError("data.rules: not a list of 1 to 20 rules");
  }
  if (typeof data.dryRun !== "boolean") throw new ShapeError("data.dryRun: not a boolean");
  const ticket = ticketOf(data.ticket);
  return {
    specversion: "1.0",
    id: matching(envelope, "id", UUID),
    source: text(envelope, "source", 512),
    type: SETTLED_TYPE,
    time: text(envelope, "time", 64),
    subject: text(envelope, "subject", 256),
    datacontenttype: "application/json",
    dataschema: SETTLED_DATASCHEMA,
    correlationid: text(envelope, "correlationid", 512),
    fcrequestid: text(envelope, "fcrequestid", 256),
    data: {
      ticket,
      result: oneOf(data, "result", RESULTS),
      trigger: text(data, "trigger", 128),
      origin: oneOf(data, "origin", ORIGINS),
      deliveryId: nullableText(data, "deliveryId", 512),
      fcRequestId: text(data, "fcRequestId", 256),
      requestedBy: nullableText(data, "requestedBy", 1024),
      reason: nullableText(data, "reason", 4096),
      dryRun: data.dryRun,
      rules: rules.map(settledRuleOf),
    },
  };
}

function decodeOne(value: unknown): DecodedSummary {
  const id = isRecord(value) && typeof value.id === "string" ? printable(value.id, 64) : null;
  if (!isRecord(value)) return { ok: false, id, message: "not a CloudEvent object" };
  try {
    return { ok: true, event: summaryOf(value) };
  } catch (error) {
    if (error instanceof ShapeError)
      return { ok: false, id, message: `not a request summary: ${error.message}` };
    throw error;
  }
}

/**
 * Decodes one invocation's event (a Buffer, its text or a parsed value). A JSON array is a batch; anything that is
 * not JSON is one refused entry.
 * @example decodeSettledEvents(Buffer.from(JSON.stringify(summary)))
 */
export function decodeSettledEvents(event: unknown): DecodedSummary[] {
  const parsed = Buffer.isBuffer(event)
    ? parseJsonBytes(event)
    : typeof event === "string"
      ? parseJsonText(event)
      : checkParsedJson(event);
  if (!parsed.ok) return [{ ok: false, id: null, message: `the event ${parsed.message}` }];
  const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  if (items.length > MAX_SUMMARIES) {
    return [
      { ok: false, id: null, message: `the batch holds ${items.length} events; at most ${MAX_SUMMARIES}` },
    ];
  }
  return items.map(decodeOne);
}
