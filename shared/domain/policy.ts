/**
 * The organisation's guardrail policy: the document a security team writes (`POLICY_JSON` or the bundled
 * `policy/policy.json`), its zod schema, the safe default, and the cold-start parse that names every mistake.
 * Evaluation lives in `policy-guardrails.ts` and is re-exported here so callers import one module.
 */
import * as z from "zod/mini";
import { cidrSetCoversWorld, createCidrSet } from "./cidr-set.ts";
import { formatBlock, parseCidr } from "./ipv4.ts";
import { PolicyConfigError, policyIssuesFromZod } from "./policy-error.ts";
import { MAX_PORT, parsePortSpec } from "./policy-ports.ts";
import type { IpProtocol, RequestOrigin } from "./types.ts";

export { PolicyConfigError, type PolicyIssue } from "./policy-error.ts";
export { evaluatePolicy, GUARDRAILS, type GuardrailName, policyErrorCode } from "./policy-guardrails.ts";

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
  /** Request origins whose requests must carry a non-empty `TicketId`. */
  requireTicketFor: RequestOrigin[];
  /** The `Priority` values a rule may use (1-100, lower wins in ENS). */
  priority: { min: number; max: number };
}

const PROTOCOLS = ["tcp", "udp", "icmp", "gre", "all"] as const;

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

const SG_PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9_.-]*\*?)$/;
const SG_MESSAGE =
  'must be a security group id such as "sg-0123abcd", or a prefix ending in "*" such as "sg-prod-*"';

const SecurityGroupPattern = z.string().check(z.regex(SG_PATTERN, SG_MESSAGE));

const Protocol = z.enum(PROTOCOLS);

const Count = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/** A CIDR block (or single address) without host bits, so that `10.0.0.1/8` is caught as the typo it likely is. */
const Cidr = z.string().check(
  z.superRefine((text, ctx) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(text)} is not an IPv4 block such as "10.0.0.0/8" or an address such as "10.1.2.3"`,
      });
    } else if (parsed.hostBitsSet) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(text)} has host bits set; did you mean "${formatBlock(parsed.block)}"?`,
      });
    }
  }),
);

