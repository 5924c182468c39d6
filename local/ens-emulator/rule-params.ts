import { EnsEmulatorError, invalidParameterError, missingParameterError } from "./errors.ts";
import { formatIpv4Block, parseIpv4Block } from "./ipv4.ts";

/** Which way a rule points: egress rules carry `DestCidrIp`, ingress rules `SourceCidrIp`. */
export type Direction = "egress" | "ingress";

/** A validated rule with every default filled in; `cidrKey` is the normalised network used for identity. */
export interface RuleParams {
  direction: Direction;
  SecurityGroupId: string;
  IpProtocol: string;
  PortRange: string;
  SourcePortRange: string;
  Policy: string;
  Priority: number;
  /** `DestCidrIp` (egress) or `SourceCidrIp` (ingress), exactly as sent. */
  cidr: string;
  cidrKey: string;
}

const PROTOCOLS = new Set(["tcp", "udp", "icmp", "gre", "all"]);
const POLICIES = new Set(["accept", "drop"]);
const PORT = /^[1-9]\d{0,4}$/;

/** The wire name of the address parameter for a direction. */
export function cidrParamName(direction: Direction): "DestCidrIp" | "SourceCidrIp" {
  return direction === "egress" ? "DestCidrIp" : "SourceCidrIp";
}

/** Returns why a port range is wrong for the protocol, or null when it is right. */
function portRangeProblem(protocol: string, value: string): string | null {
  if (protocol === "tcp" || protocol === "udp") {
    const [start, end, ...rest] = value.split("/");
    if (rest.length > 0 || start === undefined || end === undefined || !PORT.test(start) || !PORT.test(end)) {
      return `for IpProtocol "${protocol}" it must be "start/end" with ports 1-65535`;
    }
    if (Number(start) > 65535 || Number(end) > 65535) return "ports must be between 1 and 65535";
    if (Number(start) > Number(end)) return "the start port must not be greater than the end port";
    return null;
  }
  return value === "-1/-1" ? null : `for IpProtocol "${protocol}" it must be "-1/-1"`;
}

/**
 * Validates the parameters of AuthorizeSecurityGroupEgress / RevokeSecurityGroupEgress (or, for ingress,
 * AuthorizeSecurityGroup) the way the API page states them, and fills in the defaults. Throws
 * `MissingParameter` or `InvalidParameter.<field>`; required fields are checked first, then each field in
 * page order, so the answer names the first problem.
 */
export function parseRuleParams(params: ReadonlyMap<string, string>, direction: Direction): RuleParams {
  const cidrName = cidrParamName(direction);
  for (const name of ["SecurityGroupId", "IpProtocol", "PortRange", cidrName]) {
    // An empty value is what a form sends for "not filled in"; the gateway treats it as absent.
    if (!params.get(name)) throw missingParameterError(name);
  }
  const securityGroupId = params.get("SecurityGroupId") ?? "";
  const protocol = params.get("IpProtocol") ?? "";
  if (!PROTOCOLS.has(protocol)) {
    throw invalidParameterError(
      "IpProtocol",
      'must be one of "tcp", "udp", "icmp", "gre", "all" (lowercase)',
    );
  }
  const portRange = params.get("PortRange") ?? "";
  const portProblem = portRangeProblem(protocol, portRange);
  if (portProblem) throw invalidParameterError("PortRange", portProblem);

  const sourcePortRange =
    params.get("SourcePortRange") ?? (protocol === "tcp" || protocol === "udp" ? "1/65535" : "-1/-1");
  const sourcePortProblem = portRangeProblem(protocol, sourcePortRange);
  if (sourcePortProblem) throw invalidParameterError("SourcePortRange", sourcePortProblem);

  const policy = params.get("Policy") ?? "accept";
  if (!POLICIES.has(policy)) throw invalidParameterError("Policy", 'must be "accept" or "drop" (lowercase)');

  const priorityText = params.get("Priority") ?? "1";
  // The wire carries a string; the API's type is integer, so "5.0", "+5" and " 5" are not integers here.
  const priority = /^\d{1,3}$/.test(priorityText) ? Number(priorityText) : Number.NaN;
  if (!(priority >= 1 && priority <= 100)) {
    throw invalidParameterError("Priority", "must be an integer from 1 to 100");
  }

  const cidr = params.get(cidrName) ?? "";
  const block = parseIpv4Block(cidr);
  if (!block) throw invalidParameterError(cidrName, "must be an IPv4 address or an IPv4 CIDR block");

  return {
    direction,
    SecurityGroupId: securityGroupId,
    IpProtocol: protocol,
    PortRange: portRange,
    SourcePortRange: sourcePortRange,
    Policy: policy,
    Priority: priority,
    cidr,
    // Host bits (10.0.0.1/8) are accepted, as the real API's behaviour is unknown, but two rules that name
    // the same network are the same rule: identity uses the normalised block.
    cidrKey: formatIpv4Block(block),
  };
}

/** Reads a required string parameter (e.g. `SecurityGroupId` of DescribeSecurityGroupAttribute). */
export function requireParam(params: ReadonlyMap<string, string>, name: string): string {
  const value = params.get(name);
  if (!value) throw missingParameterError(name);
  return value;
}

/** Refuses a parameter this emulator does not model, rather than silently ignoring what a client meant. */
export function unsupportedParameterError(name: string): EnsEmulatorError {
  return new EnsEmulatorError("InvalidParameter", `${name} is not supported by the ENS emulator`);
}
