/**
 * Property tests of the guardrails over a group's state. Rules are added one by one to a group, each only if the
 * guardrails allow it given what is already there. An oracle written independently of the product code (buckets of
 * /10 networks and a port-by-port table, no interval arithmetic) says whether a group state crosses a line that no
 * single rule may cross. Two properties follow:
 * - the split invariant: no sequence of individually allowed rules reaches a state the oracle calls crossed;
 * - no over-refusal: a rule is refused exactly when adding it would cross the line, so ordinary rules still pass.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluatePolicy, type Policy, parsePolicy } from "#shared/domain/policy.ts";
import type { EgressRule, IpProtocol } from "#shared/domain/types.ts";

const GROUP = "sg-split0001";
const CONTEXT = {
  meta: { TicketId: null, RequestedBy: null, Reason: null, DryRun: false },
  origin: "operator",
} as const;

// ---------------------------------------------------------------------------------------------------------------
// The oracle. Every generated destination is a block of prefix 0-6, so it covers whole /6 buckets (64 of them,
// 2^26 addresses each). Ports are 1-16 one by one, plus one cell standing for 17-65535 that only `1/65535` covers.

const BUCKETS = 64;
const BUCKET_ADDRESSES = 2 ** 26;
const PORT_CELLS = [
  ...Array.from({ length: 16 }, (_, i) => ({ port: i + 1, weight: 1 })),
  { port: 65, weight: 65519 },
];

// Not the internet (RFC 6890 special-purpose blocks), as [first octet, second octet, third octet, prefix].
const SPECIAL: Array<[number, number, number, number]> = [
  [0, 0, 0, 8],
  [10, 0, 0, 8],
  [100, 64, 0, 10],
  [127, 0, 0, 8],
  [169, 254, 0, 16],
  [172, 16, 0, 12],
  [192, 0, 0, 24],
  [192, 0, 2, 24],
  [192, 168, 0, 16],
  [198, 18, 0, 15],
  [198, 51, 100, 24],
  [203, 0, 113, 24],
  [224, 0, 0, 4],
  [240, 0, 0, 4],
];

/** Addresses of a bucket that are not the internet, by BigInt overlap of the bucket with each special block. */
const SPECIAL_IN_BUCKET = Array.from({ length: 64 }, (_, bucket) => {
  const first = BigInt(bucket) * 2n ** 26n;
  const last = first + 2n ** 26n - 1n;
  let total = 0n;
  for (const [a, b, c, prefix] of SPECIAL) {
    const start = ((BigInt(a) * 256n + BigInt(b)) * 256n + BigInt(c)) * 256n;
    const end = start + 2n ** BigInt(32 - prefix) - 1n;
    const from = start > first ? start : first;
    const to = end < last ? end : last;
    if (to >= from) total += to - from + 1n;
  }
  return Number(total);
});

/** The internet, for a set of buckets: a whole aligned block wider than /w, or more public addresses than a /w. */
function isInternet(buckets: Set<number>, widerThanPrefix: number): boolean {
  const blockBuckets = 2 ** (7 - widerThanPrefix);
  for (let start = 0; start < BUCKETS; start += blockBuckets) {
    if (Array.from({ length: blockBuckets }, (_, i) => start + i).every((b) => buckets.has(b))) return true;
  }
  let publicAddresses = 0;
  for (const b of buckets) publicAddresses += BUCKET_ADDRESSES - SPECIAL_IN_BUCKET[b]!;
  return publicAddresses > 2 ** (32 - widerThanPrefix);
}

function bucketsOf(rule: EgressRule): number[] {
  const [address = "", prefix = "32"] = rule.DestCidrIp.split("/");
  const first = Math.floor(Number(address.split(".")[0]) / 4);
  return Array.from({ length: 2 ** (6 - Number(prefix)) }, (_, i) => first + i);
}

/** True when the rule opens `protocol` on `port` (port 65 stands for 17-65535; icmp/gre use port 0). */
function opens(rule: EgressRule, protocol: string, port: number): boolean {
  if (rule.Policy === "drop") return false;
  if (rule.IpProtocol === "all") return true;
  if (rule.IpProtocol !== protocol) return false;
  if (protocol === "icmp" || protocol === "gre") return true;
  const [first = 0, last = 0] = rule.PortRange.split("/").map(Number);
  return port === 65 ? last === 65535 : first <= port && port <= last;
}

