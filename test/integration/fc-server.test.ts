import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStackError } from "../../local/fc-server/errors.ts";
import { loadFunctionHandler } from "../../local/fc-server/function-loader.ts";
import { type FcServer, type LocalFunction, startFcServer } from "../../local/fc-server/server.ts";

// The FC server alone, in-process, serving the fixture functions; the real SDK (@alicloud/fc2) is the client.
type Fc2Response = { headers: Record<string, string | undefined>; data: unknown };
type Fc2Client = {
  invokeFunction(
    service: string,
    fn: string,
    event: string,
    headers?: Record<string, string>,
  ): Promise<Fc2Response>;
};
const FcClient = createRequire(import.meta.url)("@alicloud/fc2") as new (
  accountId: string,
  config: Record<string, unknown>,
) => Fc2Client;

const fcKey = { accessKeyId: "local-fc-ak", accessKeySecret: "local-fc-secret" };
const accountId = "1234567890123456";
const dir = mkdtempSync(join(tmpdir(), "fc-server-"));
const serverLines: string[] = [];
let server: FcServer;

function fixture(name: "http-intake" | "queue-worker", timeoutSeconds: number): LocalFunction {
  return {
    name,
    handler: loadFunctionHandler(resolve("test/fixtures/functions", name, "index.js")),
    timeoutSeconds,
    memoryMb: 512,
  };
}

function client(overrides: { secret?: string; accountId?: string } = {}): Fc2Client {
  return new FcClient(overrides.accountId ?? accountId, {
    accessKeyID: fcKey.accessKeyId,
    accessKeySecret: overrides.secret ?? fcKey.accessKeySecret,
    region: "cn-hangzhou",
    endpoint: server.url,
  });
}

