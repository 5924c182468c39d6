import { afterEach, describe, expect, it, vi } from "vitest";
import { CliArgsError, parseCliArgs } from "../../../local/ens-emulator/cli-args.ts";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("emulator CLI arguments", () => {
  it("maps every documented flag", () => {
    const { options, help } = parseCliArgs([
      "--port",
      "9123",
      "--seed",
      "42",
      "--latency-ms",
      "10",
      "--jitter-ms",
      "5",
      "--access-key",
      "a:b",
      "--access-key",
      "c:d:tok,e:f",
      "--security-group",
      "sg-1,sg-2",
      "--security-group",
      "sg-3",
      "--rule-quota",
      "3",
      "--deny",
      "a:AuthorizeSecurityGroupEgress",
    ]);
    expect(help).toBe(false);
    expect(options).toEqual({
      port: 9123,
      seed: 42,
      latencyMs: 10,
      jitterMs: 5,
      ruleQuota: 3,
      accessKeys: [
        { id: "a", secret: "b", deniedActions: ["AuthorizeSecurityGroupEgress"] },
        { id: "c", secret: "d", securityToken: "tok" },
        { id: "e", secret: "f" },
      ],
      securityGroups: ["sg-1", "sg-2", "sg-3"],
    });
  });

  it("leaves everything unset by default, so the library defaults apply", () => {
    expect(parseCliArgs([])).toEqual({ help: false, options: {} });
    expect(parseCliArgs(["--help"]).help).toBe(true);
  });

  it("applies --deny to the keys from the environment when no --access-key is given", () => {
    vi.stubEnv("ENS_EMULATOR_ACCESS_KEYS", "env-ak:env-secret");
    expect(parseCliArgs(["--deny", "env-ak:CreateSecurityGroup"]).options.accessKeys).toEqual([
      { id: "env-ak", secret: "env-secret", deniedActions: ["CreateSecurityGroup"] },
    ]);
  });

  it.each([
    [["--port", "abc"]],
    [["--port", "70000"]],
    [["--latency-ms", "-5"]],
    [["--seed", "1.5"]],
    [["--bogus"]],
    [["positional"]],
    [["--deny", "unknown-key:Action"]],
    [["--deny", "local-ak"]],
  ])("refuses %j", (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(CliArgsError);
  });
});
