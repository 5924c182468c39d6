import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICY,
  evaluatePolicy,
  GUARDRAILS,
  type GuardrailName,
  type Policy,
  PolicyConfigError,
  parsePolicy,
  policyErrorCode,
} from "#shared/domain/policy.ts";
import type { EgressRule, RequestMeta, RequestOrigin } from "#shared/domain/types.ts";
import bundledPolicy from "../../../policy/policy.json" with { type: "json" };

const RULE: EgressRule = {
  SecurityGroupId: "sg-prodweb",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
  Policy: "accept",
  Priority: 1,
  SourcePortRange: "1/65535",
};
const META: RequestMeta = { TicketId: null, RequestedBy: null, Reason: null, DryRun: false };
const ORIGINS: RequestOrigin[] = ["operator", "webhook", "queue"];

/** A policy from the fields a case sets, through the real parser (so defaults fill in as they would in production). */
function policyOf(fields: Record<string, unknown> = {}): Policy {
  return parsePolicy({ version: 1, ...fields }, "test");
}

function evaluate(
  rule: Partial<EgressRule>,
  policy: Policy = DEFAULT_POLICY,
  options: { origin?: RequestOrigin; ticket?: string | null; mode?: "enforce" | "audit-only" } = {},
) {
  return evaluatePolicy(
    { ...RULE, ...rule },
    { meta: { ...META, TicketId: options.ticket ?? null }, origin: options.origin ?? "operator" },
    policy,
    options.mode ?? "enforce",
  );
}

const ALL_TO = (DestCidrIp: string): Partial<EgressRule> => ({
  IpProtocol: "all",
  PortRange: "-1/-1",
  DestCidrIp,
});
const TCP = (PortRange: string, DestCidrIp = "10.0.0.0/8"): Partial<EgressRule> => ({
  PortRange,
  DestCidrIp,
});
const UDP = (PortRange: string, DestCidrIp = "10.0.0.0/8"): Partial<EgressRule> => ({
  IpProtocol: "udp",
  PortRange,
  DestCidrIp,
});
const NO_PORTS = (IpProtocol: "icmp" | "gre", DestCidrIp: string): Partial<EgressRule> => ({
  IpProtocol,
  PortRange: "-1/-1",
  DestCidrIp,
});

interface Case {
  name: string;
  policy?: Record<string, unknown>;
  rule: Partial<EgressRule>;
  origin?: RequestOrigin;
  ticket?: string | null;
  refusedBy: GuardrailName[];
}

