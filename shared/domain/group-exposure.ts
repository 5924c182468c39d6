/**
 * Guardrails judged on the state a group would be in, not on one rule alone. A rule that passes on its own can
 * still, together with the rules already in the group (and the earlier rules of the same delivery), open what no
 * single rule may: 256 `/8` rules of protocol `all` are `0.0.0.0/0`. So exposure is measured on the union.
 *
 * The model: every accept rule covers a rectangle of (destination port x destination address) in each protocol
 * it opens (`all` opens tcp and udp on every port, and icmp and gre). Drop rules are ignored: they never widen
 * exposure, and they are not counted as narrowing it either, because ENS orders rules by priority and a drop can
 * be removed later by anyone with console access; the guardrails stay on the safe side of both.
 *
 * - World-open: for one rule, a destination wider than `/worldOpen.widerThanPrefix` (N) counts as the internet.
 *   For a union of destinations, either of two things makes it the internet: it holds a whole block wider than /N
 *   (so two rules never open together what one rule may not), or it holds more public addresses than a /N block
 *   has (so the internet cut into pieces that are not aligned, every other /8 say, is still the internet). Ranges
 *   that are not the internet (RFC 6890: private, loopback, link-local, shared, documentation, multicast and
 *   reserved space) do not count as public, so 10.0.0.0/8 next to 192.168.0.0/16 stays internal. A protocol port
 *   is world-open when the rules that open it together reach the internet. A group may have at most
 *   `worldOpen.maxPortSpan` world-open ports per protocol, and world-open icmp/gre/tcp/udp only when
 *   `worldOpen.allowedProtocols` lists them.
 * - Port span: no destination address may have more than `maxPortSpan` tcp (or udp) ports open to it.
 *
 * Either is refused only when the new rule makes it worse, so a group that was already past a line (changed by
 * hand) does not block rules that add nothing to that exposure. The invariant, proven by property tests: no
 * sequence of individually allowed rules reaches a state that a single rule would be refused for.
 */
import { blockRange, parseCidr } from "./ipv4.ts";
import type { Policy } from "./policy-default.ts";
import { ALL_PORTS, MAX_PORT, type PortInterval, rulePorts } from "./policy-ports.ts";
import type { EgressRule, PolicyViolation } from "./types.ts";
import { groupDigits } from "./validation-text.ts";

type Cell = "tcp" | "udp" | "icmp" | "gre";

/** What one accept rule opens in one protocol: ports (tcp/udp only) times an address interval. */
interface Footprint {
  rule: EgressRule;
  cell: Cell;
  ports: PortInterval;
  first: number;
  last: number;
}

/** Protocols without ports are modelled with a single pseudo-port, so one sweep serves every protocol. */
const NO_PORTS: PortInterval = { first: 1, last: 1 };

function footprints(rule: EgressRule): Footprint[] {
  if (rule.Policy === "drop") return [];
  const parsed = parseCidr(rule.DestCidrIp);
  // A destination the guardrails cannot read is counted as the whole address space: fail closed.
  const { first, last } = parsed.ok ? blockRange(parsed.block) : { first: 0, last: 2 ** 32 - 1 };
  const at = (cell: Cell, ports: PortInterval): Footprint => ({ rule, cell, ports, first, last });
  switch (rule.IpProtocol) {
    case "all":
      return [at("tcp", ALL_PORTS), at("udp", ALL_PORTS), at("icmp", NO_PORTS), at("gre", NO_PORTS)];
    case "tcp":
    case "udp": {
      const ports = rulePorts(rule);
      return [at(rule.IpProtocol, ports.kind === "ports" ? ports.ports : ALL_PORTS)];
    }
    default:
      return [at(rule.IpProtocol, NO_PORTS)];
  }
}

interface Interval {
  first: number;
  last: number;
}

/** The union of inclusive intervals as sorted, disjoint intervals. */
function merge(intervals: readonly Interval[]): Interval[] {
  const merged: Interval[] = [];
  for (const { first, last } of [...intervals].sort((a, b) => a.first - b.first)) {
    const previous = merged.at(-1);
    if (previous !== undefined && first <= previous.last + 1) previous.last = Math.max(previous.last, last);
    else merged.push({ first, last });
  }
  return merged;
}

