/**
 * The rule request (docs/interfaces.md): zod/mini schemas for one rule and for the whole request, and
 * `parseRuleRequest`, which turns any JSON value into normalised rules or into issues worded for a ticket author.
 * `zod/mini` rather than `zod` because this module sits in every function bundle and mini tree-shakes well.
 */
import * as z from "zod/mini";
import { defaultSourcePortRange, describePortRangeProblem } from "./port-range.ts";
import { JIRA_ISSUE_KEY } from "./request-summary.ts";
import {
  describeCidrProblem,
  describeSecurityGroupIdProblem,
  describeTextProblem,
  readPriority,
  type TextFieldRule,
} from "./rule-fields.ts";
import { textClassesFor } from "./text-classes.ts";
import { describeServiceNowTableProblem, describeSysIdProblem } from "./ticket-fields.ts";
import {
  EGRESS_RULE_FIELDS,
  type EgressRule,
  type IpProtocol,
  type RequestMeta,
  type RulePolicy,
  type RuleRequest,
  type RuleRequestParseResult,
  type TicketSystem,
  type ValidationIssue,
} from "./types.ts";
import { codePointName, describeJsonType, formatPath, quoteInput } from "./validation-text.ts";

/** The most rules one request may carry; more is refused as a whole, so the caller splits the request. */
export const MAX_RULES_PER_REQUEST = 20;

/** The most issues one parse reports; the rest are summed up in a last issue so an answer stays small. */
export const MAX_ISSUES = 100;

const IP_PROTOCOLS = ["tcp", "udp", "icmp", "gre", "all"] as const satisfies readonly IpProtocol[];
const POLICIES = ["accept", "drop"] as const satisfies readonly RulePolicy[];
const RULE_FIELDS = EGRESS_RULE_FIELDS;
const META_FIELDS = [
  "TicketId",
  "RequestedBy",
  "Reason",
  "DryRun",
  "TicketSystem",
  "ServiceNowTable",
  "ServiceNowSysId",
] as const;
const TICKET_SYSTEMS = ["jira", "servicenow"] as const satisfies readonly TicketSystem[];
const TEXT_RULES = {
  TicketId: { maxLength: 128, multiline: false },
  RequestedBy: { maxLength: 256, multiline: false },
  Reason: { maxLength: 1024, multiline: true },
} as const satisfies Record<string, TextFieldRule>;

const listed = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(", ");

/** The raw issue zod hands an error function; only `input` matters here. */
type RawIssue = { readonly input?: unknown };

/** Builds a zod error function: "is required" when absent, otherwise "must be <expected>, not <type>". */
function expected(what: string, optional = false): (issue: RawIssue) => string {
  return (issue) => {
    if (issue.input === undefined) return `is required; give ${what}`;
    const hint = optional && issue.input === null ? " (leave the field out to use the default)" : "";
    return `must be ${what}, not ${describeJsonType(issue.input)}${hint}`;
  };
}

/** Builds a zod error function for a case-sensitive enum that suggests the right spelling. */
function oneOf(values: readonly string[], optional = false): (issue: RawIssue) => string {
  const typeError = expected(`one of ${listed(values)}`, optional);
  return (issue) => {
    if (typeof issue.input !== "string") return typeError(issue);
    const match = values.find((value) => value === String(issue.input).toLowerCase());
    if (match !== undefined) {
      return `${quoteInput(issue.input)} is not valid: values are case-sensitive; did you mean "${match}"?`;
    }
    return `${quoteInput(issue.input)} is not valid: use one of ${listed(values)}`;
  };
}

/** What is wrong with one string field of an object, or null; the value is the field's, as given. */
type FieldProblems = Readonly<Record<string, (value: string) => string | null>>;

/**
 * One zod check for the string fields of an object that have a rule beyond their type: each field that holds a
 * string is described by its `describe*Problem` function, and a problem becomes an issue at that field. One check
 * per object rather than a refined schema per field keeps the schema instances built at each cold start few (a
 * refined field costs a clone and a check instance). It runs even when other fields failed (`when`), so one answer
 * lists every problem; fields of the wrong type were already reported by their own schema and are skipped.
 */