const CASES: Case[] = [
  // The default policy: the issue's acceptance cases first.
  { name: "default: ordinary internal rule", rule: {}, refusedBy: [] },
  { name: "default: the documented example tcp 22 to 10/8", rule: TCP("22/22"), refusedBy: [] },
  { name: "default: all to the world", rule: ALL_TO("0.0.0.0/0"), refusedBy: ["WorldOpenEgress"] },
  {
    name: "default: tcp every port to the world",
    rule: TCP("1/65535", "0.0.0.0/0"),
    refusedBy: ["WorldOpenEgress"],
  },
  {
    name: "default: tcp 1/1024 to the world",
    rule: TCP("1/1024", "0.0.0.0/0"),
    refusedBy: ["WorldOpenEgress"],
  },
  {
    name: "default: udp 17 ports to the world",
    rule: UDP("1000/1016", "0.0.0.0/0"),
    refusedBy: ["WorldOpenEgress"],
  },
  { name: "default: udp 16 ports to the world", rule: UDP("1000/1015", "0.0.0.0/0"), refusedBy: [] },
  { name: "default: https to the world", rule: TCP("443/443", "0.0.0.0/0"), refusedBy: [] },
  { name: "default: icmp to the world", rule: NO_PORTS("icmp", "0.0.0.0/0"), refusedBy: [] },
  { name: "default: gre to the world", rule: NO_PORTS("gre", "0.0.0.0/0"), refusedBy: ["WorldOpenEgress"] },
  { name: "default: all to an internal /8", rule: ALL_TO("10.0.0.0/8"), refusedBy: [] },
  { name: "default: all to half the world (low)", rule: ALL_TO("0.0.0.0/1"), refusedBy: ["WorldOpenEgress"] },
  {
    name: "default: all to half the world (high)",
    rule: ALL_TO("128.0.0.0/1"),
    refusedBy: ["WorldOpenEgress"],
  },
  {
    name: "default: all to a /7 counts as the world",
    rule: ALL_TO("8.0.0.0/7"),
    refusedBy: ["WorldOpenEgress"],
  },
  { name: "default: all to a public /8 is not the world", rule: ALL_TO("8.0.0.0/8"), refusedBy: [] },
  { name: "default: drop all to the world", rule: { ...ALL_TO("0.0.0.0/0"), Policy: "drop" }, refusedBy: [] },
  { name: "default: webhook without a ticket", rule: {}, origin: "webhook", refusedBy: [] },
  { name: "default: queue without a ticket", rule: {}, origin: "queue", refusedBy: [] },
  { name: "default: priority 100", rule: { Priority: 100 }, refusedBy: [] },

  // allowedSecurityGroups
  ...groupCases(),

  // allowedProtocols, maxPortSpan
  {
    name: "protocols: icmp not listed",
    policy: { allowedProtocols: ["tcp", "udp"] },
    rule: NO_PORTS("icmp", "10.0.0.0/8"),
    refusedBy: ["ProtocolNotAllowed"],
  },
  {
    name: "protocols: four listed do not allow all",
    policy: { allowedProtocols: ["tcp", "udp", "icmp", "gre"] },
    rule: ALL_TO("10.0.0.0/8"),
    refusedBy: ["ProtocolNotAllowed"],
  },
  { name: "span: exactly the maximum", policy: { maxPortSpan: 1024 }, rule: TCP("1/1024"), refusedBy: [] },
  {
    name: "span: one over the maximum",
    policy: { maxPortSpan: 1024 },
    rule: TCP("1/1025"),
    refusedBy: ["PortSpanTooWide"],
  },
  {
    name: "span: all counts as 65535 ports",
    policy: { maxPortSpan: 1024 },
    rule: ALL_TO("10.0.0.0/8"),
    refusedBy: ["PortSpanTooWide"],
  },
  {
    name: "span: icmp has no ports",
    policy: { maxPortSpan: 1 },
    rule: NO_PORTS("icmp", "10.0.0.0/8"),
    refusedBy: [],
  },

  // blockedPorts
  {
    name: "blocked: range includes 23",
    policy: { blockedPorts: [23] },
    rule: TCP("20/30"),
    refusedBy: ["BlockedPort"],
  },
  { name: "blocked: range just above 23", policy: { blockedPorts: [23] }, rule: TCP("24/30"), refusedBy: [] },
  {
    name: "blocked: applies to udp by default",
    policy: { blockedPorts: [23] },
    rule: UDP("23/23"),
    refusedBy: ["BlockedPort"],
  },
  {
    name: "blocked: tcp-only entry lets udp pass",
    policy: { blockedPorts: [{ ports: 23, protocols: ["tcp"] }] },
    rule: UDP("23/23"),
    refusedBy: [],
  },
  {
    name: "blocked: protocol all opens every port",
    policy: { blockedPorts: [{ ports: 23, protocols: ["tcp"] }] },
    rule: ALL_TO("10.0.0.0/8"),
    refusedBy: ["BlockedPort"],
  },
  {
    name: "blocked: icmp has no ports",
    policy: { blockedPorts: ["1/65535"] },
    rule: NO_PORTS("icmp", "10.0.0.0/8"),
    refusedBy: [],
  },
  {
    name: "blocked: range entry overlaps at its end",
    policy: { blockedPorts: ["135/139"] },
    rule: TCP("139/200"),
    refusedBy: ["BlockedPort"],
  },
  {
    name: "blocked: range entry missed",
    policy: { blockedPorts: ["135/139"] },
    rule: TCP("140/200"),
    refusedBy: [],
  },

  // deniedDestinations: overlap
  {
    name: "denied: destination inside the entry",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16" }] },
    rule: TCP("443/443", "10.99.1.0/24"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: destination contains the entry",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16" }] },
    rule: TCP("443/443", "10.0.0.0/8"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: the world overlaps every entry",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16" }] },
    rule: TCP("443/443", "0.0.0.0/0"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: neighbour block passes",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16" }] },
    rule: TCP("443/443", "10.98.0.0/16"),
    refusedBy: [],
  },
  {
    name: "denied: single address entry",
    policy: { deniedDestinations: [{ cidr: "10.1.2.3" }] },
    rule: TCP("443/443", "10.1.2.0/24"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: udp entry lets tcp pass",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16", protocols: ["udp"] }] },
    rule: TCP("443/443", "10.99.0.0/16"),
    refusedBy: [],
  },
  {
    name: "denied: udp entry refuses udp",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16", protocols: ["udp"] }] },
    rule: UDP("53/53", "10.99.0.0/16"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: udp entry refuses all",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16", protocols: ["udp"] }] },
    rule: ALL_TO("10.99.0.0/16"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: entry for all refuses tcp",
    policy: { deniedDestinations: [{ cidr: "10.99.0.0/16", protocols: ["all"] }] },
    rule: TCP("443/443", "10.99.0.0/16"),
    refusedBy: ["DeniedDestination"],
  },
  {
    name: "denied: union of two halves of 10/8",
    policy: { deniedDestinations: [{ cidr: "10.0.0.0/9" }, { cidr: "10.128.0.0/9" }] },
    rule: TCP("443/443", "10.0.0.0/8"),
    refusedBy: ["DeniedDestination"],
  },

  // destinationAllowLists: containment in the union
  {
    name: "allow list: inside",
    policy: { destinationAllowLists: { "sg-proddb": ["10.1.0.0/16"] } },
    rule: { SecurityGroupId: "sg-proddb", DestCidrIp: "10.1.2.0/24" },
    refusedBy: [],
  },
  {
    name: "allow list: single address inside",
    policy: { destinationAllowLists: { "sg-proddb": ["10.1.0.0/16"] } },
    rule: { SecurityGroupId: "sg-proddb", DestCidrIp: "10.1.2.3" },
    refusedBy: [],
  },
  {
    name: "allow list: overlapping is not enough",
    policy: { destinationAllowLists: { "sg-proddb": ["10.1.0.0/16"] } },
    rule: { SecurityGroupId: "sg-proddb", DestCidrIp: "10.0.0.0/8" },
    refusedBy: ["DestinationNotAllowed"],
  },
  {
    name: "allow list: other group is not bound",
    policy: { destinationAllowLists: { "sg-proddb": ["10.1.0.0/16"] } },
    rule: { SecurityGroupId: "sg-prodweb", DestCidrIp: "0.0.0.0/0" },
    refusedBy: [],
  },
  {
    name: "allow list: union of two halves",
    policy: { destinationAllowLists: { "sg-prod*": ["10.0.0.0/9", "10.128.0.0/9"] } },
    rule: { DestCidrIp: "10.0.0.0/8" },
    refusedBy: [],
  },
  {
    name: "allow list: every matching key applies",
    policy: {
      destinationAllowLists: {
        "sg-prod*": ["10.0.0.0/8"],
        "sg-prodweb": ["10.1.0.0/16", "192.168.0.0/16"],
      },
    },
    rule: { DestCidrIp: "192.168.1.0/24" },
    refusedBy: ["DestinationNotAllowed"],
  },
  {
    name: "allow list: both keys satisfied",
    policy: {
      destinationAllowLists: {
        "sg-prod*": ["10.0.0.0/8"],
        "sg-prodweb": ["10.1.0.0/16", "192.168.0.0/16"],
      },
    },
    rule: { DestCidrIp: "10.1.0.0/16" },
    refusedBy: [],
  },

  // requireTicketFor
  ...ticketCases(),

  // priority
  {
    name: "priority: below min",
    policy: { priority: { min: 10 } },
    rule: { Priority: 1 },
    refusedBy: ["PriorityOutOfRange"],
  },
  { name: "priority: at min", policy: { priority: { min: 10 } }, rule: { Priority: 10 }, refusedBy: [] },
  {
    name: "priority: above max",
    policy: { priority: { max: 50 } },
    rule: { Priority: 51 },
    refusedBy: ["PriorityOutOfRange"],
  },
  {
    name: "priority: drop rule passes",
    policy: { priority: { min: 10 } },
    rule: { Priority: 1, Policy: "drop" },
    refusedBy: [],
  },

  // worldOpen tuned
  {
    name: "world: widerThanPrefix 1 lets a /1 pass",
    policy: { worldOpen: { widerThanPrefix: 1 } },
    rule: ALL_TO("0.0.0.0/1"),
    refusedBy: [],
  },
  {
    name: "world: widerThanPrefix 1 still refuses /0",
    policy: { worldOpen: { widerThanPrefix: 1 } },
    rule: ALL_TO("0.0.0.0/0"),
    refusedBy: ["WorldOpenEgress"],
  },
  {
    name: "world: widerThanPrefix 16 catches 10/8",
    policy: { worldOpen: { widerThanPrefix: 16 } },
    rule: TCP("1/1024"),
    refusedBy: ["WorldOpenEgress"],
  },
  {
    name: "world: wider maxPortSpan",
    policy: { worldOpen: { maxPortSpan: 1024 } },
    rule: TCP("1/1024", "0.0.0.0/0"),
    refusedBy: [],
  },
  {
    name: "world: icmp not allowed",
    policy: { worldOpen: { allowedProtocols: ["tcp"] } },
    rule: NO_PORTS("icmp", "0.0.0.0/0"),
    refusedBy: ["WorldOpenEgress"],
  },
  {
    name: "world: drop checked when drops do not pass",
    policy: { dropRulesAlwaysPass: false },
    rule: { ...ALL_TO("0.0.0.0/0"), Policy: "drop" },
    refusedBy: ["WorldOpenEgress"],
  },

  // fail closed
  { name: "unreadable destination", rule: { DestCidrIp: "10.0.0.0/33" }, refusedBy: ["UnreadableRule"] },
  { name: "unreadable port range for tcp", rule: { PortRange: "-1/-1" }, refusedBy: ["UnreadableRule"] },
  {
    name: "unreadable destination on a drop rule",
    rule: { DestCidrIp: "nowhere", Policy: "drop" },
    refusedBy: ["UnreadableRule"],
  },
  {
    name: "an unknown Policy value is checked like accept",
    rule: { ...ALL_TO("0.0.0.0/0"), Policy: "Drop" as "drop" },
    refusedBy: ["WorldOpenEgress"],
  },

  // all violations, in guardrail order
  {
    name: "every violation is reported",
    policy: {
      allowedSecurityGroups: ["sg-prod*"],
      allowedProtocols: ["tcp"],
      maxPortSpan: 1024,
      blockedPorts: [23],
      deniedDestinations: [{ cidr: "10.99.0.0/16" }],
      destinationAllowLists: { "*": ["10.0.0.0/8"] },
      requireTicketFor: ["webhook"],
      priority: { min: 10 },
    },
    rule: { ...ALL_TO("0.0.0.0/0"), SecurityGroupId: "sg-dev1", Priority: 5 },
    origin: "webhook",
    refusedBy: [
      "SecurityGroupNotAllowed",
      "TicketRequired",
      "WorldOpenEgress",
      "DeniedDestination",
      "DestinationNotAllowed",
      "BlockedPort",
      "ProtocolNotAllowed",
      "PortSpanTooWide",
      "PriorityOutOfRange",
    ],
  },
];