/** Size of the union of inclusive intervals. */
function unionSize(intervals: readonly Interval[]): number {
  return merge(intervals).reduce((total, { first, last }) => total + last - first + 1, 0);
}

/** IPv4 space that is not the internet: the RFC 6890 special-purpose blocks that are not globally reachable. */
const NOT_INTERNET: readonly Interval[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
].map((cidr) => {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) throw new Error(`bad constant ${cidr}`);
  return blockRange(parsed.block);
});

/** True when a union of destinations counts as the internet for `/widerThanPrefix` (see the file comment). */
function reachesInternet(intervals: readonly Interval[], widerThanPrefix: number): boolean {
  const limit = 2 ** (32 - widerThanPrefix);
  const wide = limit * 2;
  let publicAddresses = 0;
  for (const { first, last } of merge(intervals)) {
    const aligned = Math.ceil(first / wide) * wide;
    if (aligned + wide - 1 <= last) return true;
    publicAddresses += last - first + 1;
    for (const special of NOT_INTERNET) {
      const overlap = Math.min(last, special.last) - Math.max(first, special.first) + 1;
      if (overlap > 0) publicAddresses -= overlap;
    }
  }
  return publicAddresses > limit;
}

/** Sorted distinct cut points that split `[lo, hi]` into pieces on which every interval is all-in or all-out. */
function cutPoints(intervals: readonly Interval[], lo: number, hi: number): number[] {
  const cuts = new Set([lo, hi + 1]);
  for (const { first, last } of intervals) {
    if (first > lo && first <= hi) cuts.add(first);
    if (last + 1 > lo && last + 1 <= hi) cuts.add(last + 1);
  }
  return [...cuts].sort((a, b) => a - b);
}

const addressesOf = (footprint: Footprint) => ({ first: footprint.first, last: footprint.last });

function describeRule(rule: EgressRule): string {
  const ports = rule.IpProtocol === "tcp" || rule.IpProtocol === "udp" ? ` ${rule.PortRange}` : "";
  return `${rule.IpProtocol}${ports} to ${rule.DestCidrIp}`;
}

/** Names the group's other rules (in ENS, or earlier in this delivery) that take part in a refusal, five at most. */
function namedRules(contributors: Iterable<Footprint>, groupId: string): string {
  const rules = [...new Set([...contributors].map((footprint) => footprint.rule))];
  const shown = rules.slice(0, 5).map(describeRule).join(", ");
  const more = rules.length > 5 ? ` and ${rules.length - 5} more` : "";
  const noun = rules.length === 1 ? "rule" : "rules";
  return `together with ${rules.length} other ${noun} of ${groupId} (${shown}${more})`;
}

/** World-open exposure of one protocol that the candidate makes worse, or null. */
function worldOpenProblem(
  candidate: Footprint,
  existing: Footprint[],
  policy: Policy,
): { contributors: Set<Footprint>; clause: string } | null {
  const world = policy.worldOpen;
  const limit = 2 ** (32 - world.widerThanPrefix);
  const isInternet = (intervals: Interval[]) => reachesInternet(intervals, world.widerThanPrefix);
  // Fast path, the common case: both ways of reaching the internet need more than `limit` addresses in all.
  if (unionSize([...existing.map(addressesOf), addressesOf(candidate)]) <= limit) return null;
  const hasPorts = candidate.cell === "tcp" || candidate.cell === "udp";
  const span = hasPorts ? { first: 1, last: MAX_PORT } : NO_PORTS;
  const cuts = cutPoints([...existing.map((f) => f.ports), candidate.ports], span.first, span.last);
  let worldBefore = 0;
  let newlyWorld = 0;
  const contributors = new Set<Footprint>();
  for (let i = 0; i + 1 < cuts.length; i++) {
    const port = cuts[i]!;
    const length = cuts[i + 1]! - port;
    const covering = existing.filter((f) => f.ports.first <= port && port <= f.ports.last);
    const inCandidate = candidate.ports.first <= port && port <= candidate.ports.last;
    if (isInternet(covering.map(addressesOf))) {
      worldBefore += length;
      for (const f of covering) contributors.add(f);
    } else if (inCandidate && isInternet([...covering.map(addressesOf), addressesOf(candidate)])) {
      newlyWorld += length;
      for (const f of covering) contributors.add(f);
    }
  }
  // Without a rule already in the group, the rule alone decides, and the single-rule guardrail judged that.
  if (newlyWorld === 0 || contributors.size === 0) return null;
  if (!(world.allowedProtocols as readonly string[]).includes(candidate.cell)) {
    return { contributors, clause: `${candidate.cell} (worldOpen.allowedProtocols does not list it)` };
  }
  const total = worldBefore + newlyWorld;
  if (hasPorts && total > world.maxPortSpan) {
    return {
      contributors,
      clause: `${total} ${candidate.cell} ports (worldOpen.maxPortSpan allows at most ${world.maxPortSpan})`,
    };
  }
  return null;
}

