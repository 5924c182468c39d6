import { describe, expect, it } from "vitest";
import { InvokeUsageError, parseInvokeArgs } from "../../../local/fc-server/invoke-command.ts";

describe("parseInvokeArgs", () => {
  it("targets the local stack by default, with the LOCAL_FC_* defaults", () => {
    expect(parseInvokeArgs(["queue-worker", "events/queue/direct-invoke.json"], {})).toEqual({
      functionName: "queue-worker",
      eventFile: "events/queue/direct-invoke.json",
      async: false,
      tailLog: false,
      service: "ens-egress",
      qualifier: null,
      accountId: "1234567890123456",
      region: "cn-hangzhou",
      endpoint: "http://127.0.0.1:9000",
      accessKeyId: "local-fc-ak",
      accessKeySecret: "local-fc-secret",
      securityToken: null,
      local: true,
    });
  });

  it("follows PORT and the LOCAL_FC_* variables locally, and --async", () => {
    const target = parseInvokeArgs(["f", "e.json", "--async"], {
      PORT: "9100",
      LOCAL_FC_ACCESS_KEY_ID: "k",
      LOCAL_FC_ACCESS_KEY_SECRET: "s",
      LOCAL_FC_ACCOUNT_ID: "7",
    });
    expect(target).toMatchObject({
      endpoint: "http://127.0.0.1:9100",
      accessKeyId: "k",
      accountId: "7",
      async: true,
    });
  });

  it("targets a real deployment with --endpoint/--account-id/--region and credentials from the environment", () => {
    const target = parseInvokeArgs(
      [
        "queue-worker",
        "e.json",
        "--endpoint",
        "https://123.cn-hangzhou.fc.aliyuncs.com",
        "--account-id",
        "123",
        "--region",
        "cn-hangzhou",
      ],
      {
        ALIBABA_CLOUD_ACCESS_KEY_ID: "STS.x",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: "y",
        ALIBABA_CLOUD_SECURITY_TOKEN: "t",
      },
    );
    expect(target).toMatchObject({
      local: false,
      endpoint: "https://123.cn-hangzhou.fc.aliyuncs.com",
      accountId: "123",
      accessKeyId: "STS.x",
      securityToken: "t",
    });
  });

  it.each([
    [["queue-worker"], {}],
    [["a", "b", "c"], {}],
    [["a", "b", "--nope"], {}],
    [
      ["a", "b", "--account-id", "1"],
      { ALIBABA_CLOUD_ACCESS_KEY_ID: "x", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "y" },
    ],
    [["a", "b", "--account-id", "1", "--region", "cn-hangzhou"], {}],
  ])("refuses %o as a usage error", (argv, env) => {
    expect(() => parseInvokeArgs(argv, env)).toThrow(InvokeUsageError);
  });
});