/** What the state crosses, in words, or [] when it crosses nothing. */
function oracle(rules: readonly EgressRule[], policy: Policy): string[] {
  const crossed: string[] = [];
  const w = policy.worldOpen.widerThanPrefix;
  const reach = (protocol: string, port: number) => {
    const buckets = new Set<number>();
    for (const rule of rules)
      if (opens(rule, protocol, port)) for (const b of bucketsOf(rule)) buckets.add(b);
    return buckets;
  };
  for (const protocol of ["tcp", "udp"]) {
    let worldPorts = 0;
    for (const cell of PORT_CELLS) if (isInternet(reach(protocol, cell.port), w)) worldPorts += cell.weight;
    if (worldPorts > 0 && !(policy.worldOpen.allowedProtocols as string[]).includes(protocol))
      crossed.push(`${protocol} world`);
    if (worldPorts > policy.worldOpen.maxPortSpan) crossed.push(`${protocol} ${worldPorts} world ports`);
    const covered = rules.map((rule) => new Set(bucketsOf(rule)));
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      let open = 0;
      for (const cell of PORT_CELLS) {
        if (rules.some((rule, i) => opens(rule, protocol, cell.port) && covered[i]!.has(bucket)))
          open += cell.weight;
      }
      if (open > policy.maxPortSpan) {
        crossed.push(`${protocol} ${open} ports to bucket ${bucket}`);
        break;
      }
    }
  }
  for (const protocol of ["icmp", "gre"]) {
    const world = isInternet(reach(protocol, 0), w);
    if (world && !(policy.worldOpen.allowedProtocols as string[]).includes(protocol))
      crossed.push(`${protocol} world`);
  }
  return crossed;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators.

const destination = fc
  .integer({ min: 0, max: 6 })
  .chain((prefix) =>
    fc
      .integer({ min: 0, max: 2 ** prefix - 1 })
      .map((index) => `${index * 2 ** (6 - prefix) * 4}.0.0.0/${prefix}`),
  );

const ports = fc.oneof(
  fc.constant("1/65535"),
  fc
    .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 6 }))
    .map(([first, extra]) => `${first}/${Math.min(16, first + extra)}`),
);

const rule: fc.Arbitrary<EgressRule> = fc
  .record({
    protocol: fc.constantFrom<IpProtocol>("tcp", "udp", "icmp", "gre", "all"),
    ports,
    destination,
    drop: fc.boolean().map((b) => b && Math.random() < 0.2),
  })
  .map(({ protocol, ports: range, destination: cidr, drop }) => ({
    SecurityGroupId: GROUP,
    IpProtocol: protocol,
    PortRange: protocol === "tcp" || protocol === "udp" ? range : "-1/-1",
    DestCidrIp: cidr,
    Policy: drop ? "drop" : "accept",
    Priority: 1,
    SourcePortRange: protocol === "tcp" || protocol === "udp" ? "1/65535" : "-1/-1",
  }));

const policy: fc.Arbitrary<Policy> = fc
  .record({
    widerThanPrefix: fc.integer({ min: 1, max: 6 }),
    allowedProtocols: fc.subarray(["tcp", "udp", "icmp", "gre"] as const),
    worldMax: fc.integer({ min: 1, max: 20 }),
    maxPortSpan: fc.oneof(fc.constant(65535), fc.integer({ min: 1, max: 20 })),
  })
  .map((p) =>
    parsePolicy(
      {
        version: 1,
        maxPortSpan: p.maxPortSpan,
        worldOpen: {
          widerThanPrefix: p.widerThanPrefix,
          allowedProtocols: p.allowedProtocols,
          maxPortSpan: p.worldMax,
        },
      },
      "property",
    ),
  );

/** Adds the rules one by one, each only when the guardrails allow it on the group as it is. */
function applyInOrder(rules: readonly EgressRule[], p: Policy) {
  const group: EgressRule[] = [];
  const verdicts: Array<{ rule: EgressRule; allowed: boolean; before: EgressRule[] }> = [];
  for (const candidate of rules) {
    const decision = evaluatePolicy(candidate, CONTEXT, p, "enforce", group);
    verdicts.push({ rule: candidate, allowed: decision.allowed, before: [...group] });
    if (decision.allowed) group.push(candidate);
  }
  return { group, verdicts };
}

