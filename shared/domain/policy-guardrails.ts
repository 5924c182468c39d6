/**
 * The guardrails: each one reads a normalised rule, its request context and the policy, and says why it refuses
 * the rule, or nothing. `evaluatePolicy` runs every guardrail, so a refusal lists all that is wrong at once.
 */
import { type CidrSet, cidrSetContains, createCidrSet, firstAddressOutside } from "./cidr-set.ts";
import { evaluateGroupState } from "./group-exposure.ts";
import { blockSize, blocksOverlap, formatBlock, formatIpv4, type Ipv4Block, parseCidr } from "./ipv4.ts";
import type { Policy } from "./policy-default.ts";
import { PolicyConfigError } from "./policy-error.ts";
import {
  formatPorts,
  type PortInterval,
  parsePortSpec,
  portSpan,
  portsOverlap,
  type RulePorts,
  rulePorts,
} from "./policy-ports.ts";
import { textClassesFor } from "./text-classes.ts";
import type { EgressRule, PolicyDecision, PolicyViolation, RequestMeta, RequestOrigin } from "./types.ts";
import { groupDigits } from "./validation-text.ts";

/**
 * Every guardrail name, in the order violations are reported; the first violation's name becomes the error
 * code, so the order runs from scope (may this group be touched at all) through exposure to shape.
 */
export const GUARDRAILS = [
  "UnreadableRule",
  "SecurityGroupNotAllowed",
  "TicketRequired",
  "WorldOpenEgress",
  "DeniedDestination",
  "DestinationNotAllowed",
  "BlockedPort",
  "ProtocolNotAllowed",
  "PortSpanTooWide",
  "PriorityOutOfRange",
] as const;

/** The name of one guardrail; the error code of its refusal is `Policy.<name>`. */
export type GuardrailName = (typeof GUARDRAILS)[number];

/** The error code recorded for a violation, e.g. `Policy.WorldOpenEgress`. */
export function policyErrorCode(violation: Pick<PolicyViolation, "guardrail">): string {
  return `Policy.${violation.guardrail}`;
}

/** The request context a guardrail may look at besides the rule. */
export interface PolicyContext {
  meta: RequestMeta;
  origin: RequestOrigin;
}

/**
 * Runs every guardrail on one normalised rule. In `enforce` mode the rule is allowed only when nothing refuses
 * it; in `audit-only` mode it is always allowed and the violations record what enforce mode would have refused.
 * @example evaluatePolicy(rule, { meta, origin: "webhook" }, policy, "enforce").violations[0]?.guardrail
 */
export function evaluatePolicy(
  rule: EgressRule,
  context: PolicyContext,
  policy: Policy,
  mode: "enforce" | "audit-only",
  existing?: readonly EgressRule[],
): PolicyDecision {
  const facts = readRule(rule, context, compile(policy));
  const violations: PolicyViolation[] = [];
  for (const guardrail of GUARDRAIL_CHECKS) {
    // A drop rule can only take egress away, so what it opens is moot; who asked and which group it touches are not.
    if (facts.narrowsOnly && !guardrail.checksDropRules) continue;
    const reason = guardrail.check(facts);
    if (reason !== null) violations.push({ guardrail: guardrail.name, reason });
  }
  const readable = facts.destination !== null && facts.ports.kind !== "invalid";
  if (existing !== undefined && readable && !facts.narrowsOnly) {
    const alreadyRefused = new Set(violations.map((violation) => violation.guardrail));
    violations.push(...evaluateGroupState(rule, existing, policy, alreadyRefused));
    // The first violation names the error code, so keep the guardrails' order whatever judged them.
    violations.sort(
      (a, b) =>
        GUARDRAILS.indexOf(a.guardrail as GuardrailName) - GUARDRAILS.indexOf(b.guardrail as GuardrailName),
    );
  }
  return { mode, allowed: mode === "audit-only" || violations.length === 0, violations };
}

/** A policy with its CIDRs and ports parsed once, so guardrails only compare numbers. */
interface CompiledPolicy {
  policy: Policy;
  blocked: Array<{ ports: PortInterval; protocols: ReadonlyArray<"tcp" | "udp">; label: string }>;
  denied: Array<{ block: Ipv4Block; policy: Policy["deniedDestinations"][number]; label: string }>;
  allowLists: Array<{ pattern: string; set: CidrSet; cidrs: readonly string[] }>;
  ticketPattern: RegExp | null;
}

