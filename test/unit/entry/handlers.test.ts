/**
 * The entry layer with fakes: the handlers built by `createHttpIntakeHandler` / `createQueueWorkerHandler` with an
 * in-memory ENS client and captured output, no sockets and no bundle. This is where outcomes become HTTP statuses
 * and queue acknowledgements, so every row of that mapping is pinned here.
 */

import { describe, expect, it } from "vitest";
import { createHttpIntakeHandler } from "#shared/entry/http-intake.ts";
import { createQueueWorkerHandler, QueueRedeliveryError } from "#shared/entry/queue-worker.ts";
import type { EnsCallResult, EnsErrorInfo } from "#shared/ports.ts";
import { createFakeEnsClient, type FakeEnsClient } from "../../fakes/fake-ens-client.ts";
import { fc3HttpEvent } from "../../helpers/fc3-http-event.ts";
import { mnsQueueEvent } from "../../helpers/mns-event.ts";

const TOKEN = "entry-layer-token-0123456789abcdef";
const credentials = { accessKeyId: "entry-ak", accessKeySecret: "entry-secret-0123456789abcdef" };
const NOW = Date.parse("2026-12-05T08:00:00Z");
const rule = {
  SecurityGroupId: "sg-entry0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
};

function context(requestId = "fc-req-1") {
  return {
    requestId,
    credentials,
    function: { name: "http-intake", timeout: 30 },
    region: "cn-hangzhou",
    accountId: "1234567890123456",
  };
}

function failure(code: string, redeliver: boolean, httpStatus = 400): EnsCallResult {
  const error: EnsErrorInfo = {
    code,
    message: `ENS said ${code}`,
    requestId: "ens-req-9",
    httpStatus,
    redeliver,
  };
  return { outcome: "failed", attempts: 1, ensRequestIds: ["ens-req-9"], error };
}

function intake(answer?: (callIndex: number) => EnsCallResult) {
  const lines: string[] = [];
  const ens = createFakeEnsClient(answer ? (_rule, index) => answer(index) : undefined);
  const handler = createHttpIntakeHandler(
    { API_TOKENS: TOKEN, LOG_LEVEL: "info" },
    { ens, sinks: [], writeLine: (line) => lines.push(line), clock: { now: () => NOW } },
  );
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const event = fc3HttpEvent({
      path: "/rules",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      requestId: "fc-req-1",
    });
    const answer = await handler(event, context());
    return { ...answer, json: JSON.parse(answer.body) };
  };
  return { post, ens, lines, handler };
}

const auditLines = (lines: string[]) =>
  lines.map((l) => JSON.parse(l)).filter((l) => l.specversion === "1.0");

