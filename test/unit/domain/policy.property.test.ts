/**
 * Property tests: random rules under random policies. Each guardrail has an oracle here written independently of
 * the product code (BigInt address arithmetic, port-by-port enumeration, string parsing), and evaluatePolicy must
 * agree with it in both directions: it refuses exactly what the oracle says must be refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluatePolicy, type Policy, PolicyConfigError, parsePolicy } from "#shared/domain/policy.ts";
import type { EgressRule, IpProtocol, RequestOrigin } from "#shared/domain/types.ts";

const PROTOCOLS: IpProtocol[] = ["tcp", "udp", "icmp", "gre", "all"];
const ORIGINS: RequestOrigin[] = ["operator", "webhook", "queue"];
const GROUPS = ["sg-prodweb", "sg-proddb", "sg-dev1", "sg-0123"];
const RUNS = { numRuns: 400 };

// ---------------------------------------------------------------------------------------------------------------
// Independent arithmetic: BigInt addresses parsed from text, no product code.

function addressOf(text: string): bigint {
  return text.split(".").reduce((value, octet) => value * 256n + BigInt(octet), 0n);
}

/** [first, last] of `a.b.c.d/p` (or a bare address), by BigInt division rather than bit masks. */
function rangeOf(cidr: string): [bigint, bigint] {
  const [address = "", prefix = "32"] = cidr.split("/");
  const size = 2n ** BigInt(32 - Number(prefix));
  const first = (addressOf(address) / size) * size;
  return [first, first + size - 1n];
}

function prefixOf(cidr: string): number {
  return Number(cidr.split("/")[1] ?? "32");
}

function textOf(address: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) % 256n)).join(".");
}

/** Ports the rule opens as [first, last], or null for icmp/gre. */
function portsOf(rule: EgressRule): [number, number] | null {
  if (rule.IpProtocol === "all") return [1, 65535];
  if (rule.IpProtocol === "icmp" || rule.IpProtocol === "gre") return null;
  const [first, last] = rule.PortRange.split("/").map(Number);
  return [first ?? 0, last ?? 0];
}