/** Everything the guardrails read about one rule. */
interface RuleFacts {
  rule: EgressRule;
  context: PolicyContext;
  compiled: CompiledPolicy;
  destination: Ipv4Block | null;
  ports: RulePorts;
  narrowsOnly: boolean;
}

function readRule(rule: EgressRule, context: PolicyContext, compiled: CompiledPolicy): RuleFacts {
  const parsed = parseCidr(rule.DestCidrIp);
  return {
    rule,
    context,
    compiled,
    destination: parsed.ok ? parsed.block : null,
    ports: rulePorts(rule),
    // Anything but an explicit drop is treated as accept, so an odd value fails closed.
    narrowsOnly: rule.Policy === "drop" && compiled.policy.dropRulesAlwaysPass,
  };
}

interface GuardrailCheck {
  name: GuardrailName;
  /** True for guardrails that still apply to a drop rule when `dropRulesAlwaysPass` is on. */
  checksDropRules: boolean;
  check: (facts: RuleFacts) => string | null;
}

const GUARDRAIL_CHECKS: readonly GuardrailCheck[] = [
  { name: "UnreadableRule", checksDropRules: true, check: checkReadable },
  { name: "SecurityGroupNotAllowed", checksDropRules: true, check: checkSecurityGroup },
  { name: "TicketRequired", checksDropRules: true, check: checkTicket },
  { name: "WorldOpenEgress", checksDropRules: false, check: checkWorldOpen },
  { name: "DeniedDestination", checksDropRules: false, check: checkDeniedDestinations },
  { name: "DestinationNotAllowed", checksDropRules: false, check: checkAllowLists },
  { name: "BlockedPort", checksDropRules: false, check: checkBlockedPorts },
  { name: "ProtocolNotAllowed", checksDropRules: false, check: checkProtocol },
  { name: "PortSpanTooWide", checksDropRules: false, check: checkPortSpan },
  { name: "PriorityOutOfRange", checksDropRules: false, check: checkPriority },
];

/** Fails closed: a rule the guardrails cannot read is refused rather than waved through. */
function checkReadable({ rule, destination, ports }: RuleFacts): string | null {
  const problems: string[] = [];
  if (destination === null)
    problems.push(`DestCidrIp ${JSON.stringify(rule.DestCidrIp)} is not an IPv4 block`);
  if (ports.kind === "invalid") {
    problems.push(
      `PortRange ${JSON.stringify(rule.PortRange)} is not a port range for IpProtocol "${rule.IpProtocol}"`,
    );
  }
  return problems.length === 0 ? null : `the guardrails cannot read the rule: ${problems.join("; ")}`;
}

function checkSecurityGroup({ rule, compiled }: RuleFacts): string | null {
  const patterns = compiled.policy.allowedSecurityGroups;
  if (patterns.some((pattern) => matchesGroup(pattern, rule.SecurityGroupId))) return null;
  return `SecurityGroupId ${JSON.stringify(rule.SecurityGroupId)} matches none of allowedSecurityGroups ${quoteList(patterns)}`;
}

function checkTicket({ context, compiled }: RuleFacts): string | null {
  const required = compiled.policy.requireTicketFor;
  if (!required.includes(context.origin)) return null;
  const ticket = context.meta.TicketId ?? "";
  // The rule schema already refuses a ticket without a letter or digit; this keeps the guardrail safe on its own.
  // Hangul fillers are letters to Unicode but print as nothing.
  if (!textClassesFor(ticket).letterOrDigit.test(ticket.replace(/[\u115f\u1160\u3164\uffa0]/gu, ""))) {
    return `a request from origin "${context.origin}" must carry a TicketId (requireTicketFor ${quoteList(required)})`;
  }
  if (compiled.ticketPattern !== null && !compiled.ticketPattern.test(ticket)) {
    return `TicketId ${JSON.stringify(ticket)} does not look like a ticket of this organisation: it must match ticketPattern ${JSON.stringify(compiled.policy.ticketPattern)} (requireTicketFor ${quoteList(required)})`;
  }
  return null;
}