function fieldProblemsCheck(problems: FieldProblems) {
  return z.superRefine(
    (object: Record<string, unknown>, ctx) => {
      for (const [field, describe] of Object.entries(problems)) {
        const value = object[field];
        if (typeof value !== "string") continue;
        const problem = describe(value);
        if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: value, path: [field] });
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );
}

const PORT_RANGE_WHAT = 'a port range such as "22/22" (or "-1/-1" for icmp, gre and all)';

const WHOLE_INTERNET_HINT = 'write "0.0.0.0/0" if the whole internet is meant (the guardrails then judge it)';

/**
 * The two addresses nobody can mean as one destination, in both spellings a valid block can take: the unspecified
 * address, which ENS may read as "any", and the limited broadcast address.
 */
const UNMEANT_DESTINATIONS: ReadonlyMap<string, string> = new Map([
  ["0.0.0.0", "the unspecified address"],
  ["0.0.0.0/32", "the unspecified address"],
  ["255.255.255.255", "the broadcast address"],
  ["255.255.255.255/32", "the broadcast address"],
]);

/** `describeCidrProblem`, then the destinations that are valid blocks but cannot be meant. */
function describeDestinationProblem(text: string): string | null {
  const problem = describeCidrProblem(text);
  if (problem !== null) return problem;
  const what = UNMEANT_DESTINATIONS.get(text);
  return what === undefined
    ? null
    : `${quoteInput(text)} is ${what}, not a destination; ${WHOLE_INTERNET_HINT}`;
}

// One transform rather than a pipe of a union of two types: four schema instances fewer to build at each cold start.
const PrioritySchema = z.transform((value: unknown, ctx) => {
  // What z.union([z.number(), z.string()]) accepts: a finite number or a string.
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) {
    const read = readPriority(value);
    if (read.ok) return read.value;
    ctx.issues.push({ code: "custom", message: read.problem, input: value });
    return z.NEVER;
  }
  const message = expected("a whole number from 1 to 100", true)({ input: value });
  ctx.issues.push({ code: "custom", message, input: value });
  return z.NEVER;
});

// SecurityGroupId and DestCidrIp are described by `ruleFieldsCheck`, the port ranges (against IpProtocol) by
// `portRangesCheck`; here only their types.
const RULE_SHAPE = {
  SecurityGroupId: z.string({ error: expected('a security group id such as "sg-bp67acfmxazb4p"') }),
  IpProtocol: z.enum(IP_PROTOCOLS, { error: oneOf(IP_PROTOCOLS) }),
  PortRange: z.string({ error: expected(PORT_RANGE_WHAT) }),
  DestCidrIp: z.string({ error: expected('an IPv4 address or CIDR block such as "10.0.0.0/8"') }),
  Policy: z.optional(z.enum(POLICIES, { error: oneOf(POLICIES, true) })),
  Priority: z.optional(PrioritySchema),
  SourcePortRange: z.optional(z.string({ error: expected(PORT_RANGE_WHAT, true) })),
};

const ruleFieldsCheck = fieldProblemsCheck({
  SecurityGroupId: describeSecurityGroupIdProblem,
  DestCidrIp: describeDestinationProblem,
});

/**
 * Checks both port ranges against the protocol. It runs even when other fields failed (`when`), so one answer
 * lists every problem of a rule; it therefore reads the half-parsed object defensively.
 */
const portRangesCheck = z.superRefine(
  (rule: Record<string, unknown>, ctx) => {
    const protocol = IP_PROTOCOLS.find((value) => value === rule.IpProtocol) ?? null;
    for (const field of ["PortRange", "SourcePortRange"] as const) {
      const text = rule[field];
      if (typeof text !== "string") continue;
      const problem = describePortRangeProblem(text, protocol);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: text, path: [field] });
    }
  },
  { when: (payload) => typeof payload.value === "object" && payload.value !== null },
);

/**
 * Describes a metadata text as it will be kept: trimmed (`toMeta` trims it), within its length and character rules,
 * then by the field's own rule.
 */
