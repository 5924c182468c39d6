/**
 * What the ENS API page implies about AuthorizeSecurityGroupEgress, asked through official clients: every
 * invalid parameter is refused with InvalidParameter.<field> (or MissingParameter), every valid request is
 * accepted, and the business errors (NotFound, Duplicated, quota) come back with their codes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EnsEmulator } from "../../../local/ens-emulator/index.ts";
import { createCaller, type EnsCaller, expectFailure, type Flavour } from "./support/official-clients.ts";
import { control, PLAIN, startTestEmulator } from "./support/setup.ts";

const GROUP = "sg-validation";
const BASE: Record<string, string | number> = {
  SecurityGroupId: GROUP,
  IpProtocol: "tcp",
  PortRange: "22/22",
  DestCidrIp: "10.0.0.0/8",
};
// One V1 client that sends a form body, one V3 client that sends the query: between them, both wire forms.
const SIGNERS: Flavour[] = ["pop-core V1 POST", "openapi-core V3"];

let emulator: EnsEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ ruleQuota: 3 });
});

beforeEach(async () => {
  await control(emulator, "POST", "reset");
  await control(emulator, "POST", "security-groups", { SecurityGroupId: GROUP });
});

afterAll(async () => {
  await emulator?.close();
});

function without(name: string): Record<string, string | number> {
  const { [name]: _dropped, ...rest } = BASE;
  return rest;
}

const INVALID: Array<[string, Record<string, string | number>, string]> = [
  ["IpProtocol uppercase", { IpProtocol: "TCP" }, "InvalidParameter.IpProtocol"],
  ["IpProtocol unknown", { IpProtocol: "sctp" }, "InvalidParameter.IpProtocol"],
  ["IpProtocol as a number", { IpProtocol: "6" }, "InvalidParameter.IpProtocol"],
  ["PortRange single port", { PortRange: "22" }, "InvalidParameter.PortRange"],
  ["PortRange port 0", { PortRange: "0/22" }, "InvalidParameter.PortRange"],
  ["PortRange above 65535", { PortRange: "1/65536" }, "InvalidParameter.PortRange"],
  ["PortRange start > end", { PortRange: "200/1" }, "InvalidParameter.PortRange"],
  ["PortRange -1/-1 for tcp", { PortRange: "-1/-1" }, "InvalidParameter.PortRange"],
  ["PortRange with a dash", { PortRange: "1-200" }, "InvalidParameter.PortRange"],
  ["PortRange ports for icmp", { IpProtocol: "icmp", PortRange: "1/200" }, "InvalidParameter.PortRange"],
  ["PortRange ports for gre", { IpProtocol: "gre", PortRange: "22/22" }, "InvalidParameter.PortRange"],
  ["PortRange ports for all", { IpProtocol: "all", PortRange: "1/65535" }, "InvalidParameter.PortRange"],
  ["SourcePortRange start > end", { SourcePortRange: "2/1" }, "InvalidParameter.SourcePortRange"],
  ["SourcePortRange port 0", { SourcePortRange: "0/100" }, "InvalidParameter.SourcePortRange"],
  [
    "SourcePortRange -1/-1 for udp",
    { IpProtocol: "udp", SourcePortRange: "-1/-1" },
    "InvalidParameter.SourcePortRange",
  ],
  [
    "SourcePortRange ports for icmp",
    { IpProtocol: "icmp", PortRange: "-1/-1", SourcePortRange: "1/200" },
    "InvalidParameter.SourcePortRange",
  ],
  ["Policy capitalised", { Policy: "Accept" }, "InvalidParameter.Policy"],
  ["Policy unknown", { Policy: "deny" }, "InvalidParameter.Policy"],
  ["Priority 0", { Priority: 0 }, "InvalidParameter.Priority"],
  ["Priority 101", { Priority: 101 }, "InvalidParameter.Priority"],
  ["Priority fractional", { Priority: "5.5" }, "InvalidParameter.Priority"],
  ["Priority not a number", { Priority: "abc" }, "InvalidParameter.Priority"],
  ["Priority negative", { Priority: -1 }, "InvalidParameter.Priority"],
  ["DestCidrIp prefix 33", { DestCidrIp: "10.0.0.0/33" }, "InvalidParameter.DestCidrIp"],
  ["DestCidrIp octet 256", { DestCidrIp: "10.0.0.256" }, "InvalidParameter.DestCidrIp"],
  ["DestCidrIp IPv6", { DestCidrIp: "2001:db8::/32" }, "InvalidParameter.DestCidrIp"],
  ["DestCidrIp a host name", { DestCidrIp: "example.com" }, "InvalidParameter.DestCidrIp"],
];

const VALID: Array<[string, Record<string, string | number>]> = [
  ["the minimum", {}],
  ["every field", { Policy: "drop", Priority: 100, SourcePortRange: "1024/65535", PortRange: "1/65535" }],
  ["udp", { IpProtocol: "udp", PortRange: "53/53" }],
  ["icmp", { IpProtocol: "icmp", PortRange: "-1/-1" }],
  ["gre with its source range", { IpProtocol: "gre", PortRange: "-1/-1", SourcePortRange: "-1/-1" }],
  ["all to anywhere", { IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "0.0.0.0/0" }],
  ["a single address", { DestCidrIp: "192.168.0.1" }],
  ["host bits set", { DestCidrIp: "10.0.0.1/8" }],
];

describe.each(SIGNERS)("signed by %s", (flavour) => {
  let caller: EnsCaller;
  beforeAll(() => {
    caller = createCaller(flavour, emulator.url, PLAIN);
  });

  it.each(INVALID)("refuses %s", async (_label, change, code) => {
    const failure = await expectFailure(caller.call("AuthorizeSecurityGroupEgress", { ...BASE, ...change }));
    expect(failure.code).toBe(code);
    expect(failure.status).toBe(400);
  });

  it.each(["SecurityGroupId", "IpProtocol", "PortRange", "DestCidrIp"])(
    "refuses a request without %s",
    async (name) => {
      const failure = await expectFailure(caller.call("AuthorizeSecurityGroupEgress", without(name)));
      expect(failure.code).toBe("MissingParameter");
    },
  );

  it.each(VALID)("accepts %s", async (_label, change) => {
    const answer = await caller.call("AuthorizeSecurityGroupEgress", { ...BASE, ...change });
    expect(answer.RequestId).toBeTruthy();
  });

  it("refuses an unknown group with InvalidSecurityGroupId.NotFound", async () => {
    const failure = await expectFailure(
      caller.call("AuthorizeSecurityGroupEgress", { ...BASE, SecurityGroupId: "sg-none" }),
    );
    expect(failure.code).toBe("InvalidSecurityGroupId.NotFound");
  });

  it("answers Duplicated for an identical rule and AuthorizationLimitExceed past the quota", async () => {
    await caller.call("AuthorizeSecurityGroupEgress", BASE);
    expect((await expectFailure(caller.call("AuthorizeSecurityGroupEgress", BASE))).code).toBe(
      "SecurityGroupRuleConflict.Duplicated",
    );
    await caller.call("AuthorizeSecurityGroupEgress", { ...BASE, PortRange: "23/23" });
    await caller.call("AuthorizeSecurityGroupEgress", { ...BASE, PortRange: "24/24" });
    expect(
      (await expectFailure(caller.call("AuthorizeSecurityGroupEgress", { ...BASE, PortRange: "25/25" })))
        .code,
    ).toBe("AuthorizationLimitExceed");
    const group = await control(emulator, "GET", `security-groups/${GROUP}`);
    expect(group.body.Permissions).toHaveLength(3);
  });

  it("stores nothing for an invalid request", async () => {
    await expectFailure(caller.call("AuthorizeSecurityGroupEgress", { ...BASE, Priority: 0 }));
    const group = await control(emulator, "GET", `security-groups/${GROUP}`);
    expect(group.body.Permissions).toEqual([]);
  });
});
