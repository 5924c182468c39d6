import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnsClient, toEnsParams } from "#shared/adapters/ens/retrying-ens-client.ts";
import { computeBackoffDelay, type RetryPolicy } from "#shared/adapters/retry.ts";
import type { EgressRule } from "#shared/domain/types.ts";
import { classifyError, DUPLICATED_CODE, ERROR_TABLE } from "#shared/errors.ts";
import type { Clock, Credentials, EnsCallResult } from "#shared/ports.ts";
import { createFakeEnsTransport, type FakeEnsStep } from "../../fakes/fake-ens-transport.ts";

const RULE: EgressRule = {
  SecurityGroupId: "sg-test123",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
  Policy: "accept",
  Priority: 7,
  SourcePortRange: "1/65535",
};
const CREDENTIALS: Credentials = {
  accessKeyId: "ak-id",
  accessKeySecret: "ak-secret-value",
  securityToken: "sts-token-value",
};

/** Virtual time: sleeping and simulated latency advance it; nothing waits for real. */
function createVirtualTime(start = 1_700_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  const clock: Clock = { now: () => now };
  return {
    clock,
    sleeps,
    advance(ms: number) {
      now += ms;
    },
    sleep: async (ms: number, signal: AbortSignal) => {
      sleeps.push(ms);
      if (!signal.aborted) now += ms;
    },
  };
}

function setup(script: FakeEnsStep[], retry: Partial<RetryPolicy> = {}, budgetMs = 60_000) {
  const time = createVirtualTime();
  const transport = createFakeEnsTransport({ script });
  const client = createEnsClient({
    transport,
    clock: time.clock,
    retry: { maxAttempts: 5, baseMs: 100, maxDelayMs: 2_000, random: () => 0.5, sleep: time.sleep, ...retry },
  });
  const run = (signal?: AbortSignal): Promise<EnsCallResult> =>
    client.authorizeSecurityGroupEgress(RULE, {
      credentials: CREDENTIALS,
      deadline: time.clock.now() + budgetMs,
      signal,
    });
  return { time, transport, client, run };
}

const err = (code: string, httpStatus = 400): FakeEnsStep => ({ kind: "error", code, httpStatus });