function textProblem(rule: TextFieldRule, own: (value: string) => string | null = () => null) {
  return (value: string): string | null => {
    const trimmed = value.trim();
    return describeTextProblem(trimmed, rule) ?? own(trimmed);
  };
}

/**
 * A ticket id is what `requireTicketFor` trusts and what an auditor looks up, so it must be visible: no invisible
 * or blank character anywhere, and at least one letter or digit.
 */
function describeTicketIdProblem(text: string): string | null {
  const classes = textClassesFor(text);
  const invisible = classes.invisible.exec(text);
  if (invisible !== null) {
    return `must not contain invisible or blank characters (found ${codePointName(invisible[0])}); give the id as it reads, e.g. "NET-1234"`;
  }
  if (!classes.letterOrDigit.test(text)) return 'must contain a letter or a digit, e.g. "NET-1234"';
  return null;
}

// The text fields and the ServiceNow fields are described by `metaFieldsCheck`; here only their types.
const META_SHAPE = {
  TicketId: z.optional(z.string({ error: expected('a ticket id such as "NET-1234"', true) })),
  RequestedBy: z.optional(z.string({ error: expected("the name of the requester", true) })),
  Reason: z.optional(z.string({ error: expected("a short reason", true) })),
  DryRun: z.optional(z.boolean({ error: expected("true or false (a JSON boolean)", true) })),
  TicketSystem: z.optional(z.enum(TICKET_SYSTEMS, { error: oneOf(TICKET_SYSTEMS, true) })),
  ServiceNowTable: z.optional(
    z.string({ error: expected('a ServiceNow table name such as "change_request"', true) }),
  ),
  ServiceNowSysId: z.optional(
    z.string({ error: expected("the sys_id of the ServiceNow record (32 hex digits)", true) }),
  ),
};

/** The rule of each metadata field beyond its type, by field. */
const META_PROBLEMS = {
  TicketId: textProblem(TEXT_RULES.TicketId, describeTicketIdProblem),
  RequestedBy: textProblem(TEXT_RULES.RequestedBy),
  Reason: textProblem(TEXT_RULES.Reason),
  ServiceNowTable: describeServiceNowTableProblem,
  ServiceNowSysId: describeSysIdProblem,
} as const satisfies FieldProblems;

const metaFieldsCheck = fieldProblemsCheck(META_PROBLEMS);

/**
 * The fields that name a ticket (docs/tickets.md, which ticket a request names) must agree: a ServiceNow record is
 * named by its table and its sys_id together, and `TicketSystem` must name what the other fields describe. Runs even
 * when other fields failed, so one answer lists every problem.
 */
const ticketFieldsCheck = z.superRefine(
  (request: Record<string, unknown>, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", message, input: request[path], path: [path] });
    const hasTable = request.ServiceNowTable !== undefined;
    const hasSysId = request.ServiceNowSysId !== undefined;
    if (hasTable && !hasSysId)
      problem("ServiceNowSysId", "is required with ServiceNowTable: the two name the record");
    if (hasSysId && !hasTable)
      problem("ServiceNowTable", "is required with ServiceNowSysId: the two name the record");
    if (request.TicketSystem === "servicenow" && !hasTable && !hasSysId) {
      problem("TicketSystem", '"servicenow" needs ServiceNowTable and ServiceNowSysId to name the record');
    }
    if (request.TicketSystem === "jira") {
      if (hasTable || hasSysId)
        problem("TicketSystem", '"jira" cannot go with ServiceNowTable and ServiceNowSysId');
      if (typeof request.TicketId !== "string" || !JIRA_ISSUE_KEY.test(request.TicketId.trim())) {
        problem("TicketId", 'must be a Jira issue key such as "NET-1234" when TicketSystem is "jira"');
      }
    }
  },
  { when: (payload) => typeof payload.value === "object" && payload.value !== null },
);

const notAnObject = (what: string) => (issue: RawIssue) =>
  `must be ${what}, not ${describeJsonType(issue.input)}`;

function buildEgressRuleInputSchema() {
  return z
    .strictObject(RULE_SHAPE, { error: notAnObject("an object holding the rule fields") })
    .check(ruleFieldsCheck, portRangesCheck);
}