describe("createHttpIntakeHandler: outcomes to HTTP statuses", () => {
  it("200 with the audit id and the ENS request id when the rule is created", async () => {
    const { post, ens, lines } = intake();
    const answer = await post(rule);
    expect(answer.statusCode).toBe(200);
    expect(answer.json.results[0]).toMatchObject({ outcome: "created", ensRequestId: "fake-request-0" });
    expect(ens.reads).toHaveLength(1);
    expect(auditLines(lines).map((e) => [e.id, e.type])).toEqual([
      [answer.json.results[0].auditId, "ens.egress_rule.created"],
    ]);
  });

  it("200 already_exists without a write when the group holds the rule; mayHaveCreated only when it may", async () => {
    const { post, ens } = intake(() => ({
      outcome: "already_exists",
      attempts: 2,
      ensRequestIds: ["r-2"],
      error: null,
      mayHaveCreated: true,
    }));
    const first = await post(rule);
    expect(first.json.results[0]).toMatchObject({ outcome: "already_exists", mayHaveCreated: true });
    ens.groups.set(rule.SecurityGroupId, [
      { ...rule, IpProtocol: "tcp", Policy: "accept", Priority: 1, SourcePortRange: "1/65535" },
    ]);
    const again = await post(rule);
    expect(again.statusCode).toBe(200);
    expect(again.json.results[0].outcome).toBe("already_exists");
    expect(again.json.results[0]).not.toHaveProperty("mayHaveCreated");
    expect(ens.calls).toHaveLength(1);
  });

  it.each<[string, EnsCallResult, number]>([
    ["a missing group", failure("InvalidSecurityGroupId.NotFound", false), 404],
    ["a full group", failure("AuthorizationLimitExceed", false), 409],
    ["a role without permission", failure("NoPermission", false), 502],
    ["an invalid parameter", failure("InvalidParameter.DestCidrIp", false), 400],
  ])("the error table's status for %s", async (_name, result, status) => {
    const { post } = intake(() => result);
    const answer = await post(rule);
    expect(answer.statusCode).toBe(status);
    expect(answer.json.error.code).toBe(result.error?.code);
  });

  it("503 with Retry-After when transient errors outlast the retry budget", async () => {
    const { post } = intake(() => failure("ens.interface.error", true, 500));
    const answer = await post(rule);
    expect(answer.statusCode).toBe(503);
    expect(answer.headers["retry-after"]).toMatch(/^\d+$/);
    expect(answer.json.error.code).toBe("ens.interface.error");
  });

  it("400 naming the field for an invalid rule, 403 naming the guardrail for a refused one, no ENS call for either", async () => {
    const { post, ens } = intake();
    const invalid = await post({ ...rule, PortRange: "0/22" });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json.error.issues[0].path).toBe("PortRange");
    const refused = await post({ ...rule, IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "0.0.0.0/0" });
    expect(refused.statusCode).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: "Policy.WorldOpenEgress",
      guardrail: "WorldOpenEgress",
    });
    expect(ens.calls).toHaveLength(0);
  });

  it("401 for a wrong token, and the refusal is audited without reaching ENS", async () => {
    const { post, ens, lines } = intake();
    const answer = await post(rule, { authorization: "Bearer wrong-token-0123456789abcdef" });
    expect(answer.statusCode).toBe(401);
    expect(ens.reads).toHaveLength(0);
    expect(auditLines(lines).map((e) => e.data.errorCode)).toEqual(["Unauthorized"]);
  });

  it("422 when an Idempotency-Key comes back with another body, with an audit id of its own", async () => {
    const { post } = intake();
    const first = await post(rule, { "idempotency-key": "key-0001" });
    const reused = await post({ ...rule, PortRange: "8443/8443" }, { "idempotency-key": "key-0001" });
    expect(first.statusCode).toBe(200);
    expect(reused.statusCode).toBe(422);
    expect(reused.json.error.code).toBe("IdempotencyKeyReused");
    expect(reused.json.error.auditId).not.toBe(first.json.results[0].auditId);
  });

  it("500 with only the request id when something unexpected breaks, never the error itself", async () => {
    const { post } = intake(() => {
      throw new Error("boom: secret internals");
    });
    const answer = await post(rule);
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain("boom");
    expect(answer.json.error.message).toContain("fc-req-1");
  });
});

describe("createQueueWorkerHandler: acknowledge or redeliver", () => {
  function worker(ens: FakeEnsClient) {
    const lines: string[] = [];
    const handler = createQueueWorkerHandler(
      { LOG_LEVEL: "error" },
      { ens, sinks: [], writeLine: (line) => lines.push(line), clock: { now: () => NOW } },
    );
    return { handler, lines };
  }

  it("returns the outcome of every rule when the batch settled", async () => {
    const { handler } = worker(createFakeEnsClient());
    const summary = await handler(Buffer.from(JSON.stringify(rule)), context());
    expect(summary.messages[0]?.rules[0]).toMatchObject({ outcome: "created", attempts: 1 });
  });

  it("throws QueueRedeliveryError, after settling every message, when one needs redelivery", async () => {
    const ens = createFakeEnsClient((r) =>
      r.PortRange === "443/443" ? failure("ens.interface.error", true, 500) : failure("NoPermission", false),
    );
    const { handler, lines } = worker(ens);
    const batch = [rule, { ...rule, PortRange: "8443/8443" }].map((body, i) =>
      mnsQueueEvent(`msg-${i}`, JSON.stringify(body)),
    );
    const thrown = await handler(Buffer.from(JSON.stringify(batch)), context()).catch(
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(QueueRedeliveryError);
    const summary = (thrown as QueueRedeliveryError).summary;
    expect(summary.messages.map((m) => m.redeliver)).toEqual([true, false]);
    expect(auditLines(lines)).toHaveLength(2);
  });
});