describe("createEnsClient: outcomes", () => {
  it("creates the rule on the first answer", async () => {
    const { run, transport } = setup([]);
    expect(await run()).toEqual({
      outcome: "created",
      attempts: 1,
      ensRequestIds: ["fake-req-1"],
      error: null,
      mayHaveCreated: false,
    });
    expect(transport.stored.size).toBe(1);
  });

  it("sends all seven fields as strings, Priority in decimal, with the caller's credentials", async () => {
    const { run, transport } = setup([]);
    await run();
    expect(transport.calls[0]?.action).toBe("AuthorizeSecurityGroupEgress");
    expect(transport.calls[0]?.params).toEqual({
      SecurityGroupId: "sg-test123",
      IpProtocol: "tcp",
      PortRange: "443/443",
      DestCidrIp: "10.0.0.0/8",
      Policy: "accept",
      Priority: "7",
      SourcePortRange: "1/65535",
    });
    expect(transport.calls[0]?.credentials).toBe(CREDENTIALS);
    expect(toEnsParams({ ...RULE, Priority: 100 }).Priority).toBe("100");
  });

  it("answers already_exists when the first answer is Duplicated", async () => {
    const { run, transport } = setup([]);
    transport.seed(toEnsParams(RULE));
    expect(await run()).toEqual({
      outcome: "already_exists",
      attempts: 1,
      ensRequestIds: ["fake-req-1"],
      error: null,
      mayHaveCreated: false,
    });
  });

  // `created` needs a success answer to our own attempt: after a lost answer, Duplicated proves the rule exists but
  // not who stored it (a concurrent delivery may have), so the outcome says exactly that.
  it("ends as already_exists that may have been created, with attempts 2, when the answer was lost after the rule was stored", async () => {
    const { run, transport } = setup([{ kind: "network", errno: "ECONNRESET", commit: true }]);
    const result = await run();
    expect(result).toEqual({
      outcome: "already_exists",
      attempts: 2,
      ensRequestIds: ["fake-req-1"],
      error: null,
      mayHaveCreated: true,
    });
    expect(transport.calls).toHaveLength(2);
    expect(transport.stored.size).toBe(1);
  });

  it.each<[string, FakeEnsStep]>([
    ["an attempt timeout", { kind: "timeout", commit: true }],
    ["ens.interface.error", err("ens.interface.error")],
    ["an HTTP 503", err("ServiceUnavailable", 503)],
    ["a non-JSON 200", { kind: "invalid-body", httpStatus: 200, commit: true }],
  ])(
    "reports Duplicated after %s as already_exists that this delivery may have created",
    async (_name, first) => {
      const { run, transport } = setup([first, { kind: "ok" }]);
      // When the failed attempt did not store the rule itself, the rule appears in between (ENS committed late).
      if (!(first as { commit?: boolean }).commit) transport.seed(toEnsParams(RULE));
      const result = await run();
      expect(result.outcome).toBe("already_exists");
      expect(result.mayHaveCreated).toBe(true);
      expect(result.attempts).toBe(2);
    },
  );

  it.each<[string, FakeEnsStep]>([
    ["throttling (the call was refused before it ran)", err("Throttling.User")],
    ["a refused connection (the call never left)", { kind: "network", errno: "ECONNREFUSED" }],
    ["a nonce refusal", err("SignatureNonceUsed")],
  ])("keeps already_exists for Duplicated after %s", async (_name, first) => {
    const { run, transport } = setup([first]);
    transport.seed(toEnsParams(RULE));
    expect(await run()).toMatchObject({ outcome: "already_exists", attempts: 2, mayHaveCreated: false });
  });

  it("records the RequestId of every answered attempt, errors included", async () => {
    const { run } = setup([
      err("ens.interface.error"),
      { kind: "network" },
      err("Throttling"),
      { kind: "ok" },
    ]);
    const result = await run();
    expect(result).toMatchObject({ outcome: "created", attempts: 4 });
    expect(result.ensRequestIds).toEqual(["fake-req-1", "fake-req-2", "fake-req-3"]);
  });
});

