/**
 * The emulator against the official SDK clients, none of which this project wrote: every flavour must be able
 * to set up a group, create rules and read them back through the real API, with plain and STS credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnsEmulator } from "../../../local/ens-emulator/index.ts";
import { createCaller, expectFailure, FLAVOURS } from "./support/official-clients.ts";
import { control, PLAIN, STS, startTestEmulator } from "./support/setup.ts";

let emulator: EnsEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator?.close();
});

describe.each([
  ["plain key", PLAIN],
  ["STS credentials", STS],
])("with %s", (_label, credentials) => {
  it.each(FLAVOURS)("%s: creates a group and rules, reads them back", async (name) => {
    const caller = createCaller(name, emulator.url, credentials);
    // Names with spaces, *, ~, non-ASCII and reserved characters exercise both percent-encodings end to end.
    const created = await caller.call("CreateSecurityGroup", {
      SecurityGroupName: `web tier *ünï* (prod)~!'+&= ${name}`,
      Description: "a/b:c;d?e",
    });
    const groupId = String(created.SecurityGroupId);
    expect(groupId).toMatch(/^sg-/);
    expect(created.RequestId).toMatch(/^[0-9A-F-]{36}$/);

    await caller.call("AuthorizeSecurityGroupEgress", {
      SecurityGroupId: groupId,
      IpProtocol: "tcp",
      PortRange: "443/443",
      DestCidrIp: "10.0.0.0/8",
    });
    await caller.call("AuthorizeSecurityGroupEgress", {
      SecurityGroupId: groupId,
      IpProtocol: "udp",
      PortRange: "53/53",
      DestCidrIp: "192.168.1.10",
      Policy: "drop",
      Priority: 7,
      SourcePortRange: "1024/65535",
    });
    await caller.call("AuthorizeSecurityGroupEgress", {
      SecurityGroupId: groupId,
      IpProtocol: "icmp",
      PortRange: "-1/-1",
      DestCidrIp: "0.0.0.0/0",
    });
    await caller.call("AuthorizeSecurityGroup", {
      SecurityGroupId: groupId,
      IpProtocol: "tcp",
      PortRange: "22/22",
      SourceCidrIp: "172.16.0.0/12",
    });

    const described = await caller.call("DescribeSecurityGroupAttribute", { SecurityGroupId: groupId });
    expect(described).toMatchObject({
      SecurityGroupId: groupId,
      SecurityGroupName: `web tier *ünï* (prod)~!'+&= ${name}`,
      Description: "a/b:c;d?e",
    });
    const permissions = (described.Permissions as { Permission: Array<Record<string, unknown>> }).Permission;
    expect(permissions.map(({ CreationTime, ...rest }) => rest)).toEqual([
      {
        Description: "",
        Direction: "egress",
        IpProtocol: "TCP",
        Policy: "Accept",
        PortRange: "443/443",
        Priority: 1,
        SourcePortRange: "1/65535",
        DestCidrIp: "10.0.0.0/8",
      },
      {
        Description: "",
        Direction: "egress",
        IpProtocol: "UDP",
        Policy: "Drop",
        PortRange: "53/53",
        Priority: 7,
        SourcePortRange: "1024/65535",
        DestCidrIp: "192.168.1.10",
      },
      {
        Description: "",
        Direction: "egress",
        IpProtocol: "ICMP",
        Policy: "Accept",
        PortRange: "-1/-1",
        Priority: 1,
        SourcePortRange: "-1/-1",
        DestCidrIp: "0.0.0.0/0",
      },
      {
        Description: "",
        Direction: "ingress",
        IpProtocol: "TCP",
        Policy: "Accept",
        PortRange: "22/22",
        Priority: 1,
        SourcePortRange: "1/65535",
        SourceCidrIp: "172.16.0.0/12",
      },
    ]);
    for (const permission of permissions)
      expect(permission.CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // The control API shows the same egress rules as the seven request parameters.
    const view = await control(emulator, "GET", `security-groups/${encodeURIComponent(groupId)}`);
    expect(view.body.Permissions).toContainEqual({
      SecurityGroupId: groupId,
      IpProtocol: "udp",
      PortRange: "53/53",
      DestCidrIp: "192.168.1.10",
      Policy: "drop",
      Priority: 7,
      SourcePortRange: "1024/65535",
    });

    expect(view.body.IngressPermissions).toEqual([
      {
        SecurityGroupId: groupId,
        IpProtocol: "tcp",
        PortRange: "22/22",
        SourceCidrIp: "172.16.0.0/12",
        Policy: "accept",
        Priority: 1,
        SourcePortRange: "1/65535",
      },
    ]);

    await caller.call("RevokeSecurityGroupEgress", {
      SecurityGroupId: groupId,
      IpProtocol: "tcp",
      PortRange: "443/443",
      DestCidrIp: "10.0.0.0/8",
    });
    const after = await control(emulator, "GET", `security-groups/${encodeURIComponent(groupId)}`);
    expect(after.body.Permissions).toHaveLength(2);

    await caller.call("DeleteSecurityGroup", { SecurityGroupId: groupId });
    const gone = await expectFailure(
      caller.call("DescribeSecurityGroupAttribute", { SecurityGroupId: groupId }),
    );
    expect(gone.code).toBe("InvalidSecurityGroupId.NotFound");
  });
});

describe("rule identity through the API", () => {
  it("answers Duplicated for the same rule from a different client, with defaults and /32 spelled out", async () => {
    const popGet = createCaller("pop-core V1 GET", emulator.url, PLAIN);
    const coreV3 = createCaller("openapi-core V3", emulator.url, PLAIN);
    const { SecurityGroupId } = await popGet.call("CreateSecurityGroup", {});
    await popGet.call("AuthorizeSecurityGroupEgress", {
      SecurityGroupId: String(SecurityGroupId),
      IpProtocol: "tcp",
      PortRange: "8080/8080",
      DestCidrIp: "10.1.2.3",
    });
    const duplicate = await expectFailure(
      coreV3.call("AuthorizeSecurityGroupEgress", {
        SecurityGroupId: String(SecurityGroupId),
        IpProtocol: "tcp",
        PortRange: "8080/8080",
        DestCidrIp: "10.1.2.3/32",
        Policy: "accept",
        Priority: 1,
        SourcePortRange: "1/65535",
      }),
    );
    expect(duplicate.code).toBe("SecurityGroupRuleConflict.Duplicated");
    expect(duplicate.status).toBe(400);
  });
});
