/**
 * Destination-port arithmetic for the guardrails: which ports a rule opens, and the `23` / `"135/139"` port
 * notation of the policy document, which reuses the ENS `PortRange` spelling so that one notation serves both.
 */
import { parsePortRange } from "./port-range.ts";
import type { EgressRule } from "./types.ts";

/** An inclusive interval of ports, 1-65535. */
export interface PortInterval {
  first: number;
  last: number;
}

/** The highest port number. */
export const MAX_PORT = 65535;

/** Every port: what protocol `all` opens, whatever its `PortRange` says. */
export const ALL_PORTS: PortInterval = { first: 1, last: MAX_PORT };

/** What a rule opens, port-wise: an interval, no ports at all (icmp, gre), or a `PortRange` that cannot be read. */
export type RulePorts = { kind: "ports"; ports: PortInterval } | { kind: "none" } | { kind: "invalid" };

/** Parses `first/last` (1-65535, first <= last), the ENS `PortRange` notation for tcp and udp, or returns null. */
export function parsePortInterval(text: string): PortInterval | null {
  const bounds = parsePortRange(text);
  return bounds === null ? null : { first: bounds.start, last: bounds.end };
}

/** Parses a policy port: an integer port, or a `first/last` string; null when it is neither. */
export function parsePortSpec(spec: number | string): PortInterval | null {
  if (typeof spec === "string") return parsePortInterval(spec);
  return Number.isInteger(spec) && spec >= 1 && spec <= MAX_PORT ? { first: spec, last: spec } : null;
}

/** The destination ports a rule opens. Protocol `all` opens every port of every protocol, so it counts as 1-65535. */
export function rulePorts(rule: Pick<EgressRule, "IpProtocol" | "PortRange">): RulePorts {
  switch (rule.IpProtocol) {
    case "all":
      return { kind: "ports", ports: ALL_PORTS };
    case "icmp":
    case "gre":
      return { kind: "none" };
    case "tcp":
    case "udp": {
      const ports = parsePortInterval(rule.PortRange);
      return ports === null ? { kind: "invalid" } : { kind: "ports", ports };
    }
    default:
      return { kind: "invalid" };
  }
}

/** Number of ports in an interval. */
export function portSpan(ports: PortInterval): number {
  return ports.last - ports.first + 1;
}

/** True when the two intervals share a port. */
export function portsOverlap(a: PortInterval, b: PortInterval): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** Formats an interval the way the policy writes it: `23` for one port, `135/139` for a range. */
export function formatPorts(ports: PortInterval): string {
  return ports.first === ports.last ? String(ports.first) : `${ports.first}/${ports.last}`;
}
