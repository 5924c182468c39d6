/**
 * The policy's types and the safe default that applies when no document is given. Kept apart from the zod schema
 * (`policy-schema.ts`) so the default path loads no schema at all.
 */
import { MAX_PORT } from "./policy-ports.ts";
import type { IpProtocol, RequestOrigin } from "./types.ts";

/** A port or a port range as the policy writes it: `23`, or `"135/139"` (the ENS `PortRange` notation). */
export type PolicyPort = number | string;

/** A blocked port in its long form, which can narrow the protocols and give the reason a requester is shown. */
export interface BlockedPortEntry {
  ports: PolicyPort;
  /** Protocols the block applies to; absent means tcp and udp. Protocol `all` is always refused a blocked port. */
  protocols?: Array<"tcp" | "udp"> | undefined;
  reason?: string | undefined;
}

/** A destination no rule may reach, in whole or in part. */
export interface DeniedDestinationEntry {
  /** An IPv4 block or address; a rule is refused when its destination shares any address with it. */
  cidr: string;
  /** Rule protocols the entry applies to; absent means every protocol. A rule with protocol `all` always matches. */
  protocols?: IpProtocol[] | undefined;
  reason?: string | undefined;
}

/** What may be opened towards destinations so wide that they count as the internet. */
export interface WorldOpenPolicy {
  /** A destination wider than `/widerThanPrefix` (a prefix length below it) counts as world-open; 1 means only `0.0.0.0/0`. */
  widerThanPrefix: number;
  /** Protocols a world-open rule may use; `all` can never be listed. */
  allowedProtocols: Array<"tcp" | "udp" | "icmp" | "gre">;
  /** Most tcp/udp ports one world-open rule may open; at most 65534, so no policy can open every port to the world. */
  maxPortSpan: number;
}

/** A parsed policy: every field present, defaults filled in from `DEFAULT_POLICY`. */
export interface Policy {
  /** Format version; only 1 exists. */
  version: 1;
  /** Free text for the people who maintain the policy. */
  description?: string | undefined;
  /** Security group ids, or prefixes ending in `*`, the function may change; `["*"]` means any group. */
  allowedSecurityGroups: string[];
  /** Values of `IpProtocol` a rule may use. */
  allowedProtocols: IpProtocol[];
  /** Most destination ports one tcp/udp rule may open; protocol `all` counts as 65535. */
  maxPortSpan: number;
  /** Ports no rule may open, even in part of its range. */
  blockedPorts: Array<PolicyPort | BlockedPortEntry>;
  /** Destinations no rule may overlap. */
  deniedDestinations: DeniedDestinationEntry[];
  /** Per security group id or `*`-prefix: the destination must lie inside the union of the listed blocks. */
  destinationAllowLists: Record<string, string[]>;
  worldOpen: WorldOpenPolicy;
  /** When true, a `drop` rule (which can only narrow egress) is checked only by the group and ticket guardrails. */
  dropRulesAlwaysPass: boolean;
  /** Request origins whose requests must carry a visible `TicketId` (and one that matches `ticketPattern`). */
  requireTicketFor: RequestOrigin[];
  /** A regular expression (Unicode mode) every required `TicketId` must match, e.g. `^[A-Z][A-Z0-9]+-[0-9]+$`. */
  ticketPattern?: string | undefined;
  /** The `Priority` values a rule may use (1-100, lower wins in ENS). */
  priority: { min: number; max: number };
}

export const PROTOCOLS = ["tcp", "udp", "icmp", "gre", "all"] as const;

/**
 * The policy that applies when none is given: it refuses world-open `all` rules and world-open tcp/udp rules
 * wider than 16 ports, and lets ordinary internal rules through from every route.
 */
export const DEFAULT_POLICY: Policy = deepFreeze({
  version: 1,
  allowedSecurityGroups: ["*"],
  allowedProtocols: [...PROTOCOLS],
  maxPortSpan: MAX_PORT,
  blockedPorts: [],
  deniedDestinations: [],
  destinationAllowLists: {},
  worldOpen: { widerThanPrefix: 8, allowedProtocols: ["tcp", "udp", "icmp"], maxPortSpan: 16 },
  dropRulesAlwaysPass: true,
  // Off by default: operators call `POST /rules` without a ticket, and "an ordinary internal rule passes" must
  // hold on every route; a security team turns it on for ["webhook", "queue"].
  requireTicketFor: [],
  priority: { min: 1, max: 100 },
});

/** Freezes a parsed policy, so that nothing can loosen it after cold start. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