/** True when a drop rule is exempt from the "what does it open" guardrails. */
function exempt(rule: EgressRule, policy: Policy): boolean {
  return rule.Policy === "drop" && policy.dropRulesAlwaysPass;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators.

const address = fc.oneof(
  fc.nat(0xffffffff).map((value) => textOf(BigInt(value))),
  fc.constantFrom("0.0.0.0", "10.0.0.0", "10.1.2.3", "10.128.0.0", "128.0.0.0", "192.168.1.1", "8.8.8.8"),
);

function cidrWith(prefix: fc.Arbitrary<number>): fc.Arbitrary<string> {
  return fc.tuple(address, prefix).map(([text, bits]) => {
    const [first] = rangeOf(`${text}/${bits}`);
    return `${textOf(first)}/${bits}`;
  });
}

const anyPrefix = fc.oneof(fc.constantFrom(0, 1, 7, 8, 16, 24, 32), fc.integer({ min: 0, max: 32 }));
const port = fc.integer({ min: 1, max: 65535 });
// Mostly narrow ranges over a few low ports (blocked ports live there too), so that rules often meet a blocked
// port or a span limit exactly at its edge, where off-by-one mistakes hide.
const portRange = fc.oneof(
  { arbitrary: fc.constant("1/65535"), weight: 1 },
  { arbitrary: port.map((p) => `${p}/${p}`), weight: 1 },
  { arbitrary: fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}/${Math.max(a, b)}`), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 9 }))
      .map(([a, w]) => `${a}/${a + w}`),
    weight: 4,
  },
);

const rule: fc.Arbitrary<EgressRule> = fc
  .record({
    SecurityGroupId: fc.constantFrom(...GROUPS),
    IpProtocol: fc.constantFrom(...PROTOCOLS),
    tcpPorts: portRange,
    DestCidrIp: fc.oneof(cidrWith(anyPrefix), fc.constant("0.0.0.0/0")),
    Policy: fc.constantFrom("accept" as const, "drop" as const),
    Priority: fc.integer({ min: 1, max: 100 }),
  })
  .map(({ tcpPorts, ...fields }) => ({
    ...fields,
    PortRange: fields.IpProtocol === "tcp" || fields.IpProtocol === "udp" ? tcpPorts : "-1/-1",
    SourcePortRange: fields.IpProtocol === "tcp" || fields.IpProtocol === "udp" ? "1/65535" : "-1/-1",
  }));

// Blocked ranges stay narrow (the oracle enumerates them port by port) and low, where the rules' ranges are.
const blockedSpec = fc.oneof(
  fc.integer({ min: 1, max: 30 }),
  fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 3 })).map(([a, w]) => `${a}/${a + w}`),
  port,
);
const blockedEntry = fc.oneof(
  blockedSpec,
  fc.record(
    {
      ports: blockedSpec,
      protocols: fc.subarray(["tcp", "udp"] as const, { minLength: 1 }),
      reason: fc.string(),
    },
    { requiredKeys: ["ports"] },
  ),
);

const policyDocument = fc.record(
  {
    allowedSecurityGroups: fc.constantFrom(["*"], ["sg-prod*"], ["sg-prodweb", "sg-dev1"]),
    allowedProtocols: fc.subarray(PROTOCOLS, { minLength: 1 }),
    maxPortSpan: fc.oneof(
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 65535 }),
      fc.constant(65535),
    ),
    blockedPorts: fc.array(blockedEntry, { maxLength: 4 }),
    deniedDestinations: fc.array(
      fc.record(
        {
          cidr: cidrWith(fc.integer({ min: 1, max: 32 })),
          protocols: fc.subarray(PROTOCOLS, { minLength: 1 }),
        },
        { requiredKeys: ["cidr"] },
      ),
      { maxLength: 3 },
    ),
    destinationAllowLists: fc.dictionary(
      fc.constantFrom("*", "sg-prod*", "sg-proddb", "sg-dev1"),
      fc.array(cidrWith(anyPrefix), { minLength: 1, maxLength: 3 }),
      { maxKeys: 2 },
    ),
    worldOpen: fc.record(
      {
        widerThanPrefix: fc.integer({ min: 1, max: 32 }),
        allowedProtocols: fc.subarray(["tcp", "udp", "icmp", "gre"] as const),
        // Small spans meet the generated rules' ranges often, so the boundary (span == max) gets exercised.
        maxPortSpan: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 65534 })),
      },
      { requiredKeys: [] },
    ),
    dropRulesAlwaysPass: fc.boolean(),
    requireTicketFor: fc.subarray(ORIGINS),
    priority: fc
      .tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }))
      .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
  },
  { requiredKeys: [] },
);

/** A random document, parsed; documents the parser refuses (deny entries that cover the world) are skipped. */
const policy = policyDocument.map((document) => {
  try {
    return parsePolicy({ version: 1, ...document }, "property");
  } catch (error) {
    if (error instanceof PolicyConfigError) return null;
    throw error;
  }
});

const context = fc.record({
  origin: fc.constantFrom(...ORIGINS),
  ticket: fc.option(fc.constantFrom("SEC-1", "", "  "), { nil: null }),
});

function decide(
  r: EgressRule,
  p: Policy,
  c: { origin: RequestOrigin; ticket: string | null },
  mode = "enforce",
) {
  const meta = { TicketId: c.ticket, RequestedBy: null, Reason: null, DryRun: false };
  return evaluatePolicy(r, { meta, origin: c.origin }, p, mode as "enforce" | "audit-only");
}

function guardrailsOf(decision: { violations: Array<{ guardrail: string }> }): string[] {
  return decision.violations.map((violation) => violation.guardrail);
}

// ---------------------------------------------------------------------------------------------------------------
// Oracles, one per guardrail the issue singles out.

/** The world-open oracle: a destination at least as wide as the policy's "internet" threshold, opened too far. */
function worldOracle(r: EgressRule, p: Policy): boolean {
  if (exempt(r, p) || prefixOf(r.DestCidrIp) >= p.worldOpen.widerThanPrefix) return false;
  if (r.IpProtocol === "all") return true;
  if (!(p.worldOpen.allowedProtocols as string[]).includes(r.IpProtocol)) return true;
  const ports = portsOf(r);
  return ports !== null && ports[1] - ports[0] + 1 > p.worldOpen.maxPortSpan;
}

/** The blocked-port oracle: enumerate every port of every applicable blocked entry. */
function blockedOracle(r: EgressRule, p: Policy): boolean {
  const ports = portsOf(r);
  if (exempt(r, p) || ports === null) return false;
  return p.blockedPorts.some((entry) => {
    const spec = typeof entry === "object" ? entry.ports : entry;
    const protocols = typeof entry === "object" && entry.protocols ? entry.protocols : ["tcp", "udp"];
    if (r.IpProtocol !== "all" && !(protocols as string[]).includes(r.IpProtocol)) return false;
    const [first, last] = typeof spec === "number" ? [spec, spec] : spec.split("/").map(Number);
    for (let blocked = first ?? 0; blocked <= (last ?? -1); blocked++) {
      if (blocked >= ports[0] && blocked <= ports[1]) return true;
    }
    return false;
  });
}

/** The deny oracle: BigInt interval overlap with any applicable entry. */
function deniedOracle(r: EgressRule, p: Policy): boolean {
  if (exempt(r, p)) return false;
  const [first, last] = rangeOf(r.DestCidrIp);
  return p.deniedDestinations.some((entry) => {
    const applies =
      entry.protocols === undefined ||
      r.IpProtocol === "all" ||
      entry.protocols.includes("all") ||
      entry.protocols.includes(r.IpProtocol);
    const [deniedFirst, deniedLast] = rangeOf(entry.cidr);
    return applies && first <= deniedLast && deniedFirst <= last;
  });
}

describe("evaluatePolicy against independent oracles", () => {
  it("refuses exactly the world-open rules the oracle refuses", () => {
    fc.assert(
      fc.property(rule, policy, context, (r, p, c) => {
        fc.pre(p !== null);
        const names = guardrailsOf(decide(r, p, c));
        expect(names.includes("WorldOpenEgress")).toBe(worldOracle(r, p));
      }),
      RUNS,
    );
  });

  it("never allows a rule that opens every port to 0.0.0.0/0, whatever the policy says", () => {
    const everyPortToWorld = fc.record({
      r: rule.map((r) =>
        r.IpProtocol === "all"
          ? { ...r, DestCidrIp: "0.0.0.0/0", Policy: "accept" as const }
          : {
              ...r,
              IpProtocol: "tcp" as const,
              PortRange: "1/65535",
              DestCidrIp: "0.0.0.0/0",
              Policy: "accept" as const,
            },
      ),
    });
    fc.assert(
      fc.property(everyPortToWorld, policy, context, ({ r }, p, c) => {
        fc.pre(p !== null);
        const decision = decide(r, p, c);
        expect(decision.allowed).toBe(false);
        expect(guardrailsOf(decision)).toContain("WorldOpenEgress");
      }),
      RUNS,
    );
  });

  it("refuses exactly the rules that open a blocked port", () => {
    fc.assert(
      fc.property(rule, policy, context, (r, p, c) => {
        fc.pre(p !== null);
        expect(guardrailsOf(decide(r, p, c)).includes("BlockedPort")).toBe(blockedOracle(r, p));
      }),
      RUNS,
    );
  });

  it("refuses exactly the rules whose destination overlaps a denied block", () => {
    fc.assert(
      fc.property(rule, policy, context, (r, p, c) => {
        fc.pre(p !== null);
        expect(guardrailsOf(decide(r, p, c)).includes("DeniedDestination")).toBe(deniedOracle(r, p));
      }),
      RUNS,
    );
  });

  it("refuses exactly the rules whose destination has an address outside a matching allow list", () => {
    // Destinations of /24 or narrower, near the allow-list blocks, so the oracle can check every address.
    const near = (prefix: fc.Arbitrary<number>) =>
      fc.tuple(fc.integer({ min: 0, max: 4095 }), prefix).map(([offset, bits]) => {
        const [first] = rangeOf(`${textOf(addressOf("10.0.0.0") + BigInt(offset))}/${bits}`);
        return `${textOf(first)}/${bits}`;
      });
    const scenario = fc.record({
      group: fc.constantFrom(...GROUPS),
      destination: near(fc.integer({ min: 24, max: 32 })),
      lists: fc.dictionary(
        fc.constantFrom("*", "sg-prod*", "sg-proddb", "sg-0123"),
        fc.array(near(fc.integer({ min: 20, max: 32 })), { minLength: 1, maxLength: 4 }),
        { maxKeys: 3 },
      ),
    });
    fc.assert(
      fc.property(scenario, ({ group, destination, lists }) => {
        const p = parsePolicy({ version: 1, destinationAllowLists: lists }, "property");
        const r: EgressRule = { ...baseRule(), SecurityGroupId: group, DestCidrIp: destination };
        const [first, last] = rangeOf(destination);
        const oracle = Object.entries(lists).some(([key, cidrs]) => {
          const applies = key.endsWith("*") ? group.startsWith(key.slice(0, -1)) : group === key;
          if (!applies) return false;
          for (let a = first; a <= last; a++) {
            const inside = cidrs.some((cidr) => {
              const [listFirst, listLast] = rangeOf(cidr);
              return listFirst <= a && a <= listLast;
            });
            if (!inside) return true;
          }
          return false;
        });
        expect(
          guardrailsOf(decide(r, p, { origin: "operator", ticket: null })).includes("DestinationNotAllowed"),
        ).toBe(oracle);
      }),
      RUNS,
    );
  });
});

describe("modes and monotonicity", () => {
  it("enforce allows exactly when nothing is violated; audit-only always allows and reports the same", () => {
    fc.assert(
      fc.property(rule, policy, context, (r, p, c) => {
        fc.pre(p !== null);
        const enforce = decide(r, p, c);
        const audit = decide(r, p, c, "audit-only");
        expect(enforce.allowed).toBe(enforce.violations.length === 0);
        expect(audit.allowed).toBe(true);
        expect(audit.mode).toBe("audit-only");
        expect(audit.violations).toEqual(enforce.violations);
        expect(new Set(guardrailsOf(enforce)).size).toBe(enforce.violations.length);
      }),
      RUNS,
    );
  });

  it("a stricter policy never allows more: adding a blocked port or a denied block only adds refusals", () => {
    fc.assert(
      fc.property(
        rule,
        policyDocument,
        blockedEntry,
        cidrWith(fc.integer({ min: 1, max: 32 })),
        context,
        (r, document, extraPort, extraCidr, c) => {
          let loose: Policy;
          let strict: Policy;
          try {
            loose = parsePolicy({ version: 1, ...document }, "loose");
            strict = parsePolicy(
              {
                version: 1,
                ...document,
                blockedPorts: [...(document.blockedPorts ?? []), extraPort],
                deniedDestinations: [...(document.deniedDestinations ?? []), { cidr: extraCidr }],
              },
              "strict",
            );
          } catch (error) {
            if (error instanceof PolicyConfigError) return fc.pre(false);
            throw error;
          }
          const before = guardrailsOf(decide(r, loose, c));
          const after = guardrailsOf(decide(r, strict, c));
          for (const name of before) expect(after).toContain(name);
        },
      ),
      RUNS,
    );
  });
});

describe("parsePolicy is total", () => {
  it("either returns a policy or throws a PolicyConfigError with worded issues, for any JSON value", () => {
    const mutated = fc
      .tuple(
        policyDocument,
        fc.constantFrom("maxPortSpan", "blockedPorts", "worldOpen", "priority", "typo"),
        fc.jsonValue(),
      )
      .map(([document, key, value]) => ({ version: 1, ...document, [key]: value }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (document) => {
        try {
          const parsed = parsePolicy(document, "fuzz");
          expect(parsed.version).toBe(1);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyConfigError);
          const issues = (error as PolicyConfigError).issues;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(issue.message).toMatch(/\S/);
        }
      }),
      RUNS,
    );
  });
});

function baseRule(): EgressRule {
  return {
    SecurityGroupId: "sg-prodweb",
    IpProtocol: "tcp",
    PortRange: "443/443",
    DestCidrIp: "10.0.0.0/8",
    Policy: "accept",
    Priority: 1,
    SourcePortRange: "1/65535",
  };
}