function groupCases(): Case[] {
  const policy = { allowedSecurityGroups: ["sg-prod*", "sg-0123"] };
  return [
    { name: "groups: prefix matches", policy, rule: { SecurityGroupId: "sg-prodweb" }, refusedBy: [] },
    { name: "groups: exact id matches", policy, rule: { SecurityGroupId: "sg-0123" }, refusedBy: [] },
    {
      name: "groups: exact id is not a prefix",
      policy,
      rule: { SecurityGroupId: "sg-01234" },
      refusedBy: ["SecurityGroupNotAllowed"],
    },
    {
      name: "groups: other group refused",
      policy,
      rule: { SecurityGroupId: "sg-dev1" },
      refusedBy: ["SecurityGroupNotAllowed"],
    },
    {
      name: "groups: drop rule still refused",
      policy,
      rule: { SecurityGroupId: "sg-dev1", Policy: "drop" },
      refusedBy: ["SecurityGroupNotAllowed"],
    },
  ];
}

function ticketCases(): Case[] {
  const policy: Record<string, unknown> = { requireTicketFor: ["webhook", "queue"] };
  return [
    { name: "ticket: webhook without", policy, rule: {}, origin: "webhook", refusedBy: ["TicketRequired"] },
    { name: "ticket: queue without", policy, rule: {}, origin: "queue", refusedBy: ["TicketRequired"] },
    {
      name: "ticket: webhook with a blank one",
      policy,
      rule: {},
      origin: "webhook",
      ticket: "  ",
      refusedBy: ["TicketRequired"],
    },
    {
      name: "ticket: webhook with one",
      policy,
      rule: {},
      origin: "webhook",
      ticket: "SEC-42",
      refusedBy: [],
    },
    { name: "ticket: operator without", policy, rule: {}, origin: "operator", refusedBy: [] },
    ...["\u200b", "\u2060", "\u3164", "\u2800", "\u200b\u2060 "].map((invisible) => ({
      name: `ticket: webhook with an invisible one (${[...invisible].map((c) => c.codePointAt(0)?.toString(16)).join(" ")})`,
      policy,
      rule: {},
      origin: "webhook" as const,
      ticket: invisible,
      refusedBy: ["TicketRequired" as const],
    })),
    {
      name: "ticket: a ticket pattern is enforced where a ticket is required",
      policy: { ...policy, ticketPattern: "^[A-Z][A-Z0-9]+-[0-9]+$" },
      rule: {},
      origin: "webhook",
      ticket: "please",
      refusedBy: ["TicketRequired"],
    },
    {
      name: "ticket: a ticket that matches the pattern passes",
      policy: { ...policy, ticketPattern: "^[A-Z][A-Z0-9]+-[0-9]+$" },
      rule: {},
      origin: "webhook",
      ticket: "SEC-42",
      refusedBy: [],
    },
    {
      name: "ticket: the pattern does not apply where no ticket is required",
      policy: { ...policy, ticketPattern: "^[A-Z][A-Z0-9]+-[0-9]+$" },
      rule: {},
      origin: "operator",
      ticket: "please",
      refusedBy: [],
    },
    {
      name: "ticket: drop rule still needs one",
      policy,
      rule: { Policy: "drop" },
      origin: "queue",
      refusedBy: ["TicketRequired"],
    },
  ];
}

