import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseRule, parseRuleRequest, RuleRequestSchema } from "#shared/domain/rule-request.ts";
import type { EgressRule, RequestMeta, RuleRequest } from "#shared/domain/types.ts";

// ---------------------------------------------------------------------------------------------------------------
// An independent oracle, written from the API page and the brief with other techniques than the module (string
// splitting, BigInt arithmetic, code-point iteration), so that a shared misunderstanding cannot pass unnoticed.
// ---------------------------------------------------------------------------------------------------------------

const RULE_KEYS = [
  "SecurityGroupId",
  "IpProtocol",
  "PortRange",
  "DestCidrIp",
  "Policy",
  "Priority",
  "SourcePortRange",
];
const META_KEYS = ["TicketId", "RequestedBy", "Reason", "DryRun"];
const PORTLESS = ["icmp", "gre", "all"];
const own = (object: object, key: string): boolean => Object.hasOwn(object, key);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isCanonicalNatural = (text: string): boolean => /^[0-9]+$/.test(text) && String(Number(text)) === text;

function oracleSecurityGroupId(value: unknown): boolean {
  if (typeof value !== "string" || !value.startsWith("sg-")) return false;
  const tail = value.slice(3);
  return (
    tail.length >= 1 &&
    tail.length <= 64 &&
    [...tail].every((c) => "abcdefghijklmnopqrstuvwxyz0123456789".includes(c))
  );
}

function oraclePortRange(value: unknown, protocol: string): boolean {
  if (typeof value !== "string") return false;
  if (PORTLESS.includes(protocol)) return value === "-1/-1";
  const parts = value.split("/");
  if (parts.length !== 2) return false;
  const [start, end] = parts as [string, string];
  const port = (text: string) => isCanonicalNatural(text) && Number(text) >= 1 && Number(text) <= 65535;
  return port(start) && port(end) && Number(start) <= Number(end);
}

function oracleCidr(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const parts = value.split("/");
  if (parts.length > 2) return false;
  const octets = parts[0]!.split(".");
  if (octets.length !== 4) return false;
  let address = 0n;
  for (const octet of octets) {
    if (!isCanonicalNatural(octet) || Number(octet) > 255) return false;
    address = address * 256n + BigInt(octet);
  }
  const single = parts.length === 1 || parts[1] === "32";
  // Neither the unspecified nor the broadcast address can be meant as one destination.
  if (single && (address === 0n || address === 0xffffffffn)) return false;
  if (parts.length === 1) return true;
  const prefix = parts[1]!;
  if (!isCanonicalNatural(prefix) || Number(prefix) > 32) return false;
  return address % (1n << BigInt(32 - Number(prefix))) === 0n;
}

function oraclePriority(value: unknown): number | null {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && isCanonicalNatural(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(number) && number >= 1 && number <= 100 ? number : null;
}

function oracleText(value: unknown, max: number, multiline: boolean): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text.length === 0 || text.length > max) return null;
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (multiline && (char === "\t" || char === "\n" || char === "\r")) continue;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return null;
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return null;
    if (cp >= 0xd800 && cp <= 0xdfff) return null; // a lone surrogate, as a string iterator yields it
  }
  return text;
}

/**
 * A ticket id must be visible: every code point is shown (not a format character, not default-ignorable, not the
 * Braille blank, no space but U+0020) and at least one is a letter or a digit.
 */
function oracleTicketId(value: unknown): string | null {
  const text = oracleText(value, 128, false);
  if (text === null) return null;
  let visibleSign = false;
  for (const char of text) {
    if (/^\p{Cf}$/u.test(char) || /^\p{DI}$/u.test(char) || char === "\u2800") return null;
    if (char !== " " && /^\s$/u.test(char)) return null;
    if (/^[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Nd}\p{Nl}\p{No}]$/u.test(char)) visibleSign = true;
  }
  return visibleSign ? text : null;
}

