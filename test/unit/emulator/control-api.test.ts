import { describe, expect, it } from "vitest";
import { handleControlRequest } from "../../../local/ens-emulator/control-api.ts";
import { createEmulatorCore } from "../../../local/ens-emulator/core.ts";
import { parseRuleParams } from "../../../local/ens-emulator/rule-params.ts";
import { isLoopback } from "../../../local/ens-emulator/server.ts";

function newCore() {
  return createEmulatorCore({
    keys: [{ id: "ak", secret: "sk" }],
    securityGroups: ["sg-start"],
    ruleQuota: 200,
    seed: 5,
    latencyMs: 7,
    jitterMs: 0,
    now: () => 0,
  });
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const empty = Buffer.alloc(0);

describe("control API", () => {
  it("creates a group (201), keeps it when created again (200) and shows its rules in the seven-field shape", () => {
    const core = newCore();
    expect(
      handleControlRequest(core, "POST", "/__emulator/security-groups", json({ SecurityGroupId: "sg-x" })),
    ).toEqual({
      status: 201,
      body: { SecurityGroupId: "sg-x", created: true },
    });
    core.state.addRule(
      parseRuleParams(
        new Map([
          ["SecurityGroupId", "sg-x"],
          ["IpProtocol", "tcp"],
          ["PortRange", "443/443"],
          ["DestCidrIp", "10.0.0.1"],
        ]),
        "egress",
      ),
    );
    expect(
      handleControlRequest(core, "POST", "/__emulator/security-groups", json({ SecurityGroupId: "sg-x" }))
        .status,
    ).toBe(200);
    expect(handleControlRequest(core, "GET", "/__emulator/security-groups/sg-x", empty)).toEqual({
      status: 200,
      body: {
        SecurityGroupId: "sg-x",
        Permissions: [
          {
            SecurityGroupId: "sg-x",
            IpProtocol: "tcp",
            PortRange: "443/443",
            DestCidrIp: "10.0.0.1",
            Policy: "accept",
            Priority: 1,
            SourcePortRange: "1/65535",
          },
        ],
      },
    });
  });

  it("answers 404 for an unknown group and 400 for a bad body", () => {
    const core = newCore();
    expect(handleControlRequest(core, "GET", "/__emulator/security-groups/sg-none", empty).status).toBe(404);
    expect(handleControlRequest(core, "POST", "/__emulator/security-groups", Buffer.from("{")).status).toBe(
      400,
    );
    expect(
      handleControlRequest(core, "POST", "/__emulator/security-groups", json({ SecurityGroupId: 5 })).status,
    ).toBe(400);
  });

  it("installs, shows and validates faults", () => {
    const core = newCore();
    const body = {
      seed: 1,
      latencyMs: 0,
      faults: [
        { action: "AuthorizeSecurityGroupEgress", kind: "error", code: "ens.interface.error", rate: 0.3 },
      ],
    };
    expect(handleControlRequest(core, "PUT", "/__emulator/faults", json(body))).toEqual({
      status: 200,
      body: { ...body, jitterMs: 0 },
    });
    expect(handleControlRequest(core, "GET", "/__emulator/faults", empty).body).toEqual({
      ...body,
      jitterMs: 0,
    });
    const refused = handleControlRequest(
      core,
      "PUT",
      "/__emulator/faults",
      json({ faults: [{ kind: "nope" }] }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ Code: "InvalidFaultConfig" });
  });

  it("resets groups, rules, faults and counters, back to the start-up latency and seed", () => {
    const core = newCore();
    handleControlRequest(
      core,
      "PUT",
      "/__emulator/faults",
      json({ seed: 99, latencyMs: 1, faults: [{ kind: "reset" }] }),
    );
    core.stats.record("AuthorizeSecurityGroupEgress", null);
    expect(handleControlRequest(core, "POST", "/__emulator/reset", empty)).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(core.state.listGroupIds()).toEqual([]);
    expect(core.faults().settings()).toEqual({ seed: 5, latencyMs: 7, jitterMs: 0, faults: [] });
    expect(handleControlRequest(core, "GET", "/__emulator/stats", empty).body).toEqual({ calls: {} });
  });

  it("answers stats in the documented shape", () => {
    const core = newCore();
    core.stats.record("AuthorizeSecurityGroupEgress", null);
    core.stats.record("AuthorizeSecurityGroupEgress", "ens.interface.error");
    core.stats.record("AuthorizeSecurityGroupEgress", "ens.interface.error");
    expect(handleControlRequest(core, "GET", "/__emulator/stats", empty).body).toEqual({
      calls: { AuthorizeSecurityGroupEgress: { total: 3, ok: 1, errors: { "ens.interface.error": 2 } } },
    });
  });

  it("keeps hostile names as plain keys", () => {
    const core = newCore();
    core.stats.record("__proto__", "__proto__");
    const body = handleControlRequest(core, "GET", "/__emulator/stats", empty).body as {
      calls: Record<string, unknown>;
    };
    expect(Object.keys(body.calls)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).total).toBeUndefined();
  });

  it("refuses wrong methods and unknown routes", () => {
    const core = newCore();
    expect(handleControlRequest(core, "GET", "/__emulator/reset", empty).status).toBe(405);
    expect(handleControlRequest(core, "POST", "/__emulator/faults", empty).status).toBe(405);
    expect(handleControlRequest(core, "GET", "/__emulator/nothing", empty).status).toBe(404);
  });
});

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.10.0.1", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["fe80::1", false],
    [undefined, false],
  ])("%s -> %s", (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});