describe("guardrails over a group's state", () => {
  it("no sequence of individually allowed rules reaches a state that crosses a line", () => {
    fc.assert(
      fc.property(policy, fc.array(rule, { minLength: 1, maxLength: 25 }), (p, rules) => {
        const { group } = applyInOrder(rules, p);
        expect(oracle(group, p)).toEqual([]);
      }),
      { numRuns: 250 },
    );
  });

  it("refuses a rule exactly when adding it would cross a line (no over-refusal), and both verdicts occur", () => {
    let allowed = 0;
    let refused = 0;
    fc.assert(
      fc.property(policy, fc.array(rule, { minLength: 1, maxLength: 25 }), (p, rules) => {
        for (const verdict of applyInOrder(rules, p).verdicts) {
          expect(verdict.allowed).toBe(oracle([...verdict.before, verdict.rule], p).length === 0);
          if (verdict.allowed) allowed++;
          else refused++;
        }
      }),
      { numRuns: 250 },
    );
    expect(allowed).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it("names the rules already in the group that, with the new one, cross the line", () => {
    const p = parsePolicy({ version: 1 }, "default");
    const slash8 = (first: number, protocol: IpProtocol = "all"): EgressRule => ({
      SecurityGroupId: GROUP,
      IpProtocol: protocol,
      PortRange: protocol === "tcp" ? "1/65535" : "-1/-1",
      DestCidrIp: `${first}.0.0.0/8`,
      Policy: "accept",
      Priority: 1,
      SourcePortRange: protocol === "tcp" ? "1/65535" : "-1/-1",
    });
    // 10.0.0.0/8 alone is not the internet under the default policy; 10/8 and 11/8 together are a /7.
    expect(evaluatePolicy(slash8(192, "all"), CONTEXT, p, "enforce", [slash8(10)]).allowed).toBe(true);
    expect(evaluatePolicy(slash8(10), CONTEXT, p, "enforce", []).allowed).toBe(true);
    const decision = evaluatePolicy(slash8(11), CONTEXT, p, "enforce", [slash8(10)]);
    expect(decision.allowed).toBe(false);
    expect(decision.violations[0]?.guardrail).toBe("WorldOpenEgress");
    expect(decision.violations[0]?.reason).toMatch(
      /together with 1 other rule of sg-split0001 \(all to 10\.0\.0\.0\/8\)/,
    );
    const tcp = evaluatePolicy(slash8(13, "tcp"), CONTEXT, p, "enforce", [slash8(12, "tcp")]);
    expect(tcp.violations.map((v) => v.guardrail)).toEqual(["WorldOpenEgress"]);
    expect(tcp.violations[0]?.reason).toMatch(
      /: 65535 tcp ports \(worldOpen.maxPortSpan allows at most 16\)$/,
    );
  });

  it("lets an ordinary internal rule through next to any number of other internal rules", () => {
    const p = parsePolicy({ version: 1 }, "default");
    const existing: EgressRule[] = Array.from({ length: 150 }, (_, i) => ({
      SecurityGroupId: GROUP,
      IpProtocol: i % 2 === 0 ? "tcp" : "udp",
      PortRange: `${1000 + i}/${1000 + i}`,
      DestCidrIp: `10.${i}.0.0/16`,
      Policy: "accept",
      Priority: 1,
      SourcePortRange: "1/65535",
    }));
    const rule443: EgressRule = { ...existing[0]!, PortRange: "443/443", DestCidrIp: "10.200.0.0/16" };
    expect(evaluatePolicy(rule443, CONTEXT, p, "enforce", existing)).toMatchObject({
      allowed: true,
      violations: [],
    });
  });

  it("on a group already past a line (changed by hand), refuses only rules that make it worse", () => {
    const p = parsePolicy({ version: 1, maxPortSpan: 100, worldOpen: { maxPortSpan: 500 } }, "strict");
    const tcp = (ports: string, cidr = "10.0.0.0/8"): EgressRule => ({
      SecurityGroupId: GROUP,
      IpProtocol: "tcp",
      PortRange: ports,
      DestCidrIp: cidr,
      Policy: "accept",
      Priority: 1,
      SourcePortRange: "1/65535",
    });
    const byHand = [tcp("1/200")];
    expect(evaluatePolicy(tcp("1/50"), CONTEXT, p, "enforce", byHand).allowed).toBe(true);
    expect(evaluatePolicy(tcp("1/50", "192.168.0.0/16"), CONTEXT, p, "enforce", byHand).allowed).toBe(true);
    const worse = evaluatePolicy(tcp("300/310"), CONTEXT, p, "enforce", byHand);
    expect(worse.violations.map((v) => v.guardrail)).toEqual(["PortSpanTooWide"]);
    expect(worse.violations[0]?.reason).toMatch(/211 tcp ports/);
  });
});
