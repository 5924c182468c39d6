import { describe, expect, it } from "vitest";
import { fcAuthorization, fcContentMd5 } from "../../../local/fc-server/fc-signature.ts";
import type { InvocationOutcome } from "../../../local/fc-server/function-runner.ts";
import {
  type ApiRequest,
  ASYNC_PAYLOAD_LIMIT,
  handleInvokeApi,
  type InvokeApiDeps,
  parseInvocationPath,
} from "../../../local/fc-server/invoke-api.ts";

const credentials = {
  accessKeyId: "local-fc-ak",
  accessKeySecret: "local-fc-secret",
  accountId: "1234567890123456",
};
const now = Date.parse("2024-01-01T00:00:00Z");

function signedRequest(path: string, body: Buffer, extra: Record<string, string> = {}): ApiRequest {
  const headers: Record<string, string> = {
    "content-md5": fcContentMd5(body),
    "content-type": "application/octet-stream",
    date: new Date(now).toUTCString(),
    "x-fc-account-id": credentials.accountId,
    ...extra,
  };
  headers.authorization = fcAuthorization(credentials.accessKeyId, credentials.accessKeySecret, {
    method: "POST",
    path,
    headers,
  });
  return { method: "POST", url: path, headers, body };
}

function fakeDeps(outcome: InvocationOutcome = { ok: true, result: { ok: true } }) {
  const calls: Array<{ kind: "sync" | "async"; name: string; event: string; qualifier: string }> = [];
  const deps: InvokeApiDeps = {
    serviceName: "ens-egress",
    hasFunction: (name) => name === "queue-worker",
    credentials,
    now: () => now,
    newRequestId: () => "req-1",
    invokeSync: async (name, event, _id, qualifier) => {
      calls.push({ kind: "sync", name, event: event.toString(), qualifier });
      return { outcome, logs: ["line one", "line two"] };
    },
    submitAsync: (name, event, _id, qualifier) => {
      calls.push({ kind: "async", name, event: event.toString(), qualifier });
    },
  };
  return { deps, calls };
}

const PATH = "/2016-08-15/services/ens-egress/functions/queue-worker/invocations";

describe("parseInvocationPath", () => {
  it("splits service, qualifier and function", () => {
    expect(parseInvocationPath(PATH)).toEqual({
      service: "ens-egress",
      qualifier: null,
      functionName: "queue-worker",
    });
    expect(parseInvocationPath("/2016-08-15/services/ens-egress.LATEST/functions/f/invocations")).toEqual({
      service: "ens-egress",
      qualifier: "LATEST",
      functionName: "f",
    });
    expect(parseInvocationPath("/2016-08-15/services/ens-egress/functions/f")).toBeNull();
  });
});

describe("handleInvokeApi", () => {
  it("runs a sync invocation and returns the serialised result with the request id", async () => {
    const { deps, calls } = fakeDeps();
    const reply = await handleInvokeApi(signedRequest(PATH, Buffer.from('{"a":1}')), deps);
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ "x-fc-request-id": "req-1", "content-type": "application/json" });
    expect(reply.headers["x-fc-error-type"]).toBeUndefined();
    expect(JSON.parse(reply.body.toString())).toEqual({ ok: true });
    expect(calls).toEqual([{ kind: "sync", name: "queue-worker", event: '{"a":1}', qualifier: "LATEST" }]);
  });

  it("signals a function error with 200 and x-fc-error-type, FC's body shape", async () => {
    const { deps } = fakeDeps({
      ok: false,
      timedOut: false,
      error: { errorMessage: "boom", errorType: "Error", stackTrace: ["Error: boom"] },
    });
    const reply = await handleInvokeApi(signedRequest(PATH, Buffer.from("{}")), deps);
    expect(reply.status).toBe(200);
    expect(reply.headers["x-fc-error-type"]).toBe("UnhandledInvocationError");
    expect(JSON.parse(reply.body.toString())).toEqual({
      errorMessage: "boom",
      errorType: "Error",
      stackTrace: ["Error: boom"],
    });
  });

  it("answers 202 for Async and queues the event", async () => {
    const { deps, calls } = fakeDeps();
    const reply = await handleInvokeApi(
      signedRequest(PATH, Buffer.from("{}"), { "x-fc-invocation-type": "Async" }),
      deps,
    );
    expect(reply.status).toBe(202);
    expect(calls).toEqual([{ kind: "async", name: "queue-worker", event: "{}", qualifier: "LATEST" }]);
  });

  it("refuses an Async payload over 128 KB with EntityTooLarge", async () => {
    const { deps, calls } = fakeDeps();
    const body = Buffer.alloc(ASYNC_PAYLOAD_LIMIT + 1, 0x20);
    const reply = await handleInvokeApi(signedRequest(PATH, body, { "x-fc-invocation-type": "Async" }), deps);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body.toString())).toMatchObject({ ErrorCode: "EntityTooLarge" });
    expect(calls).toEqual([]);
  });

  it("refuses a bad signature before looking at the target, with FC's error body", async () => {
    const { deps, calls } = fakeDeps();
    const request = signedRequest(PATH, Buffer.from("{}"));
    const reply = await handleInvokeApi(
      { ...request, headers: { ...request.headers, authorization: "FC local-fc-ak:AAAA" } },
      deps,
    );
    expect(reply.status).toBe(403);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(reply.body.toString())).toMatchObject({ ErrorCode: "SignatureNotMatch" });
    expect(calls).toEqual([]);
  });

  it("answers 404 for an unknown service, alias or function", async () => {
    const { deps } = fakeDeps();
    const codes = [];
    for (const path of [
      "/2016-08-15/services/other/functions/queue-worker/invocations",
      "/2016-08-15/services/ens-egress.prod/functions/queue-worker/invocations",
      "/2016-08-15/services/ens-egress/functions/nope/invocations",
    ]) {
      const reply = await handleInvokeApi(signedRequest(path, Buffer.from("{}")), deps);
      expect(reply.status).toBe(404);
      codes.push(JSON.parse(reply.body.toString()).ErrorCode);
    }
    expect(codes).toEqual(["ServiceNotFound", "AliasNotFound", "FunctionNotFound"]);
  });

  it("refuses an unknown invocation type and an unknown path", async () => {
    const { deps } = fakeDeps();
    const bad = await handleInvokeApi(
      signedRequest(PATH, Buffer.from("{}"), { "x-fc-invocation-type": "Later" }),
      deps,
    );
    expect(JSON.parse(bad.body.toString())).toMatchObject({ ErrorCode: "InvalidArgument" });
    const path = await handleInvokeApi(
      { method: "GET", url: "/2016-08-15/services", headers: {}, body: Buffer.alloc(0) },
      deps,
    );
    expect(path.status).toBe(400);
    expect(JSON.parse(path.body.toString())).toMatchObject({ ErrorCode: "PathNotSupported" });
  });

  it("returns the function's log lines in x-fc-log-result when asked with x-fc-log-type: Tail", async () => {
    const { deps } = fakeDeps();
    const reply = await handleInvokeApi(
      signedRequest(PATH, Buffer.from("{}"), { "x-fc-log-type": "Tail" }),
      deps,
    );
    expect(Buffer.from(reply.headers["x-fc-log-result"] ?? "", "base64").toString()).toBe(
      "line one\nline two\n",
    );
  });
});
