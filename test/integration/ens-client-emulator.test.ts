/**
 * The product's ENS client (real transport, real signatures) against the ENS emulator over loopback, one test per
 * fault kind of the control API (docs/interfaces.md), driven through `PUT /__emulator/faults` as an operator
 * would.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEnsTransport, type HttpEnsTransport } from "#shared/adapters/ens/http-ens-transport.ts";
import { createEnsClient } from "#shared/adapters/ens/retrying-ens-client.ts";
import type { EgressRule } from "#shared/domain/types.ts";
import type { Credentials, EnsCallResult } from "#shared/ports.ts";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";

const GROUP = "sg-emulator1";
const STS: Credentials = {
  accessKeyId: "sts-ak",
  accessKeySecret: "sts-secret",
  securityToken: "sts-token-1",
};
const PLAIN: Credentials = { accessKeyId: "local-ak", accessKeySecret: "local-secret" };
const RULE: EgressRule = {
  SecurityGroupId: GROUP,
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.1.0.0/16",
  Policy: "accept",
  Priority: 5,
  SourcePortRange: "1/65535",
};

let emulator: EnsEmulator;
const transports: HttpEnsTransport[] = [];

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.json();
}

type Fault = {
  kind: "error" | "reset" | "timeout" | "commit-then-error";
  code?: string;
  rate?: number;
  count?: number;
};

const setFaults = (...faults: Fault[]) =>
  control("PUT", "faults", {
    seed: 1,
    latencyMs: 0,
    faults: faults.map((f) => ({ action: "AuthorizeSecurityGroupEgress", rate: 1, ...f })),
  });

async function authorizeCalls(): Promise<{ total: number; ok: number; errors: Record<string, number> }> {
  const stats = (await control("GET", "stats")) as {
    calls: Record<string, { total: number; ok: number; errors: Record<string, number> }>;
  };
  return stats.calls.AuthorizeSecurityGroupEgress ?? { total: 0, ok: 0, errors: {} };
}

function run(
  options: {
    credentials?: Credentials;
    budgetMs?: number;
    attemptTimeoutMs?: number;
    v1?: boolean;
    maxAttempts?: number;
  } = {},
  rule: EgressRule = RULE,
): Promise<EnsCallResult> {
  const transport = createEnsTransport({
    endpoint: emulator.url,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 5_000,
    signatureVersion: options.v1 ? "v1" : "v3",
  });
  transports.push(transport);
  const client = createEnsClient({
    transport,
    retry: { maxAttempts: options.maxAttempts ?? 5, baseMs: 1, maxDelayMs: 5, minAttemptMs: 0 },
  });
  return client.authorizeSecurityGroupEgress(rule, {
    credentials: options.credentials ?? STS,
    deadline: Date.now() + (options.budgetMs ?? 20_000),
  });
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    accessKeys: [
      { id: PLAIN.accessKeyId, secret: PLAIN.accessKeySecret },
      { id: STS.accessKeyId, secret: STS.accessKeySecret, securityToken: STS.securityToken! },
    ],
  });
});

beforeEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await control("POST", "reset");
  await control("POST", "security-groups", { SecurityGroupId: GROUP });
});

afterAll(async () => {
  for (const t of transports.splice(0)) t.close();
  await emulator?.close();
});

describe("ENS client against the emulator", () => {
  it("creates the rule with all seven fields (STS credentials, V3)", async () => {
    expect(await run()).toMatchObject({ outcome: "created", attempts: 1, error: null });
    const group = (await control("GET", `security-groups/${GROUP}`)) as { Permissions: unknown[] };
    expect(group.Permissions).toEqual([
      expect.objectContaining({
        IpProtocol: "tcp",
        PortRange: "443/443",
        DestCidrIp: "10.1.0.0/16",
        Policy: "accept",
        Priority: 5,
        SourcePortRange: "1/65535",
      }),
    ]);
  });

  it("creates the rule with V1 signatures and plain keys too", async () => {
    expect(await run({ v1: true, credentials: PLAIN })).toMatchObject({ outcome: "created", attempts: 1 });
    expect(await run({ v1: true, credentials: STS })).toMatchObject({
      outcome: "already_exists",
      attempts: 1,
    });
  });

  it("answers already_exists for the same rule", async () => {
    await run();
    const again = await run();
    expect(again).toMatchObject({ outcome: "already_exists", attempts: 1, error: null });
    expect(again.ensRequestIds).toHaveLength(1);
  });

  it("makes one call for a missing group", async () => {
    const result = await run({}, { ...RULE, SecurityGroupId: "sg-missing" });
    expect(result.error).toMatchObject({ code: "InvalidSecurityGroupId.NotFound", redeliver: false });
    expect((await authorizeCalls()).total).toBe(1);
  });

  it("makes one call when the signature is wrong", async () => {
    const result = await run({ credentials: { ...STS, accessKeySecret: "wrong" } });
    expect(result).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(result.error).toMatchObject({ code: "SignatureDoesNotMatch", redeliver: false });
    expect(await authorizeCalls()).toMatchObject({ total: 1, errors: { SignatureDoesNotMatch: 1 } });
    expect(JSON.stringify(result)).not.toContain(STS.securityToken);
  });

  it("fault error (transient): retries and creates", async () => {
    await setFaults({ kind: "error", code: "ens.interface.error", count: 2 });
    expect(await run()).toMatchObject({ outcome: "created", attempts: 3 });
    const calls = await authorizeCalls();
    expect(calls).toMatchObject({ total: 3, ok: 1, errors: { "ens.interface.error": 2 } });
  });

  it("fault error (permanent): exactly one call", async () => {
    await setFaults({ kind: "error", code: "NoPermission" });
    const result = await run();
    expect(result).toMatchObject({
      outcome: "failed",
      attempts: 1,
      error: { code: "NoPermission", redeliver: false },
    });
    expect((await authorizeCalls()).total).toBe(1);
  });

  it("fault error (throttling, every call): gives up after maxAttempts with the last code", async () => {
    await setFaults({ kind: "error", code: "Throttling.User" });
    const result = await run({ maxAttempts: 4 });
    expect(result).toMatchObject({
      outcome: "failed",
      attempts: 4,
      error: { code: "Throttling.User", redeliver: true },
    });
    expect((await authorizeCalls()).total).toBe(4);
  });

  it("fault reset: the dropped connection is retried and the rule created", async () => {
    await setFaults({ kind: "reset", count: 1 });
    expect(await run()).toMatchObject({ outcome: "created", attempts: 2 });
  });

  it("fault timeout: the attempt is cut by its timeout and retried", async () => {
    await setFaults({ kind: "timeout", count: 1 });
    expect(await run({ attemptTimeoutMs: 200 })).toMatchObject({ outcome: "created", attempts: 2 });
  });

  it("fault timeout on every call: the deadline ends the call", async () => {
    await setFaults({ kind: "timeout" });
    const result = await run({ attemptTimeoutMs: 10_000, budgetMs: 300 });
    expect(result).toMatchObject({
      outcome: "failed",
      attempts: 1,
      error: { code: "DeadlineExceeded", redeliver: true },
    });
  });

  it("fault commit-then-error: the stored rule comes back as Duplicated, already_exists that may have been created", async () => {
    await setFaults({ kind: "commit-then-error", code: "ens.interface.error", count: 1 });
    const result = await run();
    expect(result).toMatchObject({
      outcome: "already_exists",
      attempts: 2,
      error: null,
      mayHaveCreated: true,
    });
    expect(result.ensRequestIds).toHaveLength(2);
    const group = (await control("GET", `security-groups/${GROUP}`)) as { Permissions: unknown[] };
    expect(group.Permissions).toHaveLength(1);
  });
});
