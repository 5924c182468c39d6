/**
 * Reads the egress rules out of a `DescribeSecurityGroupAttribute` answer. ENS wraps the list as
 * `Permissions.Permission` (the JSON mirror of its XML form) and spells values as its console shows them (`TCP`,
 * `Accept`), so every value is normalised to the spelling the request uses before any comparison. Anything that
 * cannot be read is widened, never dropped: the guardrails must see at least as much exposure as the group has.
 * See docs/ens-api.md for the answer's shape.
 */
import {
  ALL_PORTS_RANGE,
  ANY_PORT_RANGE,
  parsePortRange,
  protocolHasPorts,
} from "../../domain/port-range.ts";
import type { EgressRule, IpProtocol } from "../../domain/types.ts";

const PROTOCOLS: readonly IpProtocol[] = ["tcp", "udp", "icmp", "gre", "all"];

function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  return typeof value === "number" ? String(value) : null;
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return typeof value === "object" && value !== null ? [value] : [];
}

/** A port range as ENS stores it for this protocol; unreadable tcp/udp ranges count as every port. */
function portRange(value: unknown, protocol: IpProtocol): string {
  if (!protocolHasPorts(protocol)) return ANY_PORT_RANGE;
  const range = text(value);
  const bounds = range === null ? null : parsePortRange(range);
  return bounds === null ? ALL_PORTS_RANGE : `${bounds.start}/${bounds.end}`;
}

/** One `Permission` entry as an egress rule, or null when it is not an IPv4 egress rule. */
function readPermission(entry: unknown, securityGroupId: string): EgressRule | null {
  if (typeof entry !== "object" || entry === null) return null;
  const permission = entry as Record<string, unknown>;
  const direction = text(permission.Direction)?.toLowerCase();
  if (direction !== undefined && direction !== "egress") return null;
  const destination = text(permission.DestCidrIp);
  // IPv6 rules (Ipv6DestCidrIp) cannot widen IPv4 exposure, and ingress rules carry SourceCidrIp instead.
  if (destination === null || destination === "") return null;
  const protocolText = text(permission.IpProtocol)?.toLowerCase();
  // An unknown protocol is read as `all`: it may open anything.
  const protocol = PROTOCOLS.find((value) => value === protocolText) ?? "all";
  const priority = Number(text(permission.Priority) ?? 1);
  return {
    SecurityGroupId: securityGroupId,
    IpProtocol: protocol,
    PortRange: portRange(permission.PortRange, protocol),
    DestCidrIp: destination,
    // Anything but an explicit drop may let traffic out.
    Policy: text(permission.Policy)?.toLowerCase() === "drop" ? "drop" : "accept",
    Priority: Number.isInteger(priority) ? priority : 1,
    SourcePortRange: portRange(permission.SourcePortRange, protocol),
  };
}

/**
 * The egress rules of a `DescribeSecurityGroupAttribute` answer body, normalised.
 * @example readGroupEgressRules({ Permissions: { Permission: [{ Direction: "egress", IpProtocol: "TCP", ... }] } }, "sg-1")
 */
export function readGroupEgressRules(body: Record<string, unknown>, securityGroupId: string): EgressRule[] {
  const permissions = body.Permissions;
  const entries =
    typeof permissions === "object" && permissions !== null && !Array.isArray(permissions)
      ? asList((permissions as Record<string, unknown>).Permission)
      : asList(permissions);
  return entries.flatMap((entry) => {
    const rule = readPermission(entry, securityGroupId);
    return rule === null ? [] : [rule];
  });
}
