import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnsEmulatorError } from "../../../local/ens-emulator/errors.ts";
import { parseRuleParams } from "../../../local/ens-emulator/rule-params.ts";

const base = { SecurityGroupId: "sg-1", IpProtocol: "tcp", PortRange: "22/22", DestCidrIp: "10.0.0.0/8" };

function parse(fields: Record<string, string | undefined>, direction: "egress" | "ingress" = "egress") {
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) params.set(name, value);
  return parseRuleParams(params, direction);
}

function codeOf(fields: Record<string, string | undefined>): string {
  try {
    parse(fields);
  } catch (error) {
    if (error instanceof EnsEmulatorError) return error.code;
    throw error;
  }
  return "accepted";
}

describe("AuthorizeSecurityGroupEgress parameters", () => {
  it("fills in the documented defaults", () => {
    expect(parse(base)).toMatchObject({
      Policy: "accept",
      Priority: 1,
      SourcePortRange: "1/65535",
      cidrKey: "10.0.0.0/8",
    });
    expect(parse({ ...base, IpProtocol: "icmp", PortRange: "-1/-1" }).SourcePortRange).toBe("-1/-1");
    expect(parse({ ...base, IpProtocol: "all", PortRange: "-1/-1" }).SourcePortRange).toBe("-1/-1");
    expect(parse({ ...base, IpProtocol: "udp" }).SourcePortRange).toBe("1/65535");
  });

  it("normalises the destination for identity only: the rule keeps what was sent", () => {
    const rule = parse({ ...base, DestCidrIp: "10.0.0.1/8" });
    expect(rule.cidr).toBe("10.0.0.1/8");
    expect(rule.cidrKey).toBe("10.0.0.0/8");
    expect(parse({ ...base, DestCidrIp: "10.0.0.1" }).cidrKey).toBe("10.0.0.1/32");
  });

  it.each(["SecurityGroupId", "IpProtocol", "PortRange", "DestCidrIp"])(
    "requires %s (absent or empty)",
    (name) => {
      expect(codeOf({ ...base, [name]: undefined })).toBe("MissingParameter");
      expect(codeOf({ ...base, [name]: "" })).toBe("MissingParameter");
    },
  );

  it("names the missing parameter in the message", () => {
    expect(() => parse({ ...base, DestCidrIp: undefined })).toThrow(/"DestCidrIp"/);
  });

  it.each([
    // IpProtocol: lowercase only, five values.
    [{ IpProtocol: "TCP" }, "InvalidParameter.IpProtocol"],
    [{ IpProtocol: "Tcp" }, "InvalidParameter.IpProtocol"],
    [{ IpProtocol: "icmpv6" }, "InvalidParameter.IpProtocol"],
    [{ IpProtocol: "6" }, "InvalidParameter.IpProtocol"],
    // PortRange for tcp/udp: start/end, 1-65535, start <= end.
    [{ PortRange: "22" }, "InvalidParameter.PortRange"],
    [{ PortRange: "0/22" }, "InvalidParameter.PortRange"],
    [{ PortRange: "1/65536" }, "InvalidParameter.PortRange"],
    [{ PortRange: "200/1" }, "InvalidParameter.PortRange"],
    [{ PortRange: "-1/-1" }, "InvalidParameter.PortRange"],
    [{ PortRange: "22-22" }, "InvalidParameter.PortRange"],
    [{ PortRange: "22/22/22" }, "InvalidParameter.PortRange"],
    [{ PortRange: " 22/22" }, "InvalidParameter.PortRange"],
    [{ PortRange: "022/22" }, "InvalidParameter.PortRange"],
    [{ PortRange: "a/b" }, "InvalidParameter.PortRange"],
    [{ IpProtocol: "udp", PortRange: "100/99" }, "InvalidParameter.PortRange"],
    // PortRange for icmp/gre/all: exactly -1/-1.
    [{ IpProtocol: "icmp", PortRange: "22/22" }, "InvalidParameter.PortRange"],
    [{ IpProtocol: "gre", PortRange: "1/65535" }, "InvalidParameter.PortRange"],
    [{ IpProtocol: "all", PortRange: "-1/1" }, "InvalidParameter.PortRange"],
    // SourcePortRange: same rules as PortRange.
    [{ SourcePortRange: "0/1" }, "InvalidParameter.SourcePortRange"],
    [{ SourcePortRange: "2/1" }, "InvalidParameter.SourcePortRange"],
    [{ SourcePortRange: "-1/-1" }, "InvalidParameter.SourcePortRange"],
    [{ SourcePortRange: "" }, "InvalidParameter.SourcePortRange"],
    [
      { IpProtocol: "icmp", PortRange: "-1/-1", SourcePortRange: "1/65535" },
      "InvalidParameter.SourcePortRange",
    ],
    // Policy: accept or drop, lowercase.
    [{ Policy: "Accept" }, "InvalidParameter.Policy"],
    [{ Policy: "deny" }, "InvalidParameter.Policy"],
    [{ Policy: "" }, "InvalidParameter.Policy"],
    // Priority: integer 1-100.
    [{ Priority: "0" }, "InvalidParameter.Priority"],
    [{ Priority: "101" }, "InvalidParameter.Priority"],
    [{ Priority: "5.5" }, "InvalidParameter.Priority"],
    [{ Priority: "5.0" }, "InvalidParameter.Priority"],
    [{ Priority: "-1" }, "InvalidParameter.Priority"],
    [{ Priority: "abc" }, "InvalidParameter.Priority"],
    [{ Priority: "" }, "InvalidParameter.Priority"],
    [{ Priority: "1e1" }, "InvalidParameter.Priority"],
    // DestCidrIp: IPv4 CIDR or address.
    [{ DestCidrIp: "10.0.0.0/33" }, "InvalidParameter.DestCidrIp"],
    [{ DestCidrIp: "256.0.0.0/8" }, "InvalidParameter.DestCidrIp"],
    [{ DestCidrIp: "::/0" }, "InvalidParameter.DestCidrIp"],
    [{ DestCidrIp: "example.com" }, "InvalidParameter.DestCidrIp"],
  ])("refuses %j with %s", (change, code) => {
    expect(codeOf({ ...base, ...change })).toBe(code);
  });

  it.each([
    [{ Priority: "1" }],
    [{ Priority: "100" }],
    [{ Priority: "5" }],
    [{ Policy: "drop" }],
    [{ PortRange: "1/65535" }],
    [{ PortRange: "1/200", SourcePortRange: "22/22" }],
    [{ IpProtocol: "icmp", PortRange: "-1/-1", SourcePortRange: "-1/-1" }],
    [{ IpProtocol: "gre", PortRange: "-1/-1" }],
    [{ DestCidrIp: "0.0.0.0/0" }],
    [{ DestCidrIp: "192.168.1.1" }],
    [{ DestCidrIp: "10.0.0.1/8" }],
  ])("accepts %j", (change) => {
    expect(codeOf({ ...base, ...change })).toBe("accepted");
  });

  it("accepts exactly the tcp/udp ranges with 1 <= start <= end <= 65535", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 65537 }), fc.integer({ min: -2, max: 65537 }), (start, end) => {
        const valid = start >= 1 && end <= 65535 && start <= end;
        expect(codeOf({ ...base, PortRange: `${start}/${end}` })).toBe(
          valid ? "accepted" : "InvalidParameter.PortRange",
        );
      }),
    );
  });

  it("reports the first problem in the page's field order", () => {
    expect(codeOf({ ...base, IpProtocol: "TCP", Priority: "0" })).toBe("InvalidParameter.IpProtocol");
    expect(codeOf({ ...base, Policy: "x", Priority: "0" })).toBe("InvalidParameter.Policy");
  });

  it("validates ingress rules on SourceCidrIp instead", () => {
    const ingress = {
      SecurityGroupId: "sg-1",
      IpProtocol: "tcp",
      PortRange: "22/22",
      SourceCidrIp: "10.0.0.0/8",
    };
    expect(parse(ingress, "ingress").cidr).toBe("10.0.0.0/8");
    expect(() => parse({ ...ingress, SourceCidrIp: "x" }, "ingress")).toThrow(/SourceCidrIp/);
  });
});