function checkWorldOpen({ rule, destination, ports, compiled }: RuleFacts): string | null {
  const world = compiled.policy.worldOpen;
  if (destination === null || destination.prefix >= world.widerThanPrefix) return null;
  const problems: string[] = [];
  if (rule.IpProtocol === "all") {
    problems.push('IpProtocol "all" opens every port of every protocol to it');
  } else if (!(world.allowedProtocols as readonly string[]).includes(rule.IpProtocol)) {
    problems.push(
      `IpProtocol "${rule.IpProtocol}" may not be opened to it (worldOpen.allowedProtocols ${quoteList(world.allowedProtocols)})`,
    );
  }
  if (rule.IpProtocol !== "all" && ports.kind === "ports" && portSpan(ports.ports) > world.maxPortSpan) {
    problems.push(
      `PortRange ${rule.PortRange} opens ${portSpan(ports.ports)} ports to it; worldOpen.maxPortSpan allows at most ${world.maxPortSpan}`,
    );
  }
  if (problems.length === 0) return null;
  const what =
    destination.prefix === 0
      ? `DestCidrIp ${rule.DestCidrIp} is the whole internet`
      : `DestCidrIp ${rule.DestCidrIp} spans ${groupDigits(blockSize(destination))} addresses, wider than ` +
        `/${world.widerThanPrefix} (worldOpen.widerThanPrefix), so it counts as the internet`;
  return `${what}: ${problems.join("; ")}`;
}

/** Overlap, not containment: any address in common is refused, so `0.0.0.0/0` hits every deny entry. */
function checkDeniedDestinations({ rule, destination, compiled }: RuleFacts): string | null {
  if (destination === null) return null;
  const hits = compiled.denied.filter(
    (entry) =>
      appliesToProtocol(entry.policy.protocols, rule.IpProtocol) && blocksOverlap(entry.block, destination),
  );
  if (hits.length === 0) return null;
  return `DestCidrIp ${rule.DestCidrIp} overlaps denied destination${hits.length > 1 ? "s" : ""} ${hits.map((hit) => hit.label).join(", ")}`;
}

/** Containment in the union: every address of the destination must be in the list; all matching lists apply. */
function checkAllowLists({ rule, destination, compiled }: RuleFacts): string | null {
  if (destination === null) return null;
  const problems: string[] = [];
  for (const list of compiled.allowLists) {
    if (!matchesGroup(list.pattern, rule.SecurityGroupId) || cidrSetContains(list.set, destination)) continue;
    const outside = firstAddressOutside(list.set, destination) ?? destination.base;
    problems.push(
      `DestCidrIp ${rule.DestCidrIp} is not inside the allow list for ${JSON.stringify(list.pattern)} ` +
        `(${list.cidrs.join(", ")}): ${formatIpv4(outside)} is outside it`,
    );
  }
  return problems.length === 0 ? null : problems.join("; ");
}

function checkBlockedPorts({ rule, ports, compiled }: RuleFacts): string | null {
  if (ports.kind !== "ports") return null;
  const hits = compiled.blocked.filter(
    (entry) =>
      (rule.IpProtocol === "all" || (entry.protocols as readonly string[]).includes(rule.IpProtocol)) &&
      portsOverlap(entry.ports, ports.ports),
  );
  if (hits.length === 0) return null;
  const list = `blocked port${hits.length > 1 ? "s" : ""} ${hits.map((hit) => hit.label).join(", ")}`;
  return rule.IpProtocol === "all"
    ? `IpProtocol "all" opens every port, including ${list}`
    : `PortRange ${rule.PortRange} (${rule.IpProtocol}) includes ${list}`;
}

function checkProtocol({ rule, compiled }: RuleFacts): string | null {
  const allowed = compiled.policy.allowedProtocols;
  if (allowed.includes(rule.IpProtocol)) return null;
  return `IpProtocol ${JSON.stringify(rule.IpProtocol)} is not in allowedProtocols ${quoteList(allowed)}`;
}