beforeAll(async () => {
  server = await startFcServer({
    port: 0,
    serviceName: "ens-egress",
    httpFunction: "http-intake",
    functions: [fixture("http-intake", 0.5), fixture("queue-worker", 0.5)],
    fcKey,
    accountId,
    region: "cn-hangzhou",
    credentials: { accessKeyId: "local-ak", accessKeySecret: "local-secret" },
    asyncRetry: { maxRetries: 3, delayMs: () => 0 },
    log: (line) => serverLines.push(line),
    writeFunctionLog: () => {},
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("HTTP trigger at the root (FC 3.0 event convention)", () => {
  it("hands the function an FC 3.0 event and an FC-shaped context", async () => {
    const response = await fetch(`${server.url}/rules?dry=1`, {
      method: "POST",
      headers: { authorization: "Bearer local-operator-token", "content-type": "application/json" },
      body: '{"SecurityGroupId":"sg-demo0001"}',
    });
    expect(response.status).toBe(200);
    const seen = (await response.json()) as {
      event: Record<string, unknown>;
      context: Record<string, unknown>;
    };
    const requestId = response.headers.get("x-fc-request-id");
    expect(seen.event).toMatchObject({
      version: "v1",
      rawPath: "/rules",
      body: '{"SecurityGroupId":"sg-demo0001"}',
      isBase64Encoded: false,
      queryParameters: { dry: "1" },
      headers: { Authorization: "Bearer local-operator-token" },
      requestContext: {
        accountId,
        requestId,
        http: { method: "POST", path: "/rules", sourceIp: "127.0.0.1" },
      },
    });
    expect(seen.context).toMatchObject({
      requestId,
      credentials: { accessKeyId: "local-ak", accessKeySecret: "local-secret" },
      function: { name: "http-intake", handler: "index.handler", memory: 512, timeout: 0.5 },
      service: { qualifier: "LATEST" },
      region: "cn-hangzhou",
      accountId,
    });
    // FC 3.0 has no services: the context names none, as in the cloud.
    expect(seen.context.service).not.toHaveProperty("name");
  });

  it("maps a Base64 result body and drops x-fc-* headers set by the function", async () => {
    const response = await fetch(`${server.url}/binary`);
    expect(response.status).toBe(201);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(response.headers.get("x-custom")).toBe("kept");
    expect(response.headers.get("x-fc-internal")).toBeNull();
  });

  it("answers 502 with x-fc-error-type when the function throws, without the stack trace", async () => {
    const response = await fetch(`${server.url}/throw`);
    expect(response.status).toBe(502);
    expect(response.headers.get("x-fc-error-type")).toBe("UnhandledInvocationError");
    expect(await response.json()).toEqual({ errorMessage: "fixture failure", errorType: "TypeError" });
  });

  it("enforces the function timeout", async () => {
    const response = await fetch(`${server.url}/slow`);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ errorMessage: "Function timed out after 0.5 seconds" });
  });
});

describe("FC invoke API through @alicloud/fc2", () => {
  it("runs a Sync invocation and returns the result", async () => {
    const response = await client().invokeFunction("ens-egress", "queue-worker", '{"n":1}');
    expect(response.headers["x-fc-error-type"]).toBeUndefined();
    expect(response.data).toMatchObject({
      ok: true,
      attempt: 1,
      received: { n: 1 },
      requestId: response.headers["x-fc-request-id"],
    });
  });

  it("signals a function error the FC way: 200 plus x-fc-error-type", async () => {
    const response = await client().invokeFunction("ens-egress", "queue-worker", '{"failTimes":1}');
    expect(response.headers["x-fc-error-type"]).toBe("UnhandledInvocationError");
    expect(response.data).toMatchObject({ errorMessage: "fixture failure on attempt 1", errorType: "Error" });
    expect((response.data as { stackTrace: unknown }).stackTrace).toBeInstanceOf(Array);
  });

  it("reports a timeout as a function error with FC's message", async () => {
    const response = await client().invokeFunction("ens-egress", "queue-worker", '{"sleepSeconds":30}');
    expect(response.headers["x-fc-error-type"]).toBe("UnhandledInvocationError");
    expect(response.data).toMatchObject({ errorMessage: "Function timed out after 0.5 seconds" });
  });

  it("refuses a request signed with a wrong secret (FCSignatureNotMatchError)", async () => {
    await expect(
      client({ secret: "not-the-secret" }).invokeFunction("ens-egress", "queue-worker", "{}"),
    ).rejects.toMatchObject({
      name: "FCSignatureNotMatchError",
      code: "SignatureNotMatch",
    });
  });

  it("refuses another account (FCAccessDeniedError) and an unknown function (FCFunctionNotFoundError)", async () => {
    await expect(
      client({ accountId: "999" }).invokeFunction("ens-egress", "queue-worker", "{}"),
    ).rejects.toMatchObject({
      name: "FCAccessDeniedError",
    });
    await expect(client().invokeFunction("ens-egress", "nope", "{}")).rejects.toMatchObject({
      name: "FCFunctionNotFoundError",
    });
  });

  it("accepts an Async invocation at once and retries a failing function with the same request id", async () => {
    const record = join(dir, "async.jsonl");
    const response = await client().invokeFunction(
      "ens-egress",
      "queue-worker",
      JSON.stringify({ failTimes: 2, record }),
      { "x-fc-invocation-type": "Async" },
    );
    const requestId = response.headers["x-fc-request-id"];
    expect(requestId).toBeTruthy();
    const attempts = async (): Promise<Array<{ requestId: string; attempt: number }>> => {
      for (;;) {
        const text = (() => {
          try {
            return readFileSync(record, "utf8");
          } catch {
            return "";
          }
        })();
        const lines = text
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line));
        if (lines.length >= 3 && server.pendingAsync() === 0) return lines;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    expect(await attempts()).toEqual([
      { requestId, attempt: 1 },
      { requestId, attempt: 2 },
      { requestId, attempt: 3 },
    ]);
    expect(serverLines.filter((line) => line.includes(`${requestId} attempt`))).toEqual([
      `async queue-worker ${requestId} attempt 1/4: failed (fixture failure on attempt 1); retrying in 0 ms`,
      `async queue-worker ${requestId} attempt 2/4: failed (fixture failure on attempt 2); retrying in 0 ms`,
      `async queue-worker ${requestId} attempt 3/4: succeeded`,
    ]);
  });
});

describe("lifecycle", () => {
  it("says which port is in use, in one line", async () => {
    const error = await startFcServer({
      port: server.port,
      serviceName: "ens-egress",
      httpFunction: "http-intake",
      functions: [],
      fcKey,
      accountId,
      region: "cn-hangzhou",
      credentials: { accessKeyId: "a", accessKeySecret: "b" },
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LocalStackError);
    expect(error).toMatchObject({
      code: "PortInUse",
      message: `port ${server.port} is in use (set PORT to another port)`,
    });
  });

  it("finishes an in-flight invocation before closing", async () => {
    let started: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      started = resolve;
    });
    const local = await startFcServer({
      port: 0,
      serviceName: "ens-egress",
      httpFunction: "http-intake",
      functions: [fixture("queue-worker", 30)],
      fcKey,
      accountId,
      region: "cn-hangzhou",
      credentials: { accessKeyId: "a", accessKeySecret: "b" },
      writeFunctionLog: (line) => {
        if (line.startsWith("FC Invoke Start")) started();
      },
      log: () => {},
    });
    const inFlight = new FcClient(accountId, {
      accessKeyID: fcKey.accessKeyId,
      accessKeySecret: fcKey.accessKeySecret,
      region: "cn-hangzhou",
      endpoint: local.url,
    }).invokeFunction("ens-egress", "queue-worker", '{"sleepSeconds":0.3}');
    // Close only once the invocation runs inside the server; its response is what we then wait for.
    await arrived;
    const closed = local.close();
    const response = await (inFlight as Promise<Fc2Response>);
    expect(response.data).toMatchObject({ ok: true });
    await closed;
    await expect(fetch(`${local.url}/`)).rejects.toThrow();
  });
});