/** A destination address whose open ports the candidate pushes past `maxPortSpan`, or null. */
function portSpanProblem(candidate: Footprint, existing: Footprint[], policy: Policy, groupId: string) {
  const max = policy.maxPortSpan;
  const overlapping = existing.filter((f) => f.first <= candidate.last && candidate.first <= f.last);
  if (unionSize([...overlapping.map((f) => f.ports), candidate.ports]) <= max) return null;
  const cuts = cutPoints(overlapping.map(addressesOf), candidate.first, candidate.last);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const address = cuts[i]!;
    const covering = overlapping.filter((f) => f.first <= address && address <= f.last);
    if (covering.length === 0) continue;
    const before = unionSize(covering.map((f) => f.ports));
    const after = unionSize([...covering.map((f) => f.ports), candidate.ports]);
    if (after > max && after > before) {
      return `${namedRules(covering, groupId)}, this rule would open ${after} ${candidate.cell} ports to the same destinations; maxPortSpan allows at most ${max}`;
    }
  }
  return null;
}

/**
 * The violations a rule adds to a group that already holds `existing` (same group; accept and drop rules as ENS
 * lists them, plus earlier rules of this delivery). Guardrails named in `skip` (already refused for the rule
 * alone) are not evaluated again.
 * @example evaluateGroupState(rule, rulesInGroup, policy, new Set())[0]?.guardrail // "WorldOpenEgress"
 */
export function evaluateGroupState(
  rule: EgressRule,
  existing: readonly EgressRule[],
  policy: Policy,
  skip: ReadonlySet<string>,
): PolicyViolation[] {
  const candidates = footprints(rule);
  if (candidates.length === 0 || existing.length === 0) return [];
  const present = existing.flatMap(footprints);
  const world: Array<{ contributors: Set<Footprint>; clause: string }> = [];
  const span: string[] = [];
  for (const candidate of candidates) {
    const sameProtocol = present.filter((f) => f.cell === candidate.cell);
    if (sameProtocol.length === 0) continue;
    if (!skip.has("WorldOpenEgress")) {
      const problem = worldOpenProblem(candidate, sameProtocol, policy);
      if (problem !== null) world.push(problem);
    }
    const hasPorts = candidate.cell === "tcp" || candidate.cell === "udp";
    if (hasPorts && policy.maxPortSpan < MAX_PORT && !skip.has("PortSpanTooWide")) {
      const problem = portSpanProblem(candidate, sameProtocol, policy, rule.SecurityGroupId);
      if (problem !== null) span.push(problem);
    }
  }
  const violations: PolicyViolation[] = [];
  if (world.length > 0) {
    const { widerThanPrefix } = policy.worldOpen;
    const internet =
      `the internet (a block wider than /${widerThanPrefix}, or more than ` +
      `${groupDigits(2 ** (32 - widerThanPrefix))} public addresses in all: worldOpen.widerThanPrefix)`;
    const together = namedRules(
      world.flatMap((problem) => [...problem.contributors]),
      rule.SecurityGroupId,
    );
    const clauses = world.map((problem) => problem.clause).join("; ");
    violations.push({
      guardrail: "WorldOpenEgress",
      reason: `${together}, this rule would open to ${internet}: ${clauses}`,
    });
  }
  if (span.length > 0) violations.push({ guardrail: "PortSpanTooWide", reason: span.join("; ") });
  return violations;
}
