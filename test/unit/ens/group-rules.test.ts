import { describe, expect, it } from "vitest";
import { readGroupEgressRules } from "#shared/adapters/ens/group-rules.ts";
import { ruleIdentity } from "#shared/domain/rule-identity.ts";

const GROUP = "sg-read0001";

describe("readGroupEgressRules", () => {
  it("reads the Permissions.Permission wrapper and normalises ENS's console spelling (TCP, Accept)", () => {
    const body = {
      RequestId: "r-1",
      SecurityGroupId: GROUP,
      Permissions: {
        Permission: [
          {
            CreationTime: "2018-12-12T07:28:38Z",
            Description: "",
            Direction: "egress",
            IpProtocol: "TCP",
            Policy: "Accept",
            PortRange: "22/22",
            Priority: 1,
            SourcePortRange: "-1/-1",
            DestCidrIp: "10.0.0.1",
          },
          {
            Direction: "ingress",
            IpProtocol: "TCP",
            Policy: "Accept",
            PortRange: "22/22",
            SourceCidrIp: "0.0.0.0/0",
          },
          {
            Direction: "egress",
            IpProtocol: "ICMP",
            Policy: "Drop",
            PortRange: "-1/-1",
            Priority: 5,
            DestCidrIp: "192.0.2.0/24",
          },
        ],
      },
    };
    expect(readGroupEgressRules(body, GROUP)).toEqual([
      {
        SecurityGroupId: GROUP,
        IpProtocol: "tcp",
        PortRange: "22/22",
        DestCidrIp: "10.0.0.1",
        Policy: "accept",
        Priority: 1,
        SourcePortRange: "1/65535",
      },
      {
        SecurityGroupId: GROUP,
        IpProtocol: "icmp",
        PortRange: "-1/-1",
        DestCidrIp: "192.0.2.0/24",
        Policy: "drop",
        Priority: 5,
        SourcePortRange: "-1/-1",
      },
    ]);
  });

  it("widens what it cannot read instead of dropping it: unknown protocol is all, odd ports are every port, odd policy is accept", () => {
    const body = {
      Permissions: {
        Permission: {
          Direction: "egress",
          IpProtocol: "SCTP",
          Policy: "Maybe",
          PortRange: "x",
          DestCidrIp: "8.8.8.0/24",
        },
      },
    };
    expect(readGroupEgressRules(body, GROUP)).toEqual([
      expect.objectContaining({ IpProtocol: "all", Policy: "accept", PortRange: "-1/-1" }),
    ]);
    const tcp = {
      Permissions: { Permission: [{ IpProtocol: "tcp", PortRange: "99999/1", DestCidrIp: "8.8.8.0/24" }] },
    };
    expect(readGroupEgressRules(tcp, GROUP)[0]).toMatchObject({ PortRange: "1/65535", Policy: "accept" });
  });

  it("skips IPv6-only rules and answers without permissions", () => {
    expect(
      readGroupEgressRules(
        { Permissions: { Permission: [{ Direction: "egress", Ipv6DestCidrIp: "::/0" }] } },
        GROUP,
      ),
    ).toEqual([]);
    expect(readGroupEgressRules({}, GROUP)).toEqual([]);
    expect(readGroupEgressRules({ Permissions: {} }, GROUP)).toEqual([]);
  });

  it("a bare address and its /32 are the same rule to ENS", () => {
    const [read] = readGroupEgressRules(
      {
        Permissions: {
          Permission: [
            {
              IpProtocol: "TCP",
              PortRange: "22/22",
              Policy: "Accept",
              Priority: 1,
              SourcePortRange: "1/65535",
              DestCidrIp: "10.0.0.1",
            },
          ],
        },
      },
      GROUP,
    );
    expect(ruleIdentity(read!)).toBe(ruleIdentity({ ...read!, DestCidrIp: "10.0.0.1/32" }));
    expect(ruleIdentity(read!)).not.toBe(ruleIdentity({ ...read!, Priority: 2 }));
  });
});
