/**
 * The comment a ticket receives for one settled delivery (docs/tickets.md), as a small document model: blocks of
 * literal text runs. Every run is plain data, never markup: each renderer (ADF nodes for Jira Cloud, escaped wiki
 * markup for Jira Data Center and Jira Service Management, neutralised text for ServiceNow) decides how a run is
 * written, so nothing a requester typed can become a link, a mention, a macro or HTML on the ticket.
 */
import {
  oneLine,
  type RequestSettledEvent,
  type SettledResult,
  type SettledRule,
} from "./request-summary.ts";

/** A run of literal text, optionally emphasised or shown as code (an id, a CIDR block). */
export interface Inline {
  text: string;
  mark?: "strong" | "code" | undefined;
}

/** One block of the comment. */
export type Block =
  | { kind: "heading"; inlines: Inline[] }
  | { kind: "paragraph"; inlines: Inline[] }
  | { kind: "list"; items: Inline[][] };

/** The comment: its blocks, and the summary id it carries (the marker the notifier searches for). */
export interface TicketComment {
  blocks: Block[];
  /** The summary id; it appears in the last block, so a search of the ticket's comments finds it. */
  marker: string;
}

/** Options of `buildTicketComment`. */
export interface TicketCommentOptions {
  /** Who grants guardrail exceptions, e.g. "the network security team (#netsec)". */
  exceptionContact: string;
}

const HEADINGS: Readonly<Record<SettledResult, string>> = {
  applied: "Egress rules applied",
  dry_run: "Dry run: the egress rules would be applied",
  refused: "Egress request refused",
  failed: "Egress request not fully applied",
};

/** The policy setting that decides each guardrail (docs/policy.md); an exception is a change to it. */
const GUARDRAIL_SETTINGS: Readonly<Record<string, string>> = {
  SecurityGroupNotAllowed: "allowedSecurityGroups",
  TicketRequired: "requireTicketFor",
  WorldOpenEgress: "worldOpen",
  DeniedDestination: "deniedDestinations",
  DestinationNotAllowed: "destinationAllowLists",
  BlockedPort: "blockedPorts",
  ProtocolNotAllowed: "allowedProtocols",
  PortSpanTooWide: "maxPortSpan",
  PriorityOutOfRange: "priority",
};

const text = (value: string): Inline => ({ text: value });
const code = (value: string): Inline => ({ text: oneLine(value, 200), mark: "code" });
const strong = (value: string): Inline => ({ text: value, mark: "strong" });

function describeRule(rule: SettledRule): Inline[] {
  const label = strong(`Rule ${rule.ruleIndex + 1}`);
  const r = rule.rule;
  if (r === null) return [label, text(" (could not be read): ")];
  return [
    label,
    text(": "),
    code(`${r.IpProtocol} ${r.PortRange}`),
    text(" to "),
    code(r.DestCidrIp),
    text(" in "),
    code(r.SecurityGroupId),
    text(` (${r.Policy}, priority ${r.Priority}): `),
  ];
}

function ruleItem(rule: SettledRule): Inline[] {
  const item = [...describeRule(rule), text(oneLine(rule.summary))];
  if (rule.ensRequestId !== null) item.push(text(". ENS request "), code(rule.ensRequestId));
  item.push(text(". Audit id "), code(rule.auditId), text("."));
  return item;
}

function exceptionAdvice(guardrail: string, contact: string): Inline[] {
  const setting = GUARDRAIL_SETTINGS[guardrail];
  if (setting === undefined) {
    return [text(`The ${guardrail} guardrail refused a rule that could not be read: correct the request.`)];
  }
  return [
    text(
      `To ask for an exception to the ${guardrail} guardrail, contact ${contact}: it is decided by the policy setting `,
    ),
    code(setting),
    text(". Otherwise change the rule and send the request again."),
  ];
}

function requestLine(event: RequestSettledEvent): Inline[] {
  const { data } = event;
  const count = data.rules.length === 1 ? "1 rule" : `${data.rules.length} rules`;
  const line: Inline[] = [text(`ens-egress processed this request (${count}`)];
  if (data.requestedBy !== null) line.push(text(", requested by "), code(data.requestedBy));
  line.push(text(")."));
  if (data.reason !== null) line.push(text(" Reason given: "), text(oneLine(data.reason)));
  return line;
}

/**
 * Builds the comment of a summary: a heading with the result, who asked and why, one line per rule (what was asked,
 * what happened and why, the ENS request id, the audit id), how to ask for an exception to each guardrail that
 * refused, and the summary id. Text from the request is flattened to one line and cut short; it stays literal.
 */
export function buildTicketComment(event: RequestSettledEvent, options: TicketCommentOptions): TicketComment {
  const { data } = event;
  const blocks: Block[] = [
    { kind: "heading", inlines: [text(HEADINGS[data.result])] },
    { kind: "paragraph", inlines: requestLine(event) },
    { kind: "list", items: data.rules.map(ruleItem) },
  ];
  const guardrails = [...new Set(data.rules.flatMap((r) => (r.guardrail === null ? [] : [r.guardrail])))];
  for (const guardrail of guardrails) {
    blocks.push({
      kind: "paragraph",
      inlines: exceptionAdvice(guardrail, oneLine(options.exceptionContact)),
    });
  }
  const trail: Inline[] = [text("Summary "), code(event.id)];
  if (data.deliveryId !== null) trail.push(text(" of delivery "), code(data.deliveryId));
  trail.push(text(". The audit ids lead to the full record in the audit trail."));
  blocks.push({ kind: "paragraph", inlines: trail });
  return { blocks, marker: event.id };
}