let egressRuleInputSchema: ReturnType<typeof buildEgressRuleInputSchema> | undefined;

/**
 * One rule's input fields, exactly as ENS spells them; unknown fields are refused. Defaults are not filled in.
 * Built on first use: a valid single-rule request, the usual cold start, never needs it.
 */
export const egressRuleInput = () => (egressRuleInputSchema ??= buildEgressRuleInputSchema());

/** A validated rule as the requester wrote it, before `normaliseRule` fills in the defaults. */
export type EgressRuleInput = z.output<ReturnType<typeof buildEgressRuleInputSchema>>;

/** The `{"Rules":[...]}` form of the request. */
function buildMultiRuleRequestSchema() {
  const rulesList = z.pipe(
    // Count first, parse second: a request with thousands of entries is refused without parsing each one.
    z
      .array(z.unknown(), {
        error: notAnObject('a list of rules, e.g. {"Rules":[{"SecurityGroupId":"sg-..."}]}'),
      })
      .check(
        z.minLength(1, { error: "must hold at least one rule" }),
        z.maxLength(MAX_RULES_PER_REQUEST, {
          error: (issue) =>
            `holds ${Array.isArray(issue.input) ? issue.input.length : "too many"} rules; at most ${MAX_RULES_PER_REQUEST} are allowed per request, so split it into several requests`,
        }),
      ),
    z.array(egressRuleInput()),
  );
  return z.strictObject({ Rules: rulesList, ...META_SHAPE }).check(metaFieldsCheck, ticketFieldsCheck);
}

let multiRuleRequestSchema: ReturnType<typeof buildMultiRuleRequestSchema> | undefined;

// Built on first use: a single-rule request, the usual cold start, never needs the list form's schemas.
const multiRuleRequest = () => (multiRuleRequestSchema ??= buildMultiRuleRequestSchema());

const SingleRuleRequestSchema = z
  .strictObject({ ...RULE_SHAPE, ...META_SHAPE })
  .check(ruleFieldsCheck, metaFieldsCheck, portRangesCheck, ticketFieldsCheck);

type SingleRuleRequest = z.output<typeof SingleRuleRequestSchema>;
type MultiRuleRequest = z.output<ReturnType<typeof buildMultiRuleRequestSchema>>;

/**
 * The whole request: one rule as a flat object or `{"Rules":[...]}`, with optional metadata; outputs a `RuleRequest`.
 * `parseRuleRequest` picks the form itself and never uses this union; marked pure, it stays out of the bundles.
 */
export const RuleRequestSchema = /* @__PURE__ */ z.pipe(
  /* @__PURE__ */ z.union([SingleRuleRequestSchema, /* @__PURE__ */ multiRuleRequest()]),
  /* @__PURE__ */ z.transform(toRuleRequest),
);

/** What a caller may send, as a type (docs/interfaces.md, the rule request). */
export type RuleRequestInput = z.input<typeof RuleRequestSchema>;

/**
 * Fills in the defaults (Policy `accept`, Priority 1, SourcePortRange `-1/-1` for icmp/gre/all and `1/65535` for
 * tcp/udp) and returns all seven fields in ENS order: exactly what is sent to ENS. Idempotent.
 */
export function normaliseRule(input: EgressRuleInput): EgressRule {
  // Field by field, never a spread: the result must hold the seven ENS parameters and nothing else.
  return {
    SecurityGroupId: input.SecurityGroupId,
    IpProtocol: input.IpProtocol,
    PortRange: input.PortRange,
    DestCidrIp: input.DestCidrIp,
    Policy: input.Policy ?? "accept",
    Priority: input.Priority ?? 1,
    SourcePortRange: input.SourcePortRange ?? defaultSourcePortRange(input.IpProtocol),
  };
}

/** A metadata text as it is kept: trimmed (its rules were checked on the trimmed text); null when absent. */
const keptText = (text: string | undefined): string | null => (text === undefined ? null : text.trim());

