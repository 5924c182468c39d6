import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBlock, parseCidr } from "#shared/domain/ipv4.ts";
import { ruleIdentity } from "#shared/domain/rule-identity.ts";
import type { EgressRule } from "#shared/domain/types.ts";

/** The identity as first written: the destination always formatted from the parsed block. */
function oracle(rule: EgressRule): string {
  const parsed = parseCidr(rule.DestCidrIp);
  return JSON.stringify([
    rule.SecurityGroupId,
    rule.IpProtocol.toLowerCase(),
    rule.PortRange,
    parsed.ok ? formatBlock(parsed.block) : rule.DestCidrIp,
    rule.Policy.toLowerCase(),
    rule.Priority,
    rule.SourcePortRange,
  ]);
}

const octet = fc.integer({ min: 0, max: 255 });
const destination = fc.oneof(
  fc.tuple(octet, octet, octet, octet).map((parts) => parts.join(".")),
  fc
    .tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 }))
    .map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}/${prefix}`),
  fc.constantFrom("10.0.0.0/8", "010.0.0.0/8", "10.0.0.1/33", "not an address", "1.2.3.4/"),
);
const rule = fc.record({
  SecurityGroupId: fc.constantFrom("sg-a", "sg-b"),
  IpProtocol: fc.constantFrom("tcp", "TCP", "udp", "all"),
  PortRange: fc.constantFrom("22/22", "-1/-1"),
  DestCidrIp: destination,
  Policy: fc.constantFrom("accept", "Accept", "drop"),
  Priority: fc.integer({ min: 1, max: 3 }),
  SourcePortRange: fc.constantFrom("1/65535", "-1/-1"),
}) as fc.Arbitrary<EgressRule>;

describe("ruleIdentity", () => {
  it("is the identity of its definition: the destination as a network, protocol and policy in any case", () => {
    fc.assert(
      fc.property(rule, (r) => {
        expect(ruleIdentity(r)).toBe(oracle(r));
      }),
      { numRuns: 2000 },
    );
  });

  it("calls an address and its /32, and a block with host bits and its network, the same rule", () => {
    const base: EgressRule = {
      SecurityGroupId: "sg-a",
      IpProtocol: "tcp",
      PortRange: "22/22",
      DestCidrIp: "10.0.0.1",
      Policy: "accept",
      Priority: 1,
      SourcePortRange: "1/65535",
    };
    expect(ruleIdentity(base)).toBe(ruleIdentity({ ...base, DestCidrIp: "10.0.0.1/32" }));
    expect(ruleIdentity({ ...base, DestCidrIp: "10.1.2.3/8" })).toBe(
      ruleIdentity({ ...base, DestCidrIp: "10.0.0.0/8" }),
    );
    expect(ruleIdentity(base)).not.toBe(ruleIdentity({ ...base, DestCidrIp: "10.0.0.2" }));
  });
});
