import { describe, expect, expectTypeOf, it } from "vitest";
import type * as z from "zod/mini";
import {
  egressRuleInput,
  formatIssues,
  MAX_ISSUES,
  MAX_RULES_PER_REQUEST,
  normaliseRule,
  parseRuleRequest,
  type RuleRequestInput,
  RuleRequestSchema,
} from "#shared/domain/rule-request.ts";
import type { EgressRule, RuleRequest, RuleRequestParseResult } from "#shared/domain/types.ts";

const TCP = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "22/22",
  DestCidrIp: "10.0.0.0/8",
};
const ICMP = {
  SecurityGroupId: "sg-demo0002",
  IpProtocol: "icmp",
  PortRange: "-1/-1",
  DestCidrIp: "192.0.2.0/24",
};

/** The parse result of a request that must be refused; fails the test otherwise. */
function refused(input: unknown): Extract<RuleRequestParseResult, { ok: false }> {
  const result = parseRuleRequest(input);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.request)}`);
  return result;
}

/** The request of an input that must be accepted; fails the test with the issues otherwise. */
function accepted(input: unknown): RuleRequest {
  const result = parseRuleRequest(input);
  if (!result.ok) throw new Error(`expected acceptance, got: ${formatIssues(result.issues)}`);
  return result.request;
}

const rule = (overrides: Partial<EgressRule>): EgressRule => ({
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "22/22",
  DestCidrIp: "10.0.0.0/8",
  Policy: "accept",
  Priority: 1,
  SourcePortRange: "1/65535",
  ...overrides,
});

describe("parseRuleRequest: accepted single rules", () => {
  it.each<[string, Record<string, unknown>, EgressRule]>([
    ["tcp with defaults", TCP, rule({})],
    [
      "demo id sg-demo0002",
      { ...TCP, SecurityGroupId: "sg-demo0002" },
      rule({ SecurityGroupId: "sg-demo0002" }),
    ],
    [
      "real id sg-bp67acfmxazb4p",
      { ...TCP, SecurityGroupId: "sg-bp67acfmxazb4p" },
      rule({ SecurityGroupId: "sg-bp67acfmxazb4p" }),
    ],
    [
      "64-character id tail",
      { ...TCP, SecurityGroupId: `sg-${"a1".repeat(32)}` },
      rule({ SecurityGroupId: `sg-${"a1".repeat(32)}` }),
    ],
    [
      "udp port span",
      { ...TCP, IpProtocol: "udp", PortRange: "1/65535" },
      rule({ IpProtocol: "udp", PortRange: "1/65535" }),
    ],
    ["icmp defaults source to -1/-1", ICMP, rule({ ...ICMP, IpProtocol: "icmp", SourcePortRange: "-1/-1" })],
    ["gre", { ...ICMP, IpProtocol: "gre" }, rule({ ...ICMP, IpProtocol: "gre", SourcePortRange: "-1/-1" })],
    ["all", { ...ICMP, IpProtocol: "all" }, rule({ ...ICMP, IpProtocol: "all", SourcePortRange: "-1/-1" })],
    ["explicit drop", { ...TCP, Policy: "drop" }, rule({ Policy: "drop" })],
    ["Priority number 100", { ...TCP, Priority: 100 }, rule({ Priority: 100 })],
    ["Priority canonical string 5 becomes 5", { ...TCP, Priority: "5" }, rule({ Priority: 5 })],
    ["Priority string 100", { ...TCP, Priority: "100" }, rule({ Priority: 100 })],
    [
      "single address kept as given",
      { ...TCP, DestCidrIp: "192.0.2.10" },
      rule({ DestCidrIp: "192.0.2.10" }),
    ],
    ["/32 kept as given", { ...TCP, DestCidrIp: "192.0.2.10/32" }, rule({ DestCidrIp: "192.0.2.10/32" })],
    [
      "0.0.0.0/0 (guardrails decide, not the schema)",
      { ...TCP, DestCidrIp: "0.0.0.0/0" },
      rule({ DestCidrIp: "0.0.0.0/0" }),
    ],
    [
      "explicit SourcePortRange",
      { ...TCP, SourcePortRange: "1024/65535" },
      rule({ SourcePortRange: "1024/65535" }),
    ],
    [
      "icmp explicit SourcePortRange -1/-1",
      { ...ICMP, SourcePortRange: "-1/-1" },
      rule({ ...ICMP, IpProtocol: "icmp", SourcePortRange: "-1/-1" }),
    ],
  ])("%s", (_name, input, expected) => {
    const request = accepted(input);
    expect(request.rules).toEqual([expected]);
    expect(Object.keys(request.rules[0]!)).toEqual([
      "SecurityGroupId",
      "IpProtocol",
      "PortRange",
      "DestCidrIp",
      "Policy",
      "Priority",
      "SourcePortRange",
    ]);
  });

  it("reads metadata beside the rule fields, trimming text", () => {
    const request = accepted({
      ...TCP,
      TicketId: "  NET-1234 ",
      RequestedBy: "alice@example.com",
      Reason: "line one\nline two\ttabbed",
      DryRun: true,
    });
    expect(request.meta).toEqual({
      TicketId: "NET-1234",
      RequestedBy: "alice@example.com",
      Reason: "line one\nline two\ttabbed",
      DryRun: true,
    });
  });

  it("fills absent metadata with null and DryRun false", () => {
    expect(accepted(TCP).meta).toEqual({ TicketId: null, RequestedBy: null, Reason: null, DryRun: false });
  });

  it("accepts an object without prototype", () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, TCP);
    expect(accepted(input).rules).toEqual([rule({})]);
  });

  it("does not mutate its input", () => {
    const input = { ...TCP, Priority: "5", TicketId: " T-1 " };
    const copy = structuredClone(input);
    parseRuleRequest(input);
    expect(input).toEqual(copy);
  });
});

describe("parseRuleRequest: the Rules form", () => {
  it("accepts several rules with metadata at the top level", () => {
    const request = accepted({ Rules: [TCP, ICMP], TicketId: "NET-1", DryRun: true });
    expect(request.rules).toEqual([
      rule({}),
      rule({ ...ICMP, IpProtocol: "icmp", SourcePortRange: "-1/-1" }),
    ]);
    expect(request.meta).toEqual({ TicketId: "NET-1", RequestedBy: null, Reason: null, DryRun: true });
  });

  it(`accepts exactly ${MAX_RULES_PER_REQUEST} rules`, () => {
    expect(accepted({ Rules: Array.from({ length: MAX_RULES_PER_REQUEST }, () => TCP) }).rules).toHaveLength(
      20,
    );
  });

  it.each<[string, unknown, string, string]>([
    ["empty Rules", { Rules: [] }, "Rules", "Rules: must hold at least one rule"],
    [
      "too many rules",
      { Rules: Array.from({ length: MAX_RULES_PER_REQUEST + 1 }, () => TCP) },
      "Rules",
      "Rules: holds 21 rules; at most 20 are allowed per request, so split it into several requests",
    ],
    ["Rules not a list", { Rules: TCP }, "Rules", "must be a list of rules"],
    ["Rules null", { Rules: null }, "Rules", "not null"],
    [
      "entry not an object",
      { Rules: [TCP, "x"] },
      "Rules[1]",
      "Rules[1]: must be an object holding the rule fields, not a string",
    ],
    ["entry is an array", { Rules: [[]] }, "Rules[0]", "not an array"],
    [
      "rule field beside Rules",
      { Rules: [TCP], SecurityGroupId: "sg-demo0001" },
      "SecurityGroupId",
      'SecurityGroupId: rule fields go inside each entry of "Rules", not beside it',
    ],
    [
      "metadata inside an entry",
      { Rules: [{ ...TCP, TicketId: "NET-1" }] },
      "Rules[0].TicketId",
      'Rules[0].TicketId: metadata goes at the top level beside "Rules", not inside a rule',
    ],
    [
      "unknown field inside an entry",
      { Rules: [{ ...TCP, Foo: 1 }] },
      "Rules[0].Foo",
      "Rules[0].Foo: unknown field",
    ],
    [
      "entry field fault names the entry",
      { Rules: [TCP, { ...ICMP, PortRange: "22/22" }] },
      "Rules[1].PortRange",
      'Rules[1].PortRange: for IpProtocol "icmp" it must be "-1/-1"',
    ],
  ])("refuses %s", (_name, input, path, message) => {
    const { issues } = refused(input);
    const issue = issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message).toContain(message);
  });

  it("gives one slot per entry: the rule when the entry alone is valid, else null", () => {
    const result = refused({
      Rules: [TCP, { ...TCP, PortRange: "0/22" }, 7, { ...ICMP, Foo: 1 }],
      TicketId: "",
    });
    expect(result.entries).toEqual([rule({}), null, null, null]);
    expect(result.issues.map((issue) => issue.path)).toEqual([
      "TicketId",
      "Rules[1].PortRange",
      "Rules[2]",
      "Rules[3].Foo",
    ]);
  });

  it("refuses an over-long list as a whole, with one slot, without reading the entries", () => {
    const result = refused({ Rules: Array.from({ length: 500 }, () => ({ Foo: 1 })), TicketId: "NET-9" });
    expect(result.entries).toEqual([null]);
    expect(result.issues).toHaveLength(1);
    expect(result.meta.TicketId).toBe("NET-9");
  });

  it("gives one null slot when Rules is empty or not a list", () => {
    expect(refused({ Rules: [] }).entries).toEqual([null]);
    expect(refused({ Rules: "x" }).entries).toEqual([null]);
  });
});

describe("parseRuleRequest: refused fields", () => {
  // [name, input, path, exact message or a fragment it must contain]
  it.each<[string, Record<string, unknown>, string, string]>([
    [
      "IpProtocol TCP (case-sensitive)",
      { ...TCP, IpProtocol: "TCP" },
      "IpProtocol",
      'IpProtocol: "TCP" is not valid: values are case-sensitive; did you mean "tcp"?',
    ],
    [
      "IpProtocol unknown",
      { ...TCP, IpProtocol: "http" },
      "IpProtocol",
      '"http" is not valid: use one of "tcp", "udp"',
    ],
    ["IpProtocol number", { ...TCP, IpProtocol: 6 }, "IpProtocol", "not a number"],
    [
      "PortRange 0/22",
      { ...TCP, PortRange: "0/22" },
      "PortRange",
      'PortRange: "0/22" is not valid: ports must be from 1 to 65535 (got 0)',
    ],
    [
      "PortRange 22/21",
      { ...TCP, PortRange: "22/21" },
      "PortRange",
      'PortRange: "22/21" is not valid: the start port 22 is greater than the end port 21; write "21/22"',
    ],
    [
      "PortRange 1/65536",
      { ...TCP, PortRange: "1/65536" },
      "PortRange",
      "ports must be from 1 to 65535 (got 65536)",
    ],
    [
      "PortRange leading space",
      { ...TCP, PortRange: " 22/22" },
      "PortRange",
      'PortRange: " 22/22" is not valid: it must not contain spaces',
    ],
    [
      "PortRange trailing newline",
      { ...TCP, PortRange: "22/22\n" },
      "PortRange",
      '"22/22\\n" is not valid: it must not contain spaces',
    ],
    ["PortRange leading zero", { ...TCP, PortRange: "022/22" }, "PortRange", "without leading zeros"],
    ["PortRange plus sign", { ...TCP, PortRange: "+22/22" }, "PortRange", "whole numbers without a sign"],
    ["PortRange negative", { ...TCP, PortRange: "-22/22" }, "PortRange", "whole numbers without a sign"],
    ["PortRange decimal", { ...TCP, PortRange: "22.0/22" }, "PortRange", "whole numbers without a sign"],
    ["PortRange single port", { ...TCP, PortRange: "22" }, "PortRange", 'write two ports as "start/end"'],
    ["PortRange dash", { ...TCP, PortRange: "22-23" }, "PortRange", 'write two ports as "start/end"'],
    ["PortRange empty", { ...TCP, PortRange: "" }, "PortRange", 'write two ports as "start/end"'],
    [
      "PortRange huge number",
      { ...TCP, PortRange: "99999999999999999999/1" },
      "PortRange",
      "from 1 to 65535",
    ],
    [
      "PortRange -1/-1 for tcp",
      { ...TCP, PortRange: "-1/-1" },
      "PortRange",
      'PortRange: for IpProtocol "tcp" it must name ports "start/end" from 1 to 65535',
    ],
    ["PortRange number", { ...TCP, PortRange: 22 }, "PortRange", "PortRange: must be a port range"],
    [
      "icmp with 22/22",
      { ...ICMP, PortRange: "22/22" },
      "PortRange",
      'PortRange: for IpProtocol "icmp" it must be "-1/-1"',
    ],
    [
      "icmp with 0/0",
      { ...ICMP, PortRange: "0/0" },
      "PortRange",
      'PortRange: for IpProtocol "icmp" it must be "-1/-1"',
    ],
    [
      "gre with 1/65535",
      { ...ICMP, IpProtocol: "gre", PortRange: "1/65535" },
      "PortRange",
      'PortRange: for IpProtocol "gre" it must be "-1/-1"',
    ],
    [
      "all with -1/-1 and space",
      { ...ICMP, IpProtocol: "all", PortRange: "-1/-1 " },
      "PortRange",
      'PortRange: for IpProtocol "all" it must be "-1/-1"',
    ],
    [
      "all with -1",
      { ...ICMP, IpProtocol: "all", PortRange: "-1" },
      "PortRange",
      'PortRange: for IpProtocol "all" it must be "-1/-1"',
    ],
    [
      "SourcePortRange 0/22",
      { ...TCP, SourcePortRange: "0/22" },
      "SourcePortRange",
      'SourcePortRange: "0/22" is not valid: ports must be from 1 to 65535 (got 0)',
    ],
    [
      "SourcePortRange 22/21",
      { ...TCP, SourcePortRange: "22/21" },
      "SourcePortRange",
      "the start port 22 is greater than the end port 21",
    ],
    ["SourcePortRange 1/65536", { ...TCP, SourcePortRange: "1/65536" }, "SourcePortRange", "(got 65536)"],
    [
      "SourcePortRange leading space",
      { ...TCP, SourcePortRange: " 22/22" },
      "SourcePortRange",
      "it must not contain spaces",
    ],
    [
      "SourcePortRange -1/-1 for udp",
      { ...TCP, IpProtocol: "udp", SourcePortRange: "-1/-1" },
      "SourcePortRange",
      'for IpProtocol "udp" it must name ports',
    ],
    [
      "SourcePortRange for icmp",
      { ...ICMP, SourcePortRange: "22/22" },
      "SourcePortRange",
      'SourcePortRange: for IpProtocol "icmp" it must be "-1/-1"',
    ],
    [
      "SourcePortRange null",
      { ...TCP, SourcePortRange: null },
      "SourcePortRange",
      "not null (leave the field out to use the default)",
    ],
    [
      "DestCidrIp bare 0.0.0.0",
      { ...TCP, DestCidrIp: "0.0.0.0" },
      "DestCidrIp",
      'DestCidrIp: "0.0.0.0" is the unspecified address, not a destination; write "0.0.0.0/0" if the whole internet is meant',
    ],
    ["DestCidrIp 0.0.0.0/32", { ...TCP, DestCidrIp: "0.0.0.0/32" }, "DestCidrIp", 'write "0.0.0.0/0"'],
    [
      "DestCidrIp bare 255.255.255.255",
      { ...TCP, DestCidrIp: "255.255.255.255" },
      "DestCidrIp",
      'DestCidrIp: "255.255.255.255" is the broadcast address, not a destination; write "0.0.0.0/0"',
    ],
    [
      "DestCidrIp 255.255.255.255/32 in a list",
      { Rules: [{ ...TCP, DestCidrIp: "255.255.255.255/32" }] },
      "Rules[0].DestCidrIp",
      "is the broadcast address, not a destination",
    ],
    [
      "DestCidrIp prefix 33",
      { ...TCP, DestCidrIp: "10.0.0.0/33" },
      "DestCidrIp",
      'DestCidrIp: "10.0.0.0/33" is not valid: the prefix length after "/" must be a number from 0 to 32',
    ],
    [
      "DestCidrIp octet 256",
      { ...TCP, DestCidrIp: "256.1.1.1" },
      "DestCidrIp",
      'DestCidrIp: "256.1.1.1" is not valid: an IPv4 address is four numbers from 0 to 255',
    ],
    [
      "DestCidrIp host bits set",
      { ...TCP, DestCidrIp: "10.0.0.1/8" },
      "DestCidrIp",
      'DestCidrIp: "10.0.0.1/8" has host bits set after the prefix; did you mean the network "10.0.0.0/8"?',
    ],
    [
      "DestCidrIp leading zero octet",
      { ...TCP, DestCidrIp: "010.0.0.0/8" },
      "DestCidrIp",
      "without leading zeros",
    ],
    ["DestCidrIp leading zero prefix", { ...TCP, DestCidrIp: "10.0.0.0/08" }, "DestCidrIp", "prefix length"],
    ["DestCidrIp empty prefix", { ...TCP, DestCidrIp: "10.0.0.0/" }, "DestCidrIp", "prefix length"],
    ["DestCidrIp two slashes", { ...TCP, DestCidrIp: "10.0.0.0/8/8" }, "DestCidrIp", 'at most one "/"'],
    ["DestCidrIp space", { ...TCP, DestCidrIp: " 10.0.0.0/8" }, "DestCidrIp", "must not contain spaces"],
    ["DestCidrIp three octets", { ...TCP, DestCidrIp: "10.0.0/8" }, "DestCidrIp", "four numbers"],
    ["DestCidrIp IPv6", { ...TCP, DestCidrIp: "::1" }, "DestCidrIp", "four numbers"],
    ["DestCidrIp masked doc example", { ...TCP, DestCidrIp: "10.0.XX.XX/8" }, "DestCidrIp", "four numbers"],
    [
      "Priority 0",
      { ...TCP, Priority: 0 },
      "Priority",
      "Priority: must be a whole number from 1 to 100 (got 0)",
    ],
    ["Priority 101", { ...TCP, Priority: 101 }, "Priority", "(got 101)"],
    ["Priority 1.5", { ...TCP, Priority: 1.5 }, "Priority", "(got 1.5)"],
    ["Priority -1", { ...TCP, Priority: -1 }, "Priority", "(got -1)"],
    [
      "Priority string 05",
      { ...TCP, Priority: "05" },
      "Priority",
      'Priority: "05" is not valid: it must be a whole number from 1 to 100',
    ],
    ["Priority string 5.0", { ...TCP, Priority: "5.0" }, "Priority", '"5.0" is not valid'],
    ["Priority string with space", { ...TCP, Priority: " 5" }, "Priority", '" 5" is not valid'],
    ["Priority string 0", { ...TCP, Priority: "0" }, "Priority", '"0" is not valid'],
    ["Priority string 101", { ...TCP, Priority: "101" }, "Priority", '"101" is not valid'],
    ["Priority string 1e1", { ...TCP, Priority: "1e1" }, "Priority", '"1e1" is not valid'],
    ["Priority boolean", { ...TCP, Priority: true }, "Priority", "not a boolean"],
    [
      "Priority null",
      { ...TCP, Priority: null },
      "Priority",
      "not null (leave the field out to use the default)",
    ],
    [
      "Policy Accept",
      { ...TCP, Policy: "Accept" },
      "Policy",
      'Policy: "Accept" is not valid: values are case-sensitive; did you mean "accept"?',
    ],
    ["Policy allow", { ...TCP, Policy: "allow" }, "Policy", 'use one of "accept", "drop"'],
    [
      "SecurityGroupId empty",
      { ...TCP, SecurityGroupId: "" },
      "SecurityGroupId",
      "SecurityGroupId: must not be empty",
    ],
    [
      "SecurityGroupId leading space",
      { ...TCP, SecurityGroupId: " sg-demo0001" },
      "SecurityGroupId",
      "is not valid",
    ],
    [
      "SecurityGroupId trailing newline",
      { ...TCP, SecurityGroupId: "sg-demo0001\n" },
      "SecurityGroupId",
      '"sg-demo0001\\n" is not valid',
    ],
    [
      "SecurityGroupId NUL",
      { ...TCP, SecurityGroupId: "sg-demo\u00000001" },
      "SecurityGroupId",
      "is not valid",
    ],
    [
      "SecurityGroupId uppercase",
      { ...TCP, SecurityGroupId: "SG-DEMO0001" },
      "SecurityGroupId",
      'did you mean "sg-demo0001"?',
    ],
    [
      "SecurityGroupId masked",
      { ...TCP, SecurityGroupId: "sg-bp67acfmxazb4p****" },
      "SecurityGroupId",
      "it looks masked",
    ],
    [
      "SecurityGroupId bare prefix",
      { ...TCP, SecurityGroupId: "sg-" },
      "SecurityGroupId",
      'expected "sg-" followed by 1 to 64',
    ],
    [
      "SecurityGroupId 65-char tail",
      { ...TCP, SecurityGroupId: `sg-${"a".repeat(65)}` },
      "SecurityGroupId",
      "1 to 64",
    ],
    [
      "SecurityGroupId other prefix",
      { ...TCP, SecurityGroupId: "i-demo0001" },
      "SecurityGroupId",
      "is not valid",
    ],
    [
      "SecurityGroupId underscore",
      { ...TCP, SecurityGroupId: "sg_demo0001" },
      "SecurityGroupId",
      "is not valid",
    ],
    ["SecurityGroupId number", { ...TCP, SecurityGroupId: 1 }, "SecurityGroupId", "not a number"],
    ["TicketId empty", { ...TCP, TicketId: "" }, "TicketId", "TicketId: must not be empty"],
    ["TicketId blank", { ...TCP, TicketId: "   " }, "TicketId", "must not be empty"],
    [
      "TicketId 129 chars",
      { ...TCP, TicketId: "T".repeat(129) },
      "TicketId",
      "at most 128 characters (got 129)",
    ],
    ["TicketId newline", { ...TCP, TicketId: "NET-1\nINJECTED" }, "TicketId", "must not contain line breaks"],
    ["TicketId number", { ...TCP, TicketId: 1234 }, "TicketId", "not a number"],
    ["TicketId unit separator", { ...TCP, TicketId: "NET\u001f1" }, "TicketId", "control"],
    ["TicketId DEL", { ...TCP, TicketId: "NET\u007f1" }, "TicketId", "control"],
    ["TicketId tab", { ...TCP, TicketId: "NET\t1" }, "TicketId", "control"],
    [
      "TicketId zero-width space",
      { ...TCP, TicketId: "\u200b" },
      "TicketId",
      "TicketId: must not contain invisible or blank characters (found U+200B)",
    ],
    ["TicketId word joiner", { ...TCP, TicketId: "NET-1\u2060" }, "TicketId", "(found U+2060)"],
    ["TicketId Hangul filler", { ...TCP, TicketId: "\u3164" }, "TicketId", "(found U+3164)"],
    ["TicketId Hangul jungseong filler", { ...TCP, TicketId: "\u1160" }, "TicketId", "(found U+1160)"],
    ["TicketId Hangul choseong filler", { ...TCP, TicketId: "\u115f" }, "TicketId", "(found U+115F)"],
    ["TicketId Braille blank", { ...TCP, TicketId: "\u2800" }, "TicketId", "(found U+2800)"],
    ["TicketId byte order mark", { ...TCP, TicketId: "NET\ufeff-1" }, "TicketId", "(found U+FEFF)"],
    ["TicketId no-break space", { ...TCP, TicketId: "NET\u00a01" }, "TicketId", "(found U+00A0)"],
    ["TicketId line separator", { ...TCP, TicketId: "NET\u20281" }, "TicketId", "(found U+2028)"],
    [
      "TicketId signs only",
      { ...TCP, TicketId: "-#-" },
      "TicketId",
      'TicketId: must contain a letter or a digit, e.g. "NET-1234"',
    ],
    ["TicketId combining mark only", { ...TCP, TicketId: "\u0301" }, "TicketId", "a letter or a digit"],
    ["RequestedBy 257 chars", { ...TCP, RequestedBy: "a".repeat(257) }, "RequestedBy", "at most 256"],
    [
      "RequestedBy bidi override",
      { ...TCP, RequestedBy: "alice\u202egnp.exe" },
      "RequestedBy",
      "invisible formatting",
    ],
    ["RequestedBy C1 control", { ...TCP, RequestedBy: "alice\u0085" }, "RequestedBy", "control"],
    ["Reason 1025 chars", { ...TCP, Reason: "r".repeat(1025) }, "Reason", "at most 1024"],
    ["Reason NUL", { ...TCP, Reason: "a\u0000b" }, "Reason", "line breaks and tabs are fine"],
    ["Reason lone surrogate", { ...TCP, Reason: "a\ud800b" }, "Reason", "control or invisible"],
    [
      "DryRun string",
      { ...TCP, DryRun: "true" },
      "DryRun",
      "DryRun: must be true or false (a JSON boolean), not a string",
    ],
    ["DryRun number", { ...TCP, DryRun: 1 }, "DryRun", "not a number"],
    [
      "missing SecurityGroupId",
      { ...TCP, SecurityGroupId: undefined },
      "SecurityGroupId",
      "SecurityGroupId: is required",
    ],
    ["missing IpProtocol", { ...TCP, IpProtocol: undefined }, "IpProtocol", "IpProtocol: is required"],
    ["missing PortRange", { ...TCP, PortRange: undefined }, "PortRange", "PortRange: is required"],
    ["missing DestCidrIp", { ...TCP, DestCidrIp: undefined }, "DestCidrIp", "DestCidrIp: is required"],
    ["unknown field", { ...TCP, Foo: 1 }, "Foo", "Foo: unknown field; allowed here: SecurityGroupId"],
    [
      "camelCase field",
      { ...TCP, portRange: "22/22" },
      "portRange",
      'portRange: unknown field; did you mean "PortRange"?',
    ],
    [
      "snake_case field",
      { ...TCP, dest_cidr_ip: "10.0.0.0/8" },
      "dest_cidr_ip",
      'did you mean "DestCidrIp"?',
    ],
    ["lowercase rules", { rules: [TCP] }, "rules", 'did you mean "Rules"?'],
    ["odd field name", { ...TCP, "a b": 1 }, '["a b"]', '["a b"]: unknown field'],
  ])("%s", (_name, raw, path, message) => {
    // `undefined` stands for "left out": JSON has no undefined, so the key is dropped.
    const input = JSON.parse(JSON.stringify(raw)) as unknown;
    const { issues } = refused(input);
    const issue = issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message).toContain(message);
    expect(issue!.message.startsWith(`${path}: `)).toBe(true);
  });

  it("reports every problem of a rule at once, in the order of the fields", () => {
    const { issues } = refused({
      Zed: 1,
      DestCidrIp: 5,
      PortRange: "22/22",
      IpProtocol: "icmp",
      SecurityGroupId: "SG-1",
      Priority: 0,
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      "SecurityGroupId",
      "PortRange",
      "DestCidrIp",
      "Priority",
      "Zed",
    ]);
  });

  it("checks port ranges loosely when IpProtocol itself is invalid", () => {
    const bad = refused({ ...TCP, IpProtocol: "TCP", PortRange: "22/21" });
    expect(bad.issues.map((issue) => issue.path)).toEqual(["IpProtocol", "PortRange"]);
    const fine = refused({ ...TCP, IpProtocol: "ICMP", PortRange: "-1/-1" });
    expect(fine.issues.map((issue) => issue.path)).toEqual(["IpProtocol"]);
  });

  it("names each unknown field in its own issue", () => {
    const { issues } = refused({ ...TCP, Foo: 1, Bar: 2, Description: "x" });
    expect(issues.map((issue) => issue.path)).toEqual(["Foo", "Bar", "Description"]);
  });

  it("quotes echoed input with JSON escapes and cuts it short", () => {
    const { issues } = refused({ ...TCP, DestCidrIp: `\u001b[31m${"9".repeat(500)}` });
    const message = issues[0]!.message;
    expect(message).toContain("\\u001b[31m");
    expect(message).not.toContain("\u001b");
    expect(message.length).toBeLessThan(300);
  });
});

describe("parseRuleRequest: prototype keys", () => {
  it.each(["__proto__", "constructor", "prototype"])(
    "treats %s as an unknown field and pollutes nothing",
    (key) => {
      const input = JSON.parse(`{"SecurityGroupId":"sg-demo0001","IpProtocol":"tcp","PortRange":"22/22",
      "DestCidrIp":"10.0.0.0/8","${key}":{"polluted":true,"TicketId":"T-EVIL","SecurityGroupId":"sg-evil"}}`) as unknown;
      const result = refused(input);
      expect(result.issues).toEqual([
        { path: key, message: expect.stringContaining(`${key}: unknown field`) },
      ]);
      expect(result.entries).toEqual([rule({})]);
      expect(result.meta.TicketId).toBeNull();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(result.entries[0])).toBe(Object.prototype);
    },
  );

  it("refuses __proto__ inside a Rules entry and at the top of the Rules form", () => {
    const input = JSON.parse(
      '{"__proto__":{"polluted":1},"Rules":[{"__proto__":{"polluted":1},"SecurityGroupId":"sg-demo0001","IpProtocol":"tcp","PortRange":"22/22","DestCidrIp":"10.0.0.0/8"}]}',
    ) as unknown;
    const result = refused(input);
    expect(result.issues.map((issue) => issue.path).sort()).toEqual(["Rules[0].__proto__", "__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses an object with a non-plain prototype, so an inherited field cannot count as given", () => {
    const input = Object.create({ DestCidrIp: "10.0.0.0/8" }) as Record<string, unknown>;
    Object.assign(input, { SecurityGroupId: "sg-demo0001", IpProtocol: "tcp", PortRange: "22/22" });
    expect(refused(input).issues[0]!.path).toBe("(root)");
  });
});

describe("parseRuleRequest: the root and hostile values", () => {
  it.each<[string, unknown, string]>([
    ["an array", [TCP], "not an array"],
    ["a string", JSON.stringify(TCP), "not a string"],
    ["null", null, "not null"],
    ["a number", 5, "not a number"],
    ["a boolean", true, "not a boolean"],
    ["undefined", undefined, "not nothing"],
    ["a Date", new Date(0), "not an object"],
    ["a Map", new Map([["SecurityGroupId", "sg-demo0001"]]), "not an object"],
  ])("refuses %s with one issue at (root)", (_name, input, fragment) => {
    const result = refused(input);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]!.path).toBe("(root)");
    expect(result.issues[0]!.message).toContain(fragment);
    expect(result.entries).toEqual([null]);
    expect(result.meta).toEqual({});
  });

  it("never throws on a throwing getter or a throwing Proxy", () => {
    const getter = { ...TCP };
    Object.defineProperty(getter, "PortRange", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    const proxy = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("boom");
        },
      },
    );
    for (const input of [getter, proxy]) {
      const result = parseRuleRequest(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]!.path).toBe("(root)");
    }
  });

  it(`caps the issues at ${MAX_ISSUES}, the last one counting the rest`, () => {
    const input = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`Extra${i}`, i]));
    const { issues } = refused(input);
    expect(issues).toHaveLength(MAX_ISSUES);
    expect(issues.at(-1)).toEqual({ path: "(root)", message: "…and 205 more problems not shown" });
  });
});

describe("parseRuleRequest: slots and metadata of a refused single rule", () => {
  it("keeps the rule slot when only the metadata is wrong", () => {
    const result = refused({ ...TCP, TicketId: "NET-1", DryRun: "yes" });
    expect(result.entries).toEqual([rule({})]);
    expect(result.meta).toEqual({ TicketId: "NET-1", RequestedBy: null, Reason: null });
  });

  it("keeps the rule slot when an unknown field sits beside a valid rule", () => {
    expect(refused({ ...TCP, Description: "ssh" }).entries).toEqual([rule({})]);
  });

  it("has a null slot when the rule is invalid", () => {
    const result = refused({ ...TCP, PortRange: "0/22", RequestedBy: "bob" });
    expect(result.entries).toEqual([null]);
    expect(result.meta.RequestedBy).toBe("bob");
  });
});

describe("normaliseRule", () => {
  it("fills the defaults per protocol", () => {
    expect(normaliseRule({ ...TCP, IpProtocol: "tcp" })).toEqual(rule({}));
    expect(normaliseRule({ ...TCP, IpProtocol: "udp" }).SourcePortRange).toBe("1/65535");
    for (const protocol of ["icmp", "gre", "all"] as const) {
      expect(normaliseRule({ ...ICMP, IpProtocol: protocol }).SourcePortRange).toBe("-1/-1");
    }
  });

  it("keeps given values and drops anything that is not an ENS field", () => {
    const input = { ...TCP, IpProtocol: "tcp" as const, Policy: "drop" as const, Priority: 7, Extra: 1 };
    expect(normaliseRule(input)).toEqual(rule({ Policy: "drop", Priority: 7 }));
  });

  it("is idempotent", () => {
    const once = normaliseRule({ ...ICMP, IpProtocol: "gre" });
    expect(normaliseRule(once)).toEqual(once);
  });
});

describe("formatIssues", () => {
  it("joins the messages into one line", () => {
    const { issues } = refused({ ...TCP, IpProtocol: "TCP", Foo: 1 });
    const line = formatIssues(issues);
    expect(line).toBe(`${issues[0]!.message}; ${issues[1]!.message}`);
    expect(
      formatIssues([
        { path: "x", message: "a\nb" },
        { path: "y", message: "c\r\nd" },
      ]),
    ).toBe("a b; c d");
    expect(formatIssues([])).toBe("");
  });
});

describe("schemas", () => {
  it("RuleRequestSchema outputs a RuleRequest and agrees with parseRuleRequest", () => {
    expectTypeOf<z.output<typeof RuleRequestSchema>>().toEqualTypeOf<RuleRequest>();
    // Compiles only while the input type takes Priority as a string (form fields from ticketing systems).
    const typed: RuleRequestInput = { ...TCP, IpProtocol: "tcp", Priority: "5" };
    expect(parseRuleRequest(typed).ok).toBe(true);
    const inputs: unknown[] = [
      TCP,
      { ...TCP, Priority: "5", TicketId: " T " },
      { Rules: [TCP, ICMP], DryRun: true },
      { ...TCP, IpProtocol: "TCP" },
      { Rules: [] },
      { Rules: [TCP], SecurityGroupId: "sg-demo0001" },
      { Rules: [TCP], Foo: 1 },
    ];
    for (const input of inputs) {
      const viaSchema = RuleRequestSchema.safeParse(input);
      const viaParse = parseRuleRequest(input);
      expect(viaSchema.success).toBe(viaParse.ok);
      if (viaSchema.success && viaParse.ok) expect(viaSchema.data).toEqual(viaParse.request);
    }
  });

  it("egressRuleInput() refuses metadata and accepts one rule", () => {
    expect(egressRuleInput().safeParse(TCP).success).toBe(true);
    expect(egressRuleInput().safeParse({ ...TCP, TicketId: "T-1" }).success).toBe(false);
    expect(egressRuleInput().safeParse({ ...ICMP, PortRange: "22/22" }).success).toBe(false);
  });
});