function toMeta(data: SingleRuleRequest | MultiRuleRequest): RequestMeta {
  return {
    TicketId: keptText(data.TicketId),
    RequestedBy: keptText(data.RequestedBy),
    Reason: keptText(data.Reason),
    DryRun: data.DryRun ?? false,
    // Present only when given, so a request that names no ticket has the metadata it always had.
    ...(data.TicketSystem === undefined ? {} : { TicketSystem: data.TicketSystem }),
    ...(data.ServiceNowTable === undefined ? {} : { ServiceNowTable: data.ServiceNowTable }),
    ...(data.ServiceNowSysId === undefined ? {} : { ServiceNowSysId: data.ServiceNowSysId }),
  };
}

function toRuleRequest(data: SingleRuleRequest | MultiRuleRequest): RuleRequest {
  const rules = "Rules" in data ? data.Rules.map(normaliseRule) : [normaliseRule(data)];
  return { rules, meta: toMeta(data) };
}

/**
 * Parses any value (normally `JSON.parse` output) into a validated, normalised rule request. Never throws. On
 * failure it lists every problem found, one slot per rule entry (the normalised rule when that entry alone is
 * valid, else null) and the metadata that could be read, so that each entry still gets its audit event.
 *
 * @example parseRuleRequest({ SecurityGroupId: "sg-demo0001", IpProtocol: "tcp", PortRange: "22/22", DestCidrIp: "10.0.0.0/8" })
 */
export function parseRuleRequest(input: unknown): RuleRequestParseResult {
  try {
    return parseObject(input);
  } catch {
    // JSON.parse output never gets here; only a hostile in-process value could (a throwing getter, a Proxy).
    return refuseRoot("The request could not be read as a JSON object");
  }
}

/** Joins issues into one line for a log entry or an error message. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => issue.message)
    .join("; ")
    .replace(/[\r\n]+/g, " ");
}

function parseObject(input: unknown): RuleRequestParseResult {
  if (!isPlainObject(input)) {
    return refuseRoot(
      `The request must be a JSON object holding the rule fields or "Rules", not ${describeJsonType(input)}`,
    );
  }
  // The presence of "Rules" picks the form, so each form reports its own precise issues (a union would not).
  const multi = Object.hasOwn(input, "Rules");
  const parsed = multi ? multiRuleRequest().safeParse(input) : SingleRuleRequestSchema.safeParse(input);
  if (parsed.success) return { ok: true, request: toRuleRequest(parsed.data) };
  return {
    ok: false,
    issues: toValidationIssues(parsed.error.issues, multi),
    entries: multi ? readEntries(input.Rules) : [readEntry(pickRuleFields(input))],
    meta: readMeta(input),
  };
}

function refuseRoot(message: string): RuleRequestParseResult {
  return { ok: false, issues: [{ path: "(root)", message }], entries: [null], meta: {} };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function pickRuleFields(input: Record<string, unknown>): Record<string, unknown> {
  // Only the constant field names are ever used as keys here, so no request key can reach a prototype.
  const picked: Record<string, unknown> = {};
  for (const field of RULE_FIELDS) if (Object.hasOwn(input, field)) picked[field] = input[field];
  return picked;
}

function readEntry(value: unknown): EgressRule | null {
  const parsed = egressRuleInput().safeParse(value);
  return parsed.success ? normaliseRule(parsed.data) : null;
}

function readEntries(rules: unknown): Array<EgressRule | null> {
  // An over-long list is refused as a whole: one slot, so a hostile request cannot fan out into audit events.
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_RULES_PER_REQUEST) return [null];
  return rules.map(readEntry);
}

/** A field that is present but not valid on its own. */
const invalid = Symbol("invalid");