/** The normalised rule an entry stands for, or null when the entry is not a valid rule. */
function oracleRule(entry: unknown, allowMeta: boolean): EgressRule | null {
  if (!isRecord(entry)) return null;
  const allowed = allowMeta ? [...RULE_KEYS, ...META_KEYS] : RULE_KEYS;
  if (Object.keys(entry).some((key) => !allowed.includes(key))) return null;
  const { SecurityGroupId, IpProtocol, PortRange, DestCidrIp } = entry;
  if (!oracleSecurityGroupId(SecurityGroupId) || typeof SecurityGroupId !== "string") return null;
  if (typeof IpProtocol !== "string" || !["tcp", "udp", "icmp", "gre", "all"].includes(IpProtocol))
    return null;
  if (!oraclePortRange(PortRange, IpProtocol) || typeof PortRange !== "string") return null;
  if (!oracleCidr(DestCidrIp) || typeof DestCidrIp !== "string") return null;
  if (own(entry, "Policy") && entry.Policy !== "accept" && entry.Policy !== "drop") return null;
  const priority = own(entry, "Priority") ? oraclePriority(entry.Priority) : 1;
  if (priority === null) return null;
  const defaultSource = PORTLESS.includes(IpProtocol) ? "-1/-1" : "1/65535";
  const source = own(entry, "SourcePortRange") ? entry.SourcePortRange : defaultSource;
  if (!oraclePortRange(source, IpProtocol)) return null;
  return {
    SecurityGroupId,
    IpProtocol: IpProtocol as EgressRule["IpProtocol"],
    PortRange,
    DestCidrIp,
    Policy: (entry.Policy ?? "accept") as EgressRule["Policy"],
    Priority: priority,
    SourcePortRange: source as string,
  };
}

/** Each metadata field: its value when absent or valid, or undefined when invalid. */
function oracleMeta(input: Record<string, unknown>): Partial<RequestMeta> {
  const meta: Partial<RequestMeta> = {};
  const text = (key: string, max: number, multiline: boolean): string | null | undefined =>
    own(input, key) ? (oracleText(input[key], max, multiline) ?? undefined) : null;
  const ticketId = own(input, "TicketId") ? (oracleTicketId(input.TicketId) ?? undefined) : null;
  if (ticketId !== undefined) meta.TicketId = ticketId;
  const requestedBy = text("RequestedBy", 256, false);
  if (requestedBy !== undefined) meta.RequestedBy = requestedBy;
  const reason = text("Reason", 1024, true);
  if (reason !== undefined) meta.Reason = reason;
  if (!own(input, "DryRun")) meta.DryRun = false;
  else if (typeof input.DryRun === "boolean") meta.DryRun = input.DryRun;
  return meta;
}

/** The oracle's verdict on a whole request: the request, or the slots a refusal must carry. */
function oracle(
  input: unknown,
): { ok: true; request: RuleRequest } | { ok: false; entries: Array<EgressRule | null> } {
  if (!isRecord(input)) return { ok: false, entries: [null] };
  const meta = oracleMeta(input);
  const metaOk = Object.keys(meta).length === 4;
  if (own(input, "Rules")) {
    const rules = input.Rules;
    const topKeysOk = Object.keys(input).every((key) => key === "Rules" || META_KEYS.includes(key));
    if (!Array.isArray(rules) || rules.length < 1 || rules.length > 20) return { ok: false, entries: [null] };
    const entries = rules.map((entry) => oracleRule(entry, false));
    if (topKeysOk && metaOk && entries.every((entry) => entry !== null)) {
      return { ok: true, request: { rules: entries as EgressRule[], meta: meta as RequestMeta } };
    }
    return { ok: false, entries };
  }
  const rule = oracleRule(input, true);
  if (rule !== null && metaOk) return { ok: true, request: { rules: [rule], meta: meta as RequestMeta } };
  const ruleOnly = Object.fromEntries(Object.entries(input).filter(([key]) => RULE_KEYS.includes(key)));
  return { ok: false, entries: [oracleRule(ruleOnly, false)] };
}

// ---------------------------------------------------------------------------------------------------------------
// Generators: plausible field names and values, valid and invalid, assembled as JSON text so that keys such as
// "__proto__" arrive as own properties, exactly as JSON.parse delivers them.
// ---------------------------------------------------------------------------------------------------------------

type Pair = readonly [string, unknown];
const toJsonObject = (pairs: readonly Pair[]): unknown =>
  JSON.parse(`{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`);

