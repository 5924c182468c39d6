import { describe, expect, it } from "vitest";
import { EnsEmulatorError } from "../../../local/ens-emulator/errors.ts";
import { parseRuleParams } from "../../../local/ens-emulator/rule-params.ts";
import { createEmulatorState, formatEnsTime } from "../../../local/ens-emulator/state.ts";

function rule(fields: Record<string, string> = {}) {
  const params = new Map(
    Object.entries({
      SecurityGroupId: "sg-1",
      IpProtocol: "tcp",
      PortRange: "22/22",
      DestCidrIp: "10.0.0.0/8",
      ...fields,
    }),
  );
  return parseRuleParams(params, "egress");
}

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof EnsEmulatorError) return error.code;
    throw error;
  }
  return "ok";
}

function newState(ruleQuota = 200) {
  const state = createEmulatorState({ ruleQuota, now: () => Date.UTC(2024, 0, 2, 3, 4, 5, 678) });
  state.createGroup({ id: "sg-1" });
  return state;
}

describe("emulator state", () => {
  it("stores a rule with its creation time and lists it", () => {
    const state = newState();
    state.addRule(rule());
    expect(state.listRules("sg-1")).toMatchObject([
      { PortRange: "22/22", creationTime: "2024-01-02T03:04:05Z" },
    ]);
  });

  it("refuses an unknown group", () => {
    const state = newState();
    expect(codeOf(() => state.addRule(rule({ SecurityGroupId: "sg-nope" })))).toBe(
      "InvalidSecurityGroupId.NotFound",
    );
    expect(codeOf(() => state.listRules("sg-nope"))).toBe("InvalidSecurityGroupId.NotFound");
  });

  it.each([
    ["a rule sent again", {}, {}],
    ["explicit defaults", {}, { Policy: "accept", Priority: "1", SourcePortRange: "1/65535" }],
    ["a single address and its /32", { DestCidrIp: "10.0.0.1" }, { DestCidrIp: "10.0.0.1/32" }],
    ["host bits set on the same network", { DestCidrIp: "10.0.0.0/8" }, { DestCidrIp: "10.1.2.3/8" }],
  ])("treats %s as a duplicate", (_name, first, second) => {
    const state = newState();
    state.addRule(rule(first));
    expect(codeOf(() => state.addRule(rule(second)))).toBe("SecurityGroupRuleConflict.Duplicated");
  });

  it.each([
    ["Policy", { Policy: "drop" }],
    ["Priority", { Priority: "2" }],
    ["SourcePortRange", { SourcePortRange: "22/22" }],
    ["PortRange", { PortRange: "22/23" }],
    ["IpProtocol", { IpProtocol: "udp" }],
    ["DestCidrIp", { DestCidrIp: "10.0.0.0/9" }],
  ])("treats a rule that differs in %s as new", (_name, change) => {
    const state = newState();
    state.addRule(rule());
    expect(codeOf(() => state.addRule(rule(change)))).toBe("ok");
  });

  it("enforces the quota, but reports a duplicate in a full group as Duplicated", () => {
    const state = newState(2);
    state.addRule(rule({ PortRange: "1/1" }));
    state.addRule(rule({ PortRange: "2/2" }));
    expect(codeOf(() => state.addRule(rule({ PortRange: "3/3" })))).toBe("AuthorizationLimitExceed");
    expect(codeOf(() => state.addRule(rule({ PortRange: "1/1" })))).toBe(
      "SecurityGroupRuleConflict.Duplicated",
    );
    expect(state.removeRule(rule({ PortRange: "1/1" }))).toBe(true);
    expect(codeOf(() => state.addRule(rule({ PortRange: "3/3" })))).toBe("ok");
  });

  it("keeps a group's rules when it is created again, and forgets everything on clear", () => {
    const state = newState();
    state.addRule(rule());
    expect(state.createGroup({ id: "sg-1" }).created).toBe(false);
    expect(state.listRules("sg-1")).toHaveLength(1);
    state.clear();
    expect(state.findGroup("sg-1")).toBeUndefined();
    expect(state.listGroupIds()).toEqual([]);
  });

  it("generates group ids when none is given", () => {
    const state = newState();
    const { group } = state.createGroup({});
    expect(group.id).toMatch(/^sg-[0-9a-f]{20}$/);
  });

  it("formats times without milliseconds", () => {
    expect(formatEnsTime(Date.UTC(2018, 11, 12, 7, 28, 38, 999))).toBe("2018-12-12T07:28:38Z");
  });
});