function readMeta(input: Record<string, unknown>): Partial<RequestMeta> {
  const meta: Partial<RequestMeta> = {};
  const own = (field: (typeof META_FIELDS)[number]): unknown =>
    Object.hasOwn(input, field) ? input[field] : undefined;
  /** The field as it is kept when it is valid on its own (absent counts as valid), else `invalid`. */
  const read = <F extends keyof typeof META_PROBLEMS>(field: F): string | undefined | typeof invalid => {
    const parsed = META_SHAPE[field].safeParse(own(field));
    if (!parsed.success) return invalid;
    if (parsed.data === undefined) return undefined;
    if (META_PROBLEMS[field](parsed.data) !== null) return invalid;
    return Object.hasOwn(TEXT_RULES, field) ? parsed.data.trim() : parsed.data;
  };
  const ticketId = read("TicketId");
  if (ticketId !== invalid) meta.TicketId = ticketId ?? null;
  const requestedBy = read("RequestedBy");
  if (requestedBy !== invalid) meta.RequestedBy = requestedBy ?? null;
  const reason = read("Reason");
  if (reason !== invalid) meta.Reason = reason ?? null;
  const dryRun = META_SHAPE.DryRun.safeParse(own("DryRun"));
  if (dryRun.success) meta.DryRun = dryRun.data ?? false;
  // The ticket of a refused request still hears why (docs/tickets.md), when its own fields are readable.
  const system = META_SHAPE.TicketSystem.safeParse(own("TicketSystem"));
  if (system.success && system.data !== undefined) meta.TicketSystem = system.data;
  const table = read("ServiceNowTable");
  const sysId = read("ServiceNowSysId");
  if (typeof table === "string" && typeof sysId === "string") {
    meta.ServiceNowTable = table;
    meta.ServiceNowSysId = sysId;
  }
  return meta;
}

function toValidationIssues(issues: readonly z.core.$ZodIssue[], multi: boolean): ValidationIssue[] {
  const out: Array<{ issue: ValidationIssue; rank: number }> = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({
          issue: issueAt(path, describeUnknownField(issue.path, key, multi)),
          rank: rankPath(path),
        });
      }
    } else {
      out.push({ issue: issueAt(issue.path, issue.message), rank: rankPath(issue.path) });
    }
  }
  // Stable sort: per entry, fields in ENS order, then metadata, then unknown fields; top-level issues first.
  out.sort((a, b) => a.rank - b.rank);
  const ranked = out.map((entry) => entry.issue);
  if (ranked.length <= MAX_ISSUES) return ranked;
  const shown = ranked.slice(0, MAX_ISSUES - 1);
  shown.push({ path: "(root)", message: `…and ${ranked.length - shown.length} more problems not shown` });
  return shown;
}

const FIELD_ORDER: readonly string[] = [...RULE_FIELDS, ...META_FIELDS, "Rules"];

/** Orders issues the way the request reads, whatever order zod found them in. */
function rankPath(path: readonly PropertyKey[]): number {
  const inRule = path[0] === "Rules" && typeof path[1] === "number";
  const entry = inRule ? (path[1] as number) + 1 : 0;
  const field = inRule ? path[2] : path[0];
  const order = typeof field === "string" ? FIELD_ORDER.indexOf(field) : -1;
  return entry * 100 + (order === -1 ? (field === undefined ? 0 : 99) : order + 1);
}

function issueAt(path: readonly PropertyKey[], problem: string): ValidationIssue {
  const where = formatPath(path);
  return { path: where, message: `${where}: ${problem}` };
}

const simplifyName = (name: string): string => name.replace(/[\s_-]/g, "").toLowerCase();

function describeUnknownField(path: readonly PropertyKey[], key: string, multi: boolean): string {
  const inRule = path.length > 0;
  const ruleField = (RULE_FIELDS as readonly string[]).includes(key);
  const metaField = (META_FIELDS as readonly string[]).includes(key);
  if (multi && !inRule && ruleField) return 'rule fields go inside each entry of "Rules", not beside it';
  if (inRule && metaField) return 'metadata goes at the top level beside "Rules", not inside a rule';
  const allowed: readonly string[] = inRule
    ? RULE_FIELDS
    : multi
      ? ["Rules", ...META_FIELDS]
      : [...RULE_FIELDS, ...META_FIELDS, "Rules"];
  const suggestion = allowed.find((name) => simplifyName(name) === simplifyName(key));
  if (suggestion !== undefined)
    return `unknown field; did you mean "${suggestion}"? (names are case-sensitive)`;
  return `unknown field; allowed here: ${allowed.join(", ")}`;
}