describe("evaluatePolicy: rule x policy table", () => {
  it.each(CASES)("$name", ({ policy, rule, origin, ticket, refusedBy }) => {
    const options = { ...(origin ? { origin } : {}), ...(ticket !== undefined ? { ticket } : {}) };
    const decision = evaluate(rule, policy ? policyOf(policy) : DEFAULT_POLICY, options);
    expect(decision.violations.map((violation) => violation.guardrail)).toEqual(refusedBy);
    expect(decision.allowed).toBe(refusedBy.length === 0);
    expect(decision.mode).toBe("enforce");
    for (const violation of decision.violations) expect(violation.reason.length).toBeGreaterThan(20);
  });
});

describe("acceptance under the default policy, on every route", () => {
  it.each(ORIGINS)(
    "origin %s: world-open every port and wide tcp are refused, an internal rule passes",
    (origin) => {
      expect(evaluate(ALL_TO("0.0.0.0/0"), DEFAULT_POLICY, { origin }).allowed).toBe(false);
      expect(evaluate(TCP("1/65535", "0.0.0.0/0"), DEFAULT_POLICY, { origin }).allowed).toBe(false);
      expect(evaluate(TCP("1/1024", "0.0.0.0/0"), DEFAULT_POLICY, { origin }).allowed).toBe(false);
      expect(evaluate(TCP("22/22", "10.0.0.0/8"), DEFAULT_POLICY, { origin }).allowed).toBe(true);
    },
  );
});