describe("createEnsClient: retry", () => {
  const permanentRows = ERROR_TABLE.filter(
    // Ticket rows are answers of ticket systems to the notifier, never of ENS.
    (r) => r.source !== "local" && r.source !== "ticket" && r.retry === "no" && r.code !== DUPLICATED_CODE,
  );

  it.each(permanentRows.map((r) => [r.code.replace(/\*$/, "X").replace(/\.X$/, ".Field")]))(
    "makes exactly one call for the permanent error %s",
    async (code) => {
      const { run, transport, time } = setup([err(code, 400), err(code, 400)]);
      const result = await run();
      expect(transport.calls).toHaveLength(1);
      expect(time.sleeps).toEqual([]);
      expect(result).toMatchObject({ outcome: "failed", attempts: 1, ensRequestIds: ["fake-req-1"] });
      expect(result.error).toMatchObject({ code, httpStatus: 400, requestId: "fake-req-1" });
      // Permanent for this invocation; only an expired STS token is worth a later delivery (fresh credentials).
      expect(result.error?.redeliver).toBe(code === "InvalidSecurityToken.Expired");
    },
  );

  it("makes exactly one call for an unknown 4xx code and for a transport bug", async () => {
    const unknown = setup([err("Brand.New", 400)]);
    expect(await unknown.run()).toMatchObject({
      outcome: "failed",
      attempts: 1,
      error: { redeliver: false },
    });
    const bug = setup([{ kind: "throw-bug" }]);
    const result = await bug.run();
    expect(result).toMatchObject({
      outcome: "failed",
      attempts: 1,
      error: { code: "InternalError" },
    });
    expect(bug.transport.calls).toHaveLength(1);
  });

  it.each([1, 2, 3, 5, 8])(
    "retries transient errors up to maxAttempts = %i, then fails with the last code",
    async (max) => {
      const { run, transport } = setup(
        Array.from({ length: 10 }, () => err("ens.interface.error")),
        { maxAttempts: max },
      );
      const result = await run();
      expect(transport.calls).toHaveLength(max);
      expect(result).toMatchObject({ outcome: "failed", attempts: max });
      expect(result.error).toMatchObject({ code: "ens.interface.error", redeliver: true });
      expect(result.ensRequestIds).toHaveLength(max);
    },
  );

  it("retries every retryable row of the table", async () => {
    for (const row of ERROR_TABLE.filter((r) => r.retry !== "no" && r.source !== "local")) {
      const code = row.code.replace(/\*$/, "X");
      const { run } = setup([err(code, 503)]);
      expect(await run(), code).toMatchObject({ outcome: "created", attempts: 2 });
    }
  });

  it("sleeps full-jitter delays: random * min(cap, base * 2^(n-1)), 5x base for throttling", async () => {
    const transient = setup(
      Array.from({ length: 5 }, () => err("ens.interface.error")),
      {
        random: () => 0.5,
        baseMs: 100,
        maxDelayMs: 500,
      },
    );
    await transient.run();
    expect(transient.time.sleeps).toEqual([50, 100, 200, 250]);

    const throttled = setup(
      Array.from({ length: 5 }, () => err("Throttling")),
      {
        random: () => 0.5,
        baseMs: 100,
        maxDelayMs: 10_000,
      },
    );
    await throttled.run();
    expect(throttled.time.sleeps).toEqual([250, 500, 1000, 2000]);
  });

  it("computeBackoffDelay stays within [0, cap] for any input", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom("transient" as const, "throttle" as const),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, kind, baseMs, maxDelayMs, r) => {
          const delay = computeBackoffDelay(n, kind, { baseMs, maxDelayMs }, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it("refuses a policy without attempts", () => {
    expect(() => setup([], { maxAttempts: 0 })).toThrow(RangeError);
    expect(() => setup([], { baseMs: Number.NaN })).toThrow(RangeError);
  });
});

describe("createEnsClient: deadline", () => {
  it("never starts an attempt or sleeps past the deadline (random faults, latencies and budgets)", async () => {
    const step = fc.oneof(
      fc.constant<FakeEnsStep>({ kind: "ok" }),
      fc.constant<FakeEnsStep>(err("ens.interface.error")),
      fc.constant<FakeEnsStep>(err("Throttling")),
      fc.constant<FakeEnsStep>({ kind: "network" }),
      fc.constant<FakeEnsStep>({ kind: "timeout" }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          steps: fc.array(step, { maxLength: 10 }),
          latencies: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 10, maxLength: 10 }),
          budgetMs: fc.integer({ min: 1, max: 5_000 }),
          maxAttempts: fc.integer({ min: 1, max: 10 }),
          baseMs: fc.integer({ min: 0, max: 2_000 }),
          maxDelayMs: fc.integer({ min: 0, max: 10_000 }),
          random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        }),
        async (input) => {
          const time = createVirtualTime();
          const deadline = time.clock.now() + input.budgetMs;
          const starts: number[] = [];
          const ends: number[] = [];
          const minAttemptMs = 200;
          const transport = createFakeEnsTransport({
            script: input.steps,
            // Simulated latency never exceeds minAttemptMs, so a retry that starts in time also ends in time. The
            // first attempt may start with less left; there the real deadline timer cuts it (tested below).
            onCall: (_call, i) => {
              starts.push(time.clock.now());
              const latency = input.latencies[i] ?? 0;
              time.advance(i === 0 ? Math.min(latency, deadline - time.clock.now()) : latency);
              ends.push(time.clock.now());
            },
          });
          const client = createEnsClient({
            transport,
            clock: time.clock,
            retry: { ...input, minAttemptMs, random: () => input.random, sleep: time.sleep },
          });
          const result = await client.authorizeSecurityGroupEgress(RULE, {
            credentials: CREDENTIALS,
            deadline,
          });
          expect(result.attempts).toBe(starts.length);
          expect(result.attempts).toBeGreaterThanOrEqual(1);
          expect(result.attempts).toBeLessThanOrEqual(input.maxAttempts);
          for (const start of starts.slice(1)) expect(start + minAttemptMs).toBeLessThanOrEqual(deadline);
          for (const end of ends) expect(end).toBeLessThanOrEqual(deadline);
          expect(time.clock.now()).toBeLessThanOrEqual(deadline);
          if (result.outcome === "failed") expect(result.error?.redeliver).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("makes no call when the deadline has already passed", async () => {
    const { run, transport } = setup([], {}, 0);
    const result = await run();
    expect(transport.calls).toHaveLength(0);
    expect(result).toMatchObject({ outcome: "failed", attempts: 0, ensRequestIds: [] });
    expect(result.error).toMatchObject({ code: "DeadlineExceeded", redeliver: true });
  });

  it("stops instead of sleeping into the deadline and reports the last ENS code", async () => {
    // 1000 ms left; the first delay is 0.9 * 1000 = 900 ms, which leaves less than minAttemptMs (200).
    const { run, transport, time } = setup(
      [err("ens.interface.error")],
      { baseMs: 1_000, random: () => 0.9 },
      1_000,
    );
    const result = await run();
    expect(transport.calls).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
    expect(result.error).toMatchObject({ code: "ens.interface.error", redeliver: true });
  });

  it("aborts the attempt in flight at the deadline (real timers)", async () => {
    const transport = createFakeEnsTransport({ script: [{ kind: "hang" }] });
    const client = createEnsClient({ transport, retry: { maxAttempts: 5, baseMs: 10, maxDelayMs: 100 } });
    const result = await client.authorizeSecurityGroupEgress(RULE, {
      credentials: CREDENTIALS,
      deadline: Date.now() + 50,
    });
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]?.signal.aborted).toBe(true);
    expect(result).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(result.error).toMatchObject({ code: "DeadlineExceeded", redeliver: true });
  });

  it("aborts the attempt in flight when the caller's signal fires", async () => {
    const controller = new AbortController();
    const transport = createFakeEnsTransport({
      script: [{ kind: "hang" }],
      onCall: () => controller.abort(),
    });
    const client = createEnsClient({ transport, retry: { maxAttempts: 5, baseMs: 10, maxDelayMs: 100 } });
    const result = await client.authorizeSecurityGroupEgress(RULE, {
      credentials: CREDENTIALS,
      deadline: Date.now() + 60_000,
      signal: controller.signal,
    });
    expect(transport.calls).toHaveLength(1);
    expect(result.error).toMatchObject({ code: "Aborted", redeliver: true });
  });

  it("makes no call when the caller's signal is already aborted", async () => {
    const { run, transport } = setup([]);
    const result = await run(AbortSignal.abort());
    expect(transport.calls).toHaveLength(0);
    expect(result).toMatchObject({ outcome: "failed", attempts: 0, error: { code: "Aborted" } });
  });
});

describe("createEnsClient: secrets", () => {
  it("never puts the secret or the token into a result", async () => {
    const steps: FakeEnsStep[][] = [
      [err("SignatureDoesNotMatch", 403)],
      [{ kind: "network" }, { kind: "timeout" }, { kind: "invalid-body" }, err("InternalError", 500)],
      [{ kind: "throw-bug" }],
    ];
    for (const script of steps) {
      const { run } = setup(script, {}, 60_000);
      const text = JSON.stringify(await run());
      expect(text).not.toContain(CREDENTIALS.accessKeySecret);
      expect(text).not.toContain(CREDENTIALS.securityToken);
    }
    expect(classifyError("SignatureDoesNotMatch", 403).retry).toBe("no");
  });
});
