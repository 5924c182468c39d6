/**
 * The zod/mini schema of a policy document (unknown fields are mistakes, absent fields take the default),
 * built on first use. Most deployments run on the default policy and never parse a document, so building these
 * few dozen schema objects at module load would be pure cold-start cost (bench/BENCH.md).
 */
import * as z from "zod/mini";
import { cidrSetCoversWorld, createCidrSet } from "./cidr-set.ts";
import { formatBlock, parseCidr } from "./ipv4.ts";
import { DEFAULT_POLICY, type Policy, PROTOCOLS } from "./policy-default.ts";
import { describeInput } from "./policy-error.ts";
import { MAX_PORT, parsePortSpec } from "./policy-ports.ts";
import { SECURITY_GROUP_ID_PATTERN } from "./rule-fields.ts";

let built: z.ZodMiniType<Policy, unknown> | null = null;

/** The policy schema; built once, on the first call. */
export function policySchema(): z.ZodMiniType<Policy, unknown> {
  built ??= buildPolicySchema();
  return built;
}

function buildPolicySchema(): z.ZodMiniType<Policy, unknown> {
  // Range and pattern checks are written as refinements: zod's own (z.regex, z.minimum, z.maximum) would add
  // bytes to every bundle for this document alone. The messages are the ones policy-error.ts would word.
  const SecurityGroupPattern = z.string().check(
    z.superRefine((text, ctx) => {
      const problem = describeGroupPatternProblem(text);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: text });
    }),
  );

  const TicketPattern = z.string().check(
    z.superRefine((text, ctx) => {
      const problem = describeTicketPatternProblem(text);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: text });
    }),
  );

  const Protocol = z.enum(PROTOCOLS);

  /** A whole number in [min, max]; `tooBig` replaces the message for values over `max`. */
  const Count = (min: number, max: number, tooBig?: string) =>
    z.int().check(
      z.superRefine((value, ctx) => {
        if (value < min) {
          ctx.addIssue({ code: "custom", message: `must be at least ${min}${describeInput(value)}` });
        } else if (value > max) {
          ctx.addIssue({
            code: "custom",
            message: tooBig ?? `must be at most ${max}${describeInput(value)}`,
          });
        }
      }),
    );

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
    widerThanPrefix: z.optional(Count(1, 32)),
    allowedProtocols: z.optional(
      z.array(
        z.enum(
          ["tcp", "udp", "icmp", "gre"],
          'must be "tcp", "udp", "icmp" or "gre": "all" opens every port of every protocol, which no world-open rule may do',
        ),
      ),
    ),
    maxPortSpan: z.optional(
      Count(1, MAX_PORT - 1, "must be at most 65534: no policy may open every port to the world"),
    ),
  });

  const Priority = z.strictObject({ min: z.optional(Count(1, 100)), max: z.optional(Count(1, 100)) }).check(
    z.superRefine((range, ctx) => {
      const { min = DEFAULT_POLICY.priority.min, max = DEFAULT_POLICY.priority.max } = range;
      if (min > max) ctx.addIssue({ code: "custom", message: `min ${min} is greater than max ${max}` });
    }),
  );

  // Each value must list blocks; each key is a group id or prefix. Checked by hand rather than with `z.record`,
  // which would add more of zod to every bundle for this one field.
  const AllowList = nonEmpty(Cidr, "list at least one block; an empty list would refuse every rule");
  const AllowLists = z.unknown().check(
    z.superRefine((value, ctx) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        ctx.addIssue({ code: "invalid_type", expected: "object", input: value });
        return;
      }
      for (const [key, list] of Object.entries(value)) {
        const problem = describeGroupPatternProblem(key);
        if (problem !== null) ctx.addIssue({ code: "custom", message: problem, path: [key], input: key });
        const parsed = AllowList.safeParse(list, { reportInput: true });
        if (!parsed.success) {
          for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
        }
      }
    }),
  ) as z.ZodMiniType<Record<string, string[]>, unknown>;

  // No `z._default` and no `z.literal`: absent fields are filled in from DEFAULT_POLICY by `withDefaults`, and
  // the version is a number checked by hand; both keep zod kinds (and bytes) out of the bundles.
  const versionError = (issue: { input?: unknown }) =>
    `must be 1, the only policy format this function reads${describeInput(issue.input)}`;
  const Version = z.number({ error: versionError }).check(
    z.superRefine((version, ctx) => {
      if (version !== 1) ctx.addIssue({ code: "custom", message: versionError({ input: version }) });
    }),
  );

  const Document = z
    .strictObject({
      version: Version,
      description: z.optional(z.string()),
      allowedSecurityGroups: z.optional(
        nonEmpty(SecurityGroupPattern, 'list at least one group, or ["*"] for any group'),
      ),
      allowedProtocols: z.optional(nonEmpty(Protocol)),
      maxPortSpan: z.optional(Count(1, MAX_PORT)),
      blockedPorts: z.optional(z.array(BlockedPort)),
      deniedDestinations: z.optional(z.array(DeniedDestination)),
      destinationAllowLists: z.optional(AllowLists),
      worldOpen: z.optional(WorldOpen),
      dropRulesAlwaysPass: z.optional(z.boolean()),
      requireTicketFor: z.optional(z.array(z.enum(["operator", "webhook", "queue"]))),
      ticketPattern: z.optional(TicketPattern),
      priority: z.optional(Priority),
    })
    .check(
      z.superRefine((document, ctx) =>
        checkDeniedDestinationsLeaveRoom(
          {
            deniedDestinations: document.deniedDestinations ?? DEFAULT_POLICY.deniedDestinations,
            allowedProtocols: document.allowedProtocols ?? DEFAULT_POLICY.allowedProtocols,
          },
          ctx,
        ),
      ),
    );
  return z.pipe(Document, z.transform(withDefaults));
}

