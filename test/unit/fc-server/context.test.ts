import { describe, expect, it } from "vitest";
import { createFcContext, createFcRequestId, formatFcLogLine } from "../../../local/fc-server/context.ts";

const base = {
  requestId: "1-6b0c54c2-1acea9a9-e7cee5335ecf",
  functionName: "queue-worker",
  timeoutSeconds: 120,
  memoryMb: 512,
  qualifier: "LATEST",
  logProject: "p",
  logStore: "s",
  region: "cn-hangzhou",
  accountId: "1234567890123456",
  now: () => new Date("2024-01-01T00:00:00.000Z"),
};

describe("createFcContext (docs/fc-conventions.md)", () => {
  it("has FC's shape: requestId, credentials, function with timeout, service, region, accountId, logger", () => {
    const context = createFcContext({
      ...base,
      credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken: "tok" },
      writeLog: () => {},
    });
    const { logger, ...rest } = context;
    expect(rest).toEqual({
      requestId: base.requestId,
      credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken: "tok" },
      function: { name: "queue-worker", handler: "index.handler", memory: 512, timeout: 120 },
      service: { logProject: "p", logStore: "s", qualifier: "LATEST", versionId: "" },
      region: "cn-hangzhou",
      accountId: "1234567890123456",
      tracing: {},
    });
    expect(Object.keys(logger).sort()).toEqual(["debug", "error", "info", "log", "warn"]);
  });

  it("omits securityToken for a plain key so no empty token is ever signed", () => {
    const context = createFcContext({
      ...base,
      credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
      writeLog: () => {},
    });
    expect("securityToken" in context.credentials).toBe(false);
  });

  it("logs in FC's format with the request id", () => {
    const lines: string[] = [];
    const context = createFcContext({
      ...base,
      credentials: { accessKeyId: "a", accessKeySecret: "b" },
      writeLog: (l) => lines.push(l),
    });
    context.logger.warn("retrying %s after %d ms", "sg-demo0001", 200);
    expect(lines).toEqual([
      `2024-01-01T00:00:00.000Z ${base.requestId} [warn] retrying sg-demo0001 after 200 ms`,
    ]);
  });
});

describe("formatFcLogLine / createFcRequestId", () => {
  it("formats objects like console does", () => {
    expect(formatFcLogLine(new Date(0), "r", "info", [{ a: 1 }])).toBe(
      "1970-01-01T00:00:00.000Z r [info] { a: 1 }",
    );
  });

  it("makes FC 3.0 shaped, distinct request ids", () => {
    const a = createFcRequestId(new Date(1_700_000_000_000));
    expect(a).toMatch(/^1-6553f100-[0-9a-f]{8}-[0-9a-f]{12}$/);
    expect(createFcRequestId()).not.toBe(createFcRequestId());
  });
});