describe("audit-only mode", () => {
  it("allows the rule and records the same violations enforce mode would refuse with", () => {
    const enforce = evaluate(ALL_TO("0.0.0.0/0"));
    const audit = evaluate(ALL_TO("0.0.0.0/0"), DEFAULT_POLICY, { mode: "audit-only" });
    expect(audit).toEqual({ mode: "audit-only", allowed: true, violations: enforce.violations });
    expect(audit.violations).toHaveLength(1);
  });
});

describe("reasons name the rule's value and the policy's value", () => {
  const strict = policyOf({
    allowedSecurityGroups: ["sg-prod*"],
    allowedProtocols: ["tcp", "udp"],
    maxPortSpan: 1024,
    blockedPorts: [{ ports: 445, reason: "SMB" }, "135/139"],
    deniedDestinations: [{ cidr: "10.99.0.0/16", reason: "PCI zone" }],
    destinationAllowLists: { "sg-proddb": ["10.1.0.0/16", "10.2.0.0/16"] },
    requireTicketFor: ["queue"],
    priority: { min: 10, max: 90 },
  });
  const reasonOf = (
    rule: Partial<EgressRule>,
    guardrail: GuardrailName,
    origin: RequestOrigin = "operator",
  ) =>
    evaluate({ Priority: 10, ...rule }, strict, { origin }).violations.find((v) => v.guardrail === guardrail)
      ?.reason;

  it.each<[GuardrailName, Partial<EgressRule>, string, RequestOrigin?]>([
    [
      "PortSpanTooWide",
      TCP("1/65535"),
      "PortRange 1/65535 spans 65535 ports; maxPortSpan allows at most 1024",
    ],
    [
      "SecurityGroupNotAllowed",
      { SecurityGroupId: "sg-dev7" },
      'SecurityGroupId "sg-dev7" matches none of allowedSecurityGroups "sg-prod*"',
    ],
    [
      "ProtocolNotAllowed",
      NO_PORTS("icmp", "10.0.0.0/8"),
      'IpProtocol "icmp" is not in allowedProtocols "tcp", "udp"',
    ],
    ["BlockedPort", TCP("100/500"), 'PortRange 100/500 (tcp) includes blocked ports 445 ("SMB"), 135/139'],
    [
      "DeniedDestination",
      TCP("443/443", "10.0.0.0/8"),
      'DestCidrIp 10.0.0.0/8 overlaps denied destination 10.99.0.0/16 ("PCI zone")',
    ],
    [
      "DestinationNotAllowed",
      { SecurityGroupId: "sg-proddb", DestCidrIp: "10.0.0.0/14" },
      'DestCidrIp 10.0.0.0/14 is not inside the allow list for "sg-proddb" (10.1.0.0/16, 10.2.0.0/16): 10.0.0.0 is outside it',
    ],
    [
      "TicketRequired",
      {},
      'a request from origin "queue" must carry a TicketId (requireTicketFor "queue")',
      "queue",
    ],
    ["PriorityOutOfRange", { Priority: 95 }, "Priority 95 is outside the allowed range 10-90"],
    [
      "WorldOpenEgress",
      TCP("1/100", "0.0.0.0/0"),
      "DestCidrIp 0.0.0.0/0 is the whole internet: PortRange 1/100 opens 100 ports to it; worldOpen.maxPortSpan allows at most 16",
    ],
    [
      "WorldOpenEgress",
      ALL_TO("0.0.0.0/1"),
      'DestCidrIp 0.0.0.0/1 spans 2,147,483,648 addresses, wider than /8 (worldOpen.widerThanPrefix), so it counts as the internet: IpProtocol "all" opens every port of every protocol to it',
    ],
  ])("%s", (guardrail, rule, expected, origin) => {
    expect(reasonOf(rule, guardrail, origin)).toContain(expected);
  });

  it("gives the error code Policy.<Name>", () => {
    expect(policyErrorCode({ guardrail: "WorldOpenEgress" })).toBe("Policy.WorldOpenEgress");
    for (const name of GUARDRAILS) expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
  });
});

