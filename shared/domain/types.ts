/**
 * The product's core data shapes, shared by every layer. Kept free of zod so that a type import never pulls a
 * schema library into a bundle that does not need it; `rule-request.ts` proves its schema outputs these types.
 */

/** ENS `IpProtocol` values: lowercase and case-sensitive, as the API page says. */
export type IpProtocol = "tcp" | "udp" | "icmp" | "gre" | "all";

/** ENS `Policy` values. */
export type RulePolicy = "accept" | "drop";

/** One normalised outbound rule: all seven ENS parameters, defaults filled in, exactly as sent to ENS. */
export interface EgressRule {
  SecurityGroupId: string;
  IpProtocol: IpProtocol;
  PortRange: string;
  DestCidrIp: string;
  Policy: RulePolicy;
  Priority: number;
  SourcePortRange: string;
}

/** The seven ENS parameters of a rule, in the order ENS documents them: every copy, id and wire form uses it. */
export const EGRESS_RULE_FIELDS = [
  "SecurityGroupId",
  "IpProtocol",
  "PortRange",
  "DestCidrIp",
  "Policy",
  "Priority",
  "SourcePortRange",
] as const satisfies ReadonlyArray<keyof EgressRule>;

/** The seven fields of a rule and nothing else, in their documented order: an extra property never travels on. */
export function copyRule(rule: EgressRule): EgressRule {
  return Object.fromEntries(EGRESS_RULE_FIELDS.map((field) => [field, rule[field]])) as unknown as EgressRule;
}

/** Metadata that may travel beside the rule fields (docs/interfaces.md, the rule request). */
export interface RequestMeta {
  TicketId: string | null;
  RequestedBy: string | null;
  Reason: string | null;
  DryRun: boolean;
  /** The system `TicketId` belongs to, when the request says so (docs/tickets.md, which ticket a request names). */
  TicketSystem?: TicketSystem | undefined;
  /** The ServiceNow table of the record to report to, with `ServiceNowSysId` (both or neither). */
  ServiceNowTable?: string | undefined;
  /** The `sys_id` of that ServiceNow record. */
  ServiceNowSysId?: string | undefined;
}

/** Ticketing systems the notifier can report to. */
export type TicketSystem = "jira" | "servicenow";

/** A validated request: one or more normalised rules plus metadata. */
export interface RuleRequest {
  rules: EgressRule[];
  meta: RequestMeta;
}

/** One validation problem, worded for a ticket author. `path` is e.g. `PortRange` or `Rules[1].PortRange`. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/**
 * The result of parsing an untrusted value into a `RuleRequest`. On failure, `entries` holds one slot per rule
 * entry that could be located in the input (at least one): the normalised rule when that entry alone was valid,
 * otherwise null. The use case writes one `rejected` audit event per slot.
 */
export type RuleRequestParseResult =
  | { ok: true; request: RuleRequest }
  | { ok: false; issues: ValidationIssue[]; entries: Array<EgressRule | null>; meta: Partial<RequestMeta> };

/** Terminal outcome of one rule in one delivery (docs/interfaces.md, the audit event). */
export type Outcome = "created" | "already_exists" | "dry_run" | "rejected" | "failed";

/** Where a request came from; guardrails such as "ticket required" depend on it. */
export type RequestOrigin = "operator" | "webhook" | "queue";

/** One guardrail that refused (or, in audit-only mode, would have refused) a rule. */
export interface PolicyViolation {
  /** PascalCase guardrail name; the error code is `Policy.<guardrail>`. */
  guardrail: string;
  /** Why, in words a ticket author understands. */
  reason: string;
}

/** The guardrail verdict for one rule. */
export interface PolicyDecision {
  mode: "enforce" | "audit-only";
  /** True when the rule may go to ENS (always true in audit-only mode). */
  allowed: boolean;
  violations: PolicyViolation[];
}