const port = fc.integer({ min: 1, max: 65535 });
const validTcpRange = fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}/${Math.max(a, b)}`);
const validSgId = fc.stringMatching(/^sg-[a-z0-9]{1,64}$/);
const validCidr = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), fc.boolean())
  .map(([address, prefix, single]) => {
    const base = prefix === 0 ? 0 : Number((BigInt(address) >> BigInt(32 - prefix)) << BigInt(32 - prefix));
    const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
    return single ? dotted(address) : `${dotted(base)}/${prefix}`;
  })
  .filter((cidr) => !/^(0\.0\.0\.0|255\.255\.255\.255)(\/32)?$/.test(cidr));
const validText = (max: number) =>
  fc
    .string({ minLength: 1, maxLength: Math.min(max, 40) })
    .filter((text) => oracleText(text, max, false) !== null);
const validTicketId = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((text) => oracleTicketId(text) !== null);
/** Ticket ids that read as nothing: invisible, blank or sign-only. */
const invisibleTicketId = fc.constantFrom(
  "\u200b",
  "NET-1\u2060",
  "\u3164",
  "\u1160",
  "\u115f",
  "\u2800",
  "\ufeffNET-1",
  "NET\u00a01",
  "---",
  "\u0301",
);

const oddString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u009f",
    "\u2069",
    "\u202e",
    "\ud800",
    "\udc00x",
    "x".repeat(129),
    "y".repeat(1025),
    "a\nb",
    "null",
  ),
);
const oddValue = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

const protocolValue = fc.oneof(
  { arbitrary: fc.constantFrom("tcp", "udp", "icmp", "gre", "all"), weight: 20 },
  { arbitrary: fc.constantFrom("TCP", "Icmp", "http", ""), weight: 1 },
  { arbitrary: oddValue, weight: 1 },
);
const portRangeFor = (protocol: unknown) =>
  fc.oneof(
    {
      arbitrary: PORTLESS.includes(String(protocol)) ? fc.constant("-1/-1") : validTcpRange,
      weight: 20,
    },
    {
      arbitrary: fc.constantFrom(
        "-1/-1",
        "0/22",
        "22/21",
        "1/65536",
        " 22/22",
        "022/22",
        "+1/2",
        "22",
        "1/1 ",
      ),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(fc.integer({ min: -2, max: 70000 }), fc.integer({ min: -2, max: 70000 }))
        .map(([a, b]) => `${a}/${b}`),
      weight: 1,
    },
    { arbitrary: oddValue, weight: 1 },
  );
const weighted = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 20 }, { arbitrary: invalid, weight: 1 });

const sgIdValue = weighted(
  fc.oneof(validSgId, fc.constantFrom("sg-demo0001", "sg-demo0002", "sg-bp67acfmxazb4p")),
  fc.oneof(
    fc.constantFrom(
      "",
      "sg-",
      "SG-DEMO0001",
      "sg-bp67acfmxazb4p****",
      " sg-demo0001",
      `sg-${"a".repeat(65)}`,
    ),
    oddValue,
  ),
);
const cidrValue = weighted(
  validCidr,
  fc.oneof(
    fc.constantFrom(
      "10.0.0.0/33",
      "256.1.1.1",
      "10.0.0.1/8",
      "010.0.0.0/8",
      "10.0.0.0/08",
      "::1",
      "10.0.0.0/8 ",
      "0.0.0.0",
      "255.255.255.255/32",
    ),
    fc
      .tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(40))
      .map((n) => `${n.slice(0, 4).join(".")}/${n[4]}`),
    oddValue,
  ),
);
const policyValue = weighted(
  fc.constantFrom("accept", "drop"),
  fc.oneof(fc.constantFrom("Accept", "allow", "DROP"), oddValue),
);
const priorityValue = weighted(
  fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }).map(String)),
  fc.oneof(
    fc.integer({ min: -5, max: 110 }),
    fc.constantFrom("05", "5.0", " 5", "1e1", "0", "101", 1.5),
    oddValue,
  ),
);
const metaPairs = fc.tuple(
  fc.option(
    weighted(validTicketId, fc.oneof(oddValue, invisibleTicketId)).map((v): Pair => ["TicketId", v]),
    { nil: null },
  ),
  fc.option(
    weighted(validText(256), oddValue).map((v): Pair => ["RequestedBy", v]),
    { nil: null },
  ),
  fc.option(
    weighted(validText(1024), oddValue).map((v): Pair => ["Reason", v]),
    { nil: null },
  ),
  fc.option(
    weighted(fc.boolean(), oddValue).map((v): Pair => ["DryRun", v]),
    { nil: null },
  ),
);
const unknownPairs = fc.array(
  fc.tuple(
    fc.constantFrom("Foo", "__proto__", "constructor", "prototype", "securityGroupId", "Description"),
    oddValue,
  ),
  { maxLength: 2 },
);

/** Pairs of a plausible rule: required fields usually present, values usually valid. */
const rulePairs = protocolValue.chain((protocol) =>
  fc.tuple(
    fc.option(
      sgIdValue.map((v): Pair => ["SecurityGroupId", v]),
      { nil: null, freq: 30 },
    ),
    fc.option(fc.constant<Pair>(["IpProtocol", protocol]), { nil: null, freq: 30 }),
    fc.option(
      portRangeFor(protocol).map((v): Pair => ["PortRange", v]),
      { nil: null, freq: 30 },
    ),
    fc.option(
      cidrValue.map((v): Pair => ["DestCidrIp", v]),
      { nil: null, freq: 30 },
    ),
    fc.option(
      policyValue.map((v): Pair => ["Policy", v]),
      { nil: null },
    ),
    fc.option(
      priorityValue.map((v): Pair => ["Priority", v]),
      { nil: null },
    ),
    fc.option(
      portRangeFor(protocol).map((v): Pair => ["SourcePortRange", v]),
      { nil: null },
    ),
  ),
);
const present = (pairs: ReadonlyArray<Pair | null>): Pair[] =>
  pairs.filter((pair): pair is Pair => pair !== null);
const sometimes = <T>(arbitrary: fc.Arbitrary<T[]>) =>
  fc.oneof({ arbitrary: fc.constant<T[]>([]), weight: 6 }, arbitrary);

const singleRequest = fc
  .tuple(rulePairs, metaPairs, sometimes(unknownPairs))
  .map(([rule, meta, unknown]) => toJsonObject([...present(rule), ...present(meta), ...unknown]));
const ruleEntry = fc
  .tuple(rulePairs, sometimes(unknownPairs))
  .map(([rule, unknown]) => toJsonObject([...present(rule), ...unknown]));
const multiRequest = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.array(ruleEntry, { minLength: 1, maxLength: 4 }), weight: 6 },
      fc.array(ruleEntry, { maxLength: 24 }),
      oddValue,
    ),
    metaPairs,
    sometimes(
      fc.array(fc.tuple(fc.constantFrom("SecurityGroupId", "Foo", "__proto__"), oddValue), { maxLength: 1 }),
    ),
  )
  .map(([rules, meta, extra]) => toJsonObject([["Rules", rules], ...present(meta), ...extra]));
const plausibleRequest = fc.oneof(singleRequest, multiRequest);

// ---------------------------------------------------------------------------------------------------------------

/** Checks everything a parse result must satisfy against the oracle; returns whether it was accepted. */
function checkAgainstOracle(input: unknown): boolean {
  const before = JSON.stringify(input);
  const result = parseRuleRequest(input);
  const expected = oracle(input);
  expect(JSON.stringify(input)).toBe(before);
  expect(result.ok).toBe(expected.ok);
  if (result.ok && expected.ok) {
    expect(result.request).toEqual(expected.request);
    for (const rule of result.request.rules) expect(oracleRule(rule, false)).toEqual(rule);
    return true;
  }
  if (result.ok || expected.ok) return false;
  expect(result.issues.length).toBeGreaterThanOrEqual(1);
  for (const issue of result.issues) {
    expect(issue.path.length).toBeGreaterThan(0);
    expect(issue.path === "(root)" || issue.message.startsWith(`${issue.path}: `)).toBe(true);
    expect(issue.message).not.toMatch(/[\r\n]/);
  }
  expect(result.entries).toEqual(expected.entries);
  if (isRecord(input)) expect(result.meta).toEqual(oracleMeta(input));
  return false;
}

describe("parseRuleRequest properties", () => {
  it("any JSON value is accepted exactly when the oracle accepts it, or refused with issues; never throws", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        checkAgainstOracle(value);
      }),
      { numRuns: 500 },
    );
  });

  it("plausible requests agree with the oracle, and both outcomes occur", () => {
    let accepted = 0;
    let refusedCount = 0;
    fc.assert(
      fc.property(plausibleRequest, (input) => {
        if (checkAgainstOracle(input)) accepted++;
        else refusedCount++;
      }),
      { numRuns: 600 },
    );
    // Guards the generator itself: a property that only ever sees refusals (or acceptances) proves little.
    expect(accepted).toBeGreaterThan(100);
    expect(refusedCount).toBeGreaterThan(100);
    expect(({} as Record<string, unknown>).Foo).toBeUndefined();
  });

  it("RuleRequestSchema agrees with parseRuleRequest", () => {
    fc.assert(
      fc.property(fc.oneof(plausibleRequest, fc.jsonValue()), (input) => {
        const viaSchema = RuleRequestSchema.safeParse(input);
        const viaParse = parseRuleRequest(input);
        expect(viaSchema.success).toBe(viaParse.ok);
        if (viaSchema.success && viaParse.ok) expect(viaSchema.data).toEqual(viaParse.request);
      }),
      { numRuns: 500 },
    );
  });
});

const validRule = fc.constantFrom("tcp", "udp", "icmp", "gre", "all").chain((protocol) => {
  const range = PORTLESS.includes(protocol) ? fc.constant("-1/-1") : validTcpRange;
  return fc.record(
    {
      SecurityGroupId: validSgId,
      IpProtocol: fc.constant(protocol),
      PortRange: range,
      DestCidrIp: validCidr,
      Policy: fc.constantFrom("accept", "drop"),
      Priority: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }).map(String)),
      SourcePortRange: range,
    },
    { requiredKeys: ["SecurityGroupId", "IpProtocol", "PortRange", "DestCidrIp"] },
  );
});

describe("valid rules", () => {
  it("always parse, alone or in a list, and normalisation is idempotent", () => {
    fc.assert(
      fc.property(fc.array(validRule, { minLength: 1, maxLength: 20 }), fc.boolean(), (rules, dryRun) => {
        const single = parseRuleRequest(rules[0]);
        expect(single.ok).toBe(true);
        const multi = parseRuleRequest({ Rules: rules, DryRun: dryRun });
        if (!multi.ok) throw new Error(JSON.stringify(multi.issues));
        expect(multi.request.meta.DryRun).toBe(dryRun);
        for (const [index, rule] of multi.request.rules.entries()) {
          expect(normaliseRule(rule)).toEqual(rule);
          // A normalised rule is itself a valid request that normalises to itself: the fixpoint sent to ENS.
          const again = parseRuleRequest(rule);
          expect(again.ok && again.request.rules[0]).toEqual(rule);
          const given = rules[index]!;
          expect(rule.Priority).toBe(given.Priority === undefined ? 1 : Number(given.Priority));
          expect(rule.DestCidrIp).toBe(given.DestCidrIp);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("TicketId must be visible", () => {
  const RULE = {
    SecurityGroupId: "sg-demo0001",
    IpProtocol: "tcp",
    PortRange: "22/22",
    DestCidrIp: "10.0.0.0/8",
  };
  const char = (cp: number) => String.fromCodePoint(cp);
  /** Any code point that is neither a letter nor a number (Unicode general categories L and N). */
  const signless = fc
    .integer({ min: 0, max: 0x10ffff })
    .map(char)
    .filter((c) => !/[\p{L}\p{N}]/u.test(c));
  /** Characters that show nothing, letters to Unicode among them (the Hangul fillers). */
  const invisible = fc.oneof(
    fc.constantFrom("\u200b", "\u2060", "\u3164", "\u1160", "\u115f", "\u2800", "\ufeff", "\u00a0", "\u180e"),
    fc
      .integer({ min: 0, max: 0x10ffff })
      .map(char)
      .filter((c) => /^\p{Cf}$/u.test(c)),
  );
  const refusedAtTicketId = (ticket: string) => {
    const result = parseRuleRequest({ ...RULE, TicketId: ticket });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const issue = result.issues.find((candidate) => candidate.path === "TicketId");
      expect(issue?.message).toMatch(/^TicketId: /);
      expect(result.meta.TicketId).toBeUndefined();
    }
  };

  it("refuses any ticket id without a letter or a digit, whatever else it holds", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.oneof(signless, fc.constantFrom(" ", "-", "#", "_", "/")), {
            minLength: 1,
            maxLength: 24,
          })
          .map((chars) => chars.join("")),
        refusedAtTicketId,
      ),
      { numRuns: 1000 },
    );
  });

  it("refuses a readable ticket id with an invisible character inside it", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{2,5}-[0-9]{1,6}$/), invisible, fc.nat(), (ticket, hidden, at) => {
        // Inside: at either end, the spaces among them are trimmed away, and what is left reads as it should.
        const position = 1 + (at % (ticket.length - 1));
        refusedAtTicketId(`${ticket.slice(0, position)}${hidden}${ticket.slice(position)}`);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts ticket ids in any script, with plain spaces", () => {
    for (const ticket of ["NET-1234", "RITM0010423", "ЗАЯВКА-7", "変更-12", "٣٤", "CHG 42"]) {
      const result = parseRuleRequest({ ...RULE, TicketId: ticket });
      expect(result.ok && result.request.meta.TicketId).toBe(ticket);
    }
  });
});