function checkPortSpan({ rule, ports, compiled }: RuleFacts): string | null {
  const max = compiled.policy.maxPortSpan;
  if (ports.kind !== "ports" || portSpan(ports.ports) <= max) return null;
  const what =
    rule.IpProtocol === "all"
      ? `IpProtocol "all" opens all ${portSpan(ports.ports)} ports`
      : `PortRange ${rule.PortRange} spans ${portSpan(ports.ports)} ports`;
  return `${what}; maxPortSpan allows at most ${max}`;
}

function checkPriority({ rule, compiled }: RuleFacts): string | null {
  const { min, max } = compiled.policy.priority;
  if (rule.Priority >= min && rule.Priority <= max) return null;
  return `Priority ${rule.Priority} is outside the allowed range ${min}-${max} (priority.min, priority.max)`;
}

/** `*` matches any group, `sg-prod-*` any id with that prefix, anything else only that exact id. */
function matchesGroup(pattern: string, securityGroupId: string): boolean {
  return pattern.endsWith("*")
    ? securityGroupId.startsWith(pattern.slice(0, -1))
    : securityGroupId === pattern;
}

/** A deny entry without protocols applies to all; protocol `all` in the rule or the entry overlaps every protocol. */
function appliesToProtocol(entryProtocols: readonly string[] | undefined, ruleProtocol: string): boolean {
  return (
    entryProtocols === undefined ||
    ruleProtocol === "all" ||
    entryProtocols.includes("all") ||
    entryProtocols.includes(ruleProtocol)
  );
}

function quoteList(values: readonly string[]): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

// Parsed policies are frozen (see `parsePolicy`), so their compiled form can be kept for the life of the
// instance; an unfrozen policy (a test's literal) is compiled on every call because it could still change.
const compiledCache = new WeakMap<Policy, CompiledPolicy>();

function compile(policy: Policy): CompiledPolicy {
  const cached = compiledCache.get(policy);
  if (cached !== undefined) return cached;
  const compiled: CompiledPolicy = {
    policy,
    ticketPattern: policy.ticketPattern === undefined ? null : new RegExp(policy.ticketPattern, "u"),
    blocked: policy.blockedPorts.map((entry, index) => compileBlockedPort(entry, index)),
    denied: policy.deniedDestinations.map((entry, index) => {
      const block = parsePolicyCidr(entry.cidr, `deniedDestinations[${index}].cidr`);
      const scope = entry.protocols === undefined ? "" : ` for ${entry.protocols.join("/")}`;
      const reason = entry.reason === undefined ? "" : ` (${JSON.stringify(entry.reason)})`;
      return { block, policy: entry, label: `${formatBlock(block)}${scope}${reason}` };
    }),
    allowLists: Object.entries(policy.destinationAllowLists).map(([pattern, cidrs]) => ({
      pattern,
      cidrs,
      set: createCidrSet(
        cidrs.map((cidr, index) =>
          parsePolicyCidr(cidr, `destinationAllowLists[${JSON.stringify(pattern)}][${index}]`),
        ),
      ),
    })),
  };
  if (Object.isFrozen(policy)) compiledCache.set(policy, compiled);
  return compiled;
}

function compileBlockedPort(
  entry: Policy["blockedPorts"][number],
  index: number,
): CompiledPolicy["blocked"][number] {
  const spec = typeof entry === "object" ? entry.ports : entry;
  const ports = parsePortSpec(spec);
  if (ports === null)
    throw unparsedPolicy(`blockedPorts[${index}]`, `${JSON.stringify(spec)} is not a port or range`);
  const protocols =
    typeof entry === "object" && entry.protocols !== undefined ? entry.protocols : (["tcp", "udp"] as const);
  const scope = protocols.length === 1 ? ` (${protocols[0]} only)` : "";
  const reason =
    typeof entry === "object" && entry.reason !== undefined ? ` (${JSON.stringify(entry.reason)})` : "";
  return { ports, protocols, label: `${formatPorts(ports)}${scope}${reason}` };
}

function parsePolicyCidr(text: string, path: string): Ipv4Block {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw unparsedPolicy(path, `${JSON.stringify(text)} is not an IPv4 block`);
  return parsed.block;
}

/** A policy that skipped `parsePolicy` and holds something it would have refused: a programming error. */
function unparsedPolicy(path: string, message: string): PolicyConfigError {
  return new PolicyConfigError("a policy object that did not go through parsePolicy", [{ path, message }]);
}