const Port = z
  .union([z.number(), z.string()], 'must be a port such as 443 or a range such as "135/139"')
  .check(
    z.superRefine((spec, ctx) => {
      if (parsePortSpec(spec) === null) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(spec)} is not a port 1-65535 or a range "first/last" with first <= last`,
        });
      }
    }),
  );

const BlockedPort = z.union(
  [
    Port,
    z.strictObject({
      ports: Port,
      protocols: z.optional(nonEmpty(z.enum(["tcp", "udp"]))),
      reason: z.optional(z.string()),
    }),
  ],
  'must be a port such as 23, a range such as "135/139", or an object {"ports", "protocols", "reason"}',
);

const DeniedDestination = z.strictObject({
  cidr: Cidr,
  protocols: z.optional(nonEmpty(Protocol)),
  reason: z.optional(z.string()),
});

const WorldOpen = z.strictObject({
  widerThanPrefix: z._default(Count(1, 32), DEFAULT_POLICY.worldOpen.widerThanPrefix),
  allowedProtocols: z._default(
    z.array(
      z.enum(
        ["tcp", "udp", "icmp", "gre"],
        'must be "tcp", "udp", "icmp" or "gre": "all" opens every port of every protocol, which no world-open rule may do',
      ),
    ),
    DEFAULT_POLICY.worldOpen.allowedProtocols,
  ),
  maxPortSpan: z._default(
    z
      .int()
      .check(
        z.minimum(1),
        z.maximum(MAX_PORT - 1, "must be at most 65534: no policy may open every port to the world"),
      ),
    DEFAULT_POLICY.worldOpen.maxPortSpan,
  ),
});

const Priority = z
  .strictObject({
    min: z._default(Count(1, 100), DEFAULT_POLICY.priority.min),
    max: z._default(Count(1, 100), DEFAULT_POLICY.priority.max),
  })
  .check(
    z.superRefine((range, ctx) => {
      if (range.min > range.max) {
        ctx.addIssue({ code: "custom", message: `min ${range.min} is greater than max ${range.max}` });
      }
    }),
  );

/** The zod/mini schema of a policy document; unknown fields are mistakes, and absent fields take the default. */
export const PolicySchema: z.ZodMiniType<Policy, unknown> = z
  .strictObject({
    version: z.literal(1, "must be 1, the only policy format this function reads"),
    description: z.optional(z.string()),
    allowedSecurityGroups: z._default(
      nonEmpty(SecurityGroupPattern, 'list at least one group, or ["*"] for any group'),
      DEFAULT_POLICY.allowedSecurityGroups,
    ),
    allowedProtocols: z._default(nonEmpty(Protocol), DEFAULT_POLICY.allowedProtocols),
    maxPortSpan: z._default(Count(1, MAX_PORT), DEFAULT_POLICY.maxPortSpan),
    blockedPorts: z._default(z.array(BlockedPort), DEFAULT_POLICY.blockedPorts),
    deniedDestinations: z._default(z.array(DeniedDestination), DEFAULT_POLICY.deniedDestinations),
    destinationAllowLists: z._default(
      z.record(
        SecurityGroupPattern,
        nonEmpty(Cidr, "list at least one block; an empty list would refuse every rule"),
      ),
      DEFAULT_POLICY.destinationAllowLists,
    ),
    worldOpen: z._default(WorldOpen, DEFAULT_POLICY.worldOpen),
    dropRulesAlwaysPass: z._default(z.boolean(), DEFAULT_POLICY.dropRulesAlwaysPass),
    requireTicketFor: z._default(
      z.array(z.enum(["operator", "webhook", "queue"])),
      DEFAULT_POLICY.requireTicketFor,
    ),
    priority: z._default(Priority, DEFAULT_POLICY.priority),
  })
  .check(z.superRefine(checkDeniedDestinationsLeaveRoom));

/** Every field name the document may use, for "did you mean" hints on a misspelt one. */
const KNOWN_FIELDS = [
  "version",
  "description",
  "allowedSecurityGroups",
  "allowedProtocols",
  "maxPortSpan",
  "blockedPorts",
  "deniedDestinations",
  "destinationAllowLists",
  "worldOpen",
  "dropRulesAlwaysPass",
  "requireTicketFor",
  "priority",
  "ports",
  "protocols",
  "reason",
  "cidr",
  "widerThanPrefix",
  "min",
  "max",
] as const;

/**
 * Parses and validates a policy document at cold start; throws a `PolicyConfigError` that names the source and
 * every mistake (its path and what is wrong), so a broken policy stops the function instead of weakening it.
 * @example parsePolicy(JSON.parse(process.env.POLICY_JSON), "POLICY_JSON")
 */
export function parsePolicy(json: unknown, source: string): Policy {
  const result = PolicySchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    throw new PolicyConfigError(source, policyIssuesFromZod(result.error.issues, KNOWN_FIELDS), {
      cause: result.error,
    });
  }
  return deepFreeze(result.data);
}

/**
 * Deny entries are a union: if together the entries that apply to a protocol cover every address (`0.0.0.0/0`,
 * or `0.0.0.0/1` plus `128.0.0.0/1`), every rule of that protocol would be refused. That is never what the
 * author meant (the issue's "deny 0.0.0.0/0 with protocol all" is `worldOpen`), so it is a mistake to name.
 */
function checkDeniedDestinationsLeaveRoom(
  policy: Pick<Policy, "deniedDestinations" | "allowedProtocols">,
  ctx: z.core.$RefinementCtx<unknown>,
): void {
  for (const protocol of policy.allowedProtocols) {
    const applicable = policy.deniedDestinations.filter(
      (entry) =>
        protocol === "all" ||
        entry.protocols === undefined ||
        entry.protocols.includes(protocol) ||
        entry.protocols.includes("all"),
    );
    const blocks = applicable.flatMap((entry) => {
      const parsed = parseCidr(entry.cidr);
      return parsed.ok ? [parsed.block] : [];
    });
    if (cidrSetCoversWorld(createCidrSet(blocks))) {
      ctx.addIssue({
        code: "custom",
        path: ["deniedDestinations"],
        message:
          `together the entries that apply to IpProtocol "${protocol}" cover 0.0.0.0/0, so every such rule ` +
          `would be refused; to refuse world-open rules use "worldOpen", to forbid a protocol leave it out of "allowedProtocols"`,
      });
      return;
    }
  }
}

/** An array that must hold at least one entry; `message` says why an empty one is a mistake. */
function nonEmpty<T extends z.ZodMiniType>(item: T, message = "must list at least one entry") {
  return z.array(item).check(z.minLength(1, message));
}

/** Freezes a parsed policy, so that nothing can loosen it after cold start. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