describe("parsePolicy", () => {
  it("fills every absent field from the default policy", () => {
    expect(policyOf()).toEqual(DEFAULT_POLICY);
    const partial = policyOf({ blockedPorts: [23], worldOpen: { maxPortSpan: 4 } });
    expect(partial.worldOpen).toEqual({ ...DEFAULT_POLICY.worldOpen, maxPortSpan: 4 });
    expect(partial.allowedProtocols).toEqual(DEFAULT_POLICY.allowedProtocols);
  });

  it("returns a frozen policy, so nothing can loosen it after cold start", () => {
    const policy = policyOf({ blockedPorts: [23] });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.blockedPorts)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.worldOpen)).toBe(true);
  });

  it("the bundled policy file is null, meaning the default policy applies", () => {
    expect(bundledPolicy).toBeNull();
  });

  it("every JSON example in docs/policy.md is a valid policy, and the default one is DEFAULT_POLICY", () => {
    const markdown = readFileSync(new URL("../../../docs/policy.md", import.meta.url), "utf8");
    const blocks = [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map((match) =>
      JSON.parse(match[1] ?? ""),
    );
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) parsePolicy(block, "POLICY.md");
    expect(blocks.map((block) => parsePolicy(block, "POLICY.md"))).toContainEqual(DEFAULT_POLICY);
  });
});