/** A valid document as written: the version, and any of the other fields. */
type PolicyDocument = { version: number } & {
  [K in Exclude<keyof Policy, "version">]?:
    | (K extends "worldOpen" | "priority" ? Partial<Policy[K]> : Policy[K])
    | undefined;
};

/** The parsed document with every absent field taken from DEFAULT_POLICY (fresh arrays and objects, never shared). */
function withDefaults(document: PolicyDocument): Policy {
  const d = DEFAULT_POLICY;
  const policy: Policy = {
    version: 1,
    allowedSecurityGroups: document.allowedSecurityGroups ?? [...d.allowedSecurityGroups],
    allowedProtocols: document.allowedProtocols ?? [...d.allowedProtocols],
    maxPortSpan: document.maxPortSpan ?? d.maxPortSpan,
    blockedPorts: document.blockedPorts ?? [...d.blockedPorts],
    deniedDestinations: document.deniedDestinations ?? [...d.deniedDestinations],
    destinationAllowLists: document.destinationAllowLists ?? { ...d.destinationAllowLists },
    worldOpen: {
      widerThanPrefix: document.worldOpen?.widerThanPrefix ?? d.worldOpen.widerThanPrefix,
      allowedProtocols: document.worldOpen?.allowedProtocols ?? [...d.worldOpen.allowedProtocols],
      maxPortSpan: document.worldOpen?.maxPortSpan ?? d.worldOpen.maxPortSpan,
    },
    dropRulesAlwaysPass: document.dropRulesAlwaysPass ?? d.dropRulesAlwaysPass,
    requireTicketFor: document.requireTicketFor ?? [...d.requireTicketFor],
    priority: {
      min: document.priority?.min ?? d.priority.min,
      max: document.priority?.max ?? d.priority.max,
    },
  };
  if (document.description !== undefined) policy.description = document.description;
  if (document.ticketPattern !== undefined) policy.ticketPattern = document.ticketPattern;
  return policy;
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

/** A prefix (before `*`) that some valid `SecurityGroupId` starts with: "", "s", "sg", "sg-", "sg-" + id characters. */
const GROUP_ID_PREFIX = /^(s|sg|sg-[a-z0-9]{0,63})?$/;

/**
 * Why a security group id or pattern of the policy can never match a valid `SecurityGroupId`, or null. A key that
 * cannot match would make its allow list silently do nothing, so it is refused at cold start.
 */
export function describeGroupPatternProblem(pattern: string): string | null {
  const isPrefix = pattern.endsWith("*");
  const body = isPrefix ? pattern.slice(0, -1) : pattern;
  if (isPrefix ? GROUP_ID_PREFIX.test(body) : SECURITY_GROUP_ID_PATTERN.test(body)) return null;
  const what = isPrefix ? "no SecurityGroupId starts with it" : "it is not a valid SecurityGroupId";
  const lower = pattern.toLowerCase();
  const hint =
    lower !== pattern && describeGroupPatternProblem(lower) === null
      ? `; ids are lowercase: did you mean ${JSON.stringify(lower)}?`
      : body.includes("*")
        ? '; "*" may only end a prefix'
        : /^sg-[a-z0-9]*[^a-z0-9]/.test(body)
          ? '; after "sg-" an id has only lowercase letters and digits (no "-", "_" or ".")'
          : "";
  return `${JSON.stringify(pattern)} can never match: ${what} ("sg-" followed by 1 to 64 lowercase letters or digits, e.g. "sg-bp67acfmxazb4p"; a prefix ends in "*", e.g. "sg-bp67*", and "*" alone means any group)${hint}`;
}

/** Why a `ticketPattern` cannot be meant, or null: it must compile, and must not accept an empty or blank ticket. */
export function describeTicketPatternProblem(pattern: string): string | null {
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, "u");
  } catch (error) {
    return `is not a regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  for (const blank of ["", " ", "-"]) {
    if (compiled.test(blank)) {
      return `accepts ${JSON.stringify(blank)} as a ticket, so it would not require one; anchor it, e.g. "^[A-Z][A-Z0-9]+-[0-9]+$"`;
    }
  }
  return null;
}

/** An array that must hold at least one entry; `message` says why an empty one is a mistake. */
function nonEmpty<T extends z.ZodMiniType>(item: T, message = "must list at least one entry") {
  return z.array(item).check(z.minLength(1, message));
}