describe("parsePolicy: a policy with a mistake fails with a message that names it", () => {
  const cases: Array<[string, unknown, string, string]> = [
    ["not an object", null, "", "must be a JSON object (given null)"],
    ["an array", [], "", "must be a JSON object"],
    ["no version", {}, "version", "must be 1"],
    ["wrong version", { version: 2 }, "version", "(given 2)"],
    [
      "version as a string",
      { version: "1" },
      "version",
      'must be 1, the only policy format this function reads (given "1")',
    ],
    [
      "allow lists as a list",
      { version: 1, destinationAllowLists: [["10.0.0.0/8"]] },
      "destinationAllowLists",
      'must be a JSON object (given [["10.0.0.0/8"]])',
    ],
    [
      "allow list entry of the wrong type",
      { version: 1, destinationAllowLists: { "sg-a": ["10.0.0.0/8", 7] } },
      'destinationAllowLists["sg-a"][1]',
      "must be a string (given 7)",
    ],
    [
      "misspelt field",
      { version: 1, maxPortSpn: 10 },
      "maxPortSpn",
      'unknown field (did you mean "maxPortSpan"?)',
    ],
    [
      "misspelt nested field",
      { version: 1, worldOpen: { maxPortspan: 10 } },
      "worldOpen.maxPortspan",
      'did you mean "maxPortSpan"?',
    ],
    [
      "unknown field in an entry",
      { version: 1, blockedPorts: [{ ports: 23, why: "x" }] },
      "blockedPorts[0].why",
      "unknown field",
    ],
    ["port zero", { version: 1, blockedPorts: [0] }, "blockedPorts[0]", "0 is not a port 1-65535"],
    [
      "port range with a dash",
      { version: 1, blockedPorts: ["135-139"] },
      "blockedPorts[0]",
      '"135-139" is not a port',
    ],
    ["port range backwards", { version: 1, blockedPorts: ["139/135"] }, "blockedPorts[0]", "first <= last"],
    [
      "port of the wrong type",
      { version: 1, blockedPorts: [true] },
      "blockedPorts[0]",
      "must be a port such as 23",
    ],
    [
      "port in an entry",
      { version: 1, blockedPorts: [{ ports: 70000 }] },
      "blockedPorts[0].ports",
      "70000 is not a port",
    ],
    [
      "maxPortSpan as a string",
      { version: 1, maxPortSpan: "1024" },
      "maxPortSpan",
      'must be a number (given "1024")',
    ],
    [
      "maxPortSpan a fraction",
      { version: 1, maxPortSpan: 10.5 },
      "maxPortSpan",
      "must be an integer (given 10.5)",
    ],
    ["maxPortSpan zero", { version: 1, maxPortSpan: 0 }, "maxPortSpan", "must be at least 1"],
    [
      "cidr typo",
      { version: 1, deniedDestinations: [{ cidr: "10.0.0.1/8" }] },
      "deniedDestinations[0].cidr",
      'did you mean "10.0.0.0/8"?',
    ],
    [
      "cidr garbage",
      { version: 1, deniedDestinations: [{ cidr: "10.0.0/8" }] },
      "deniedDestinations[0].cidr",
      "is not an IPv4 block",
    ],
    [
      "deny list covers the world",
      { version: 1, deniedDestinations: [{ cidr: "0.0.0.0/1" }, { cidr: "128.0.0.0/1" }] },
      "deniedDestinations",
      "cover 0.0.0.0/0",
    ],
    [
      "deny world with protocol all",
      { version: 1, deniedDestinations: [{ cidr: "0.0.0.0/0", protocols: ["all"] }] },
      "deniedDestinations",
      'use "worldOpen"',
    ],
    [
      "bad protocol",
      { version: 1, allowedProtocols: ["TCP"] },
      "allowedProtocols[0]",
      'must be one of "tcp", "udp", "icmp", "gre", "all" (given "TCP")',
    ],
    [
      "empty group list",
      { version: 1, allowedSecurityGroups: [] },
      "allowedSecurityGroups",
      '["*"] for any group',
    ],
    [
      "bad group pattern",
      { version: 1, allowedSecurityGroups: ["sg-*-prod"] },
      "allowedSecurityGroups[0]",
      '"*" may only end a prefix',
    ],
    [
      "bad allow-list key",
      { version: 1, destinationAllowLists: { "sg *": ["10.0.0.0/8"] } },
      'destinationAllowLists["sg *"]',
      "can never match",
    ],
    [
      "uppercase allow-list key that no valid id can match",
      { version: 1, destinationAllowLists: { "SG-DB01": ["10.0.0.0/8"] } },
      'destinationAllowLists["SG-DB01"]',
      'did you mean "sg-db01"?',
    ],
    [
      "allow-list prefix with a hyphen no valid id has",
      { version: 1, destinationAllowLists: { "sg-db-*": ["10.0.0.0/8"] } },
      'destinationAllowLists["sg-db-*"]',
      'no "-", "_" or "."',
    ],
    [
      "group prefix with a hyphen no valid id has",
      { version: 1, allowedSecurityGroups: ["sg-prod-*"] },
      "allowedSecurityGroups[0]",
      "no SecurityGroupId starts with it",
    ],
    [
      "ticket pattern that is not a regular expression",
      { version: 1, ticketPattern: "^[A-Z" },
      "ticketPattern",
      "is not a regular expression",
    ],
    [
      "ticket pattern that accepts an empty ticket",
      { version: 1, ticketPattern: "[A-Z]*" },
      "ticketPattern",
      "would not require one",
    ],
    [
      "empty allow list",
      { version: 1, destinationAllowLists: { "sg-a": [] } },
      'destinationAllowLists["sg-a"]',
      "would refuse every rule",
    ],
    [
      "all to the world",
      { version: 1, worldOpen: { allowedProtocols: ["tcp", "all"] } },
      "worldOpen.allowedProtocols[1]",
      "no world-open rule may do",
    ],
    [
      "every port to the world",
      { version: 1, worldOpen: { maxPortSpan: 65535 } },
      "worldOpen.maxPortSpan",
      "no policy may open every port to the world",
    ],
    [
      "priority backwards",
      { version: 1, priority: { min: 50, max: 10 } },
      "priority",
      "min 50 is greater than max 10",
    ],
    ["priority out of range", { version: 1, priority: { max: 101 } }, "priority.max", "must be at most 100"],
    ["unknown origin", { version: 1, requireTicketFor: ["cron"] }, "requireTicketFor[0]", '(given "cron")'],
    [
      "boolean as string",
      { version: 1, dropRulesAlwaysPass: "yes" },
      "dropRulesAlwaysPass",
      "must be true or false",
    ],
  ];

  it.each(cases)("%s", (_name, document, path, message) => {
    const error = catchPolicyError(() => parsePolicy(document, "POLICY_JSON"));
    expect(error.code).toBe("PolicyConfigError");
    expect(error.source).toBe("POLICY_JSON");
    expect(error.issues).toContainEqual({ path, message: expect.stringContaining(message) });
    expect(error.message).toContain("POLICY_JSON");
    expect(error.message).toContain(path === "" ? message : `${path}: `);
    expect(error.cause).toBeDefined();
  });

  it("names every mistake at once, and the source it was given", () => {
    const error = catchPolicyError(() =>
      parsePolicy(
        { version: 1, maxPortSpn: 3, blockedPorts: [0], priority: { min: 0 } },
        "policy/policy.json",
      ),
    );
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      "blockedPorts[0]",
      "maxPortSpn",
      "priority.min",
    ]);
    expect(error.message).toMatch(
      /^The guardrail policy from policy\/policy\.json is invalid \(3 mistakes\): /,
    );
  });
});

function catchPolicyError(run: () => unknown): PolicyConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyConfigError) return error;
    throw error;
  }
  throw new Error("expected a PolicyConfigError, but the policy was accepted");
}
