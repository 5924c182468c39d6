/**
 * Fault injection through the control API (docs/interfaces.md), observed by an official client: error codes
 * with their statuses, connection resets, calls that never answer, commit-then-error, counts, seeded
 * determinism, latency, and the control API staying clear of all of it.
 */
import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EnsEmulator } from "../../../local/ens-emulator/index.ts";
import { createCaller, type EnsCaller, expectFailure, openApiCaller } from "./support/official-clients.ts";
import { control, PLAIN, startTestEmulator } from "./support/setup.ts";

const GROUP = "sg-faults";
const ACTION = "AuthorizeSecurityGroupEgress";
const rule = (port: number) => ({
  SecurityGroupId: GROUP,
  IpProtocol: "tcp",
  PortRange: `${port}/${port}`,
  DestCidrIp: "10.0.0.0/8",
});

let emulator: EnsEmulator;
let caller: EnsCaller;

beforeAll(async () => {
  emulator = await startTestEmulator();
  caller = createCaller("openapi-core V3", emulator.url, PLAIN);
});

beforeEach(async () => {
  await control(emulator, "POST", "reset");
  await control(emulator, "POST", "security-groups", { SecurityGroupId: GROUP });
});

afterAll(async () => {
  await emulator?.close();
});

async function setFaults(body: unknown): Promise<void> {
  const answer = await control(emulator, "PUT", "faults", body);
  expect(answer.status).toBe(200);
}

/** Polls the stats until `predicate` holds; used to know that a held call has reached the server. */
async function waitForStats(
  predicate: (stats: ReturnType<EnsEmulator["stats"]>) => boolean,
  target = emulator,
) {
  for (;;) {
    if (predicate(target.stats())) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("error faults", () => {
  it.each([
    ["ens.interface.error", 400],
    ["CallInterface", 400],
    ["Throttling.User", 400],
    ["ServiceUnavailable", 503],
    ["InternalError", 500],
  ])("answer %s with HTTP %i and store nothing", async (code, status) => {
    await setFaults({ seed: 1, latencyMs: 0, faults: [{ action: ACTION, kind: "error", code, rate: 1 }] });
    const failure = await expectFailure(caller.call(ACTION, rule(1000)));
    expect(failure.code).toBe(code);
    expect(failure.status).toBe(status);
    expect(failure.data).toMatchObject({
      Code: code,
      HostId: expect.any(String),
      RequestId: expect.any(String),
    });
    const group = await control(emulator, "GET", `security-groups/${GROUP}`);
    expect(group.body.Permissions).toEqual([]);
  });

  it("apply only to the named action", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "error", code: "InternalError" }] });
    const described = await caller.call("DescribeSecurityGroupAttribute", { SecurityGroupId: GROUP });
    expect(described.SecurityGroupId).toBe(GROUP);
  });

  it("stop after count calls", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "error", code: "ServiceUnavailable", count: 2 }] });
    expect((await expectFailure(caller.call(ACTION, rule(1001)))).code).toBe("ServiceUnavailable");
    expect((await expectFailure(caller.call(ACTION, rule(1001)))).code).toBe("ServiceUnavailable");
    expect((await caller.call(ACTION, rule(1001))).RequestId).toBeTruthy();
  });
});

describe("commit-then-error", () => {
  it("stores the rule, answers the error, and the retry finds the rule (Duplicated)", async () => {
    await setFaults({
      faults: [{ action: ACTION, kind: "commit-then-error", code: "ServiceUnavailable", count: 1 }],
    });
    const first = await expectFailure(caller.call(ACTION, rule(2000)));
    expect(first.code).toBe("ServiceUnavailable");
    expect(first.status).toBe(503);
    const group = await control(emulator, "GET", `security-groups/${GROUP}`);
    expect(group.body.Permissions).toEqual([expect.objectContaining({ PortRange: "2000/2000" })]);
    expect((await expectFailure(caller.call(ACTION, rule(2000)))).code).toBe(
      "SecurityGroupRuleConflict.Duplicated",
    );
  });

  it("lets a genuine error through when nothing could be stored", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "commit-then-error", code: "InternalError" }] });
    expect((await expectFailure(caller.call(ACTION, { ...rule(2001), Priority: 0 }))).code).toBe(
      "InvalidParameter.Priority",
    );
  });
});

describe("network faults", () => {
  it("reset drops the connection: the client sees a network error, not an ENS code", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "reset", count: 1 }] });
    const failure = await expectFailure(caller.call(ACTION, rule(3000)));
    expect(failure.code).toBe("ECONNRESET");
    expect(failure.data).toBeUndefined();
    expect(emulator.stats().calls[ACTION]?.errors).toEqual({ ConnectionReset: 1 });
    expect((await caller.call(ACTION, rule(3000))).RequestId).toBeTruthy();
  });

  it("timeout never answers: the client's own read timeout ends the call", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "timeout", count: 1 }] });
    const patient = openApiCaller(emulator.url, PLAIN, "openapi-core V3", { readTimeout: 200 });
    const failure = await expectFailure(patient.call(ACTION, rule(3001)));
    expect((failure.error as Error).name).toBe("RequestTimeoutError");
    expect(emulator.stats().calls[ACTION]?.errors).toEqual({ NoResponse: 1 });
  });

  it("close() ends promptly even while calls are held", async () => {
    const own = await startTestEmulator({ securityGroups: [GROUP] });
    own.setFaults({ faults: [{ kind: "timeout" }] });
    const held = expectFailure(createCaller("pop-core V1 POST", own.url, PLAIN).call(ACTION, rule(3002)));
    await waitForStats((stats) => stats.calls[ACTION]?.errors.NoResponse === 1, own);
    // If close() waited for the held socket, this would never resolve and the test would time out.
    await own.close();
    expect((await held).code).toBe("ECONNRESET");
  });
});

describe("determinism and latency", () => {
  it("the same seed gives the same outcomes on two emulators", async () => {
    const outcomes = async (target: EnsEmulator) => {
      target.setFaults({
        seed: 1234,
        faults: [{ action: ACTION, kind: "error", code: "ens.interface.error", rate: 0.5 }],
      });
      const client = createCaller("pop-core V1 POST", target.url, PLAIN);
      const seen: string[] = [];
      for (let port = 1; port <= 30; port++) {
        seen.push(
          await client.call(ACTION, rule(port)).then(
            () => "ok",
            (error: { code?: string }) => String(error.code),
          ),
        );
      }
      return seen;
    };
    const [a, b] = [
      await startTestEmulator({ securityGroups: [GROUP] }),
      await startTestEmulator({ securityGroups: [GROUP] }),
    ];
    try {
      const first = await outcomes(a);
      expect(await outcomes(b)).toEqual(first);
      expect(first).toContain("ok");
      expect(first).toContain("ens.interface.error");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("latency holds business calls but never the control API", async () => {
    const slow = await startTestEmulator({ securityGroups: [GROUP], latencyMs: 600_000 });
    let answered = false;
    const call = new Promise<void>((resolve) => {
      const req = request(`${slow.url}/?Action=DescribeSecurityGroupAttribute`, (res) => {
        answered = true;
        res.resume();
        resolve();
      });
      req.on("error", () => resolve());
      req.end();
    });
    try {
      // The control API answers at once although every business call waits ten minutes.
      const stats = await control(slow, "GET", "stats");
      expect(stats.status).toBe(200);
      const group = await control(slow, "GET", `security-groups/${GROUP}`);
      expect(group.status).toBe(200);
      expect(answered).toBe(false);
    } finally {
      await slow.close();
      await call;
    }
    expect(answered).toBe(false);
  });

  it("answers latencyMs after a call arrived, its own work included; the action takes effect on arrival", async () => {
    const slow = await startTestEmulator({ securityGroups: [GROUP], latencyMs: 400 });
    const slowCaller = createCaller("openapi-core V3", slow.url, PLAIN);
    try {
      const started = performance.now();
      const pending = slowCaller.call(ACTION, rule(7000));
      // Well before the answer leaves, the rule is already stored: ENS applied it; the answer is still on its way.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const group = await control(slow, "GET", `security-groups/${GROUP}`);
      expect(group.body.Permissions).toHaveLength(1);
      await pending;
      const elapsed = performance.now() - started;
      // Never sooner than the latency; the bound above only catches a delay added on top of it twice.
      expect(elapsed).toBeGreaterThanOrEqual(395);
      expect(elapsed).toBeLessThan(790);
    } finally {
      await slow.close();
    }
  });

  it("faults never touch the control API", async () => {
    await setFaults({ faults: [{ kind: "reset" }, { kind: "timeout" }] });
    expect((await control(emulator, "GET", "stats")).status).toBe(200);
    expect((await control(emulator, "GET", `security-groups/${GROUP}`)).status).toBe(200);
    expect((await control(emulator, "POST", "reset")).status).toBe(200);
  });
});

describe("stats and settings", () => {
  it("count every call per action in the documented shape", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "error", code: "Throttling.User", count: 1 }] });
    await expectFailure(caller.call(ACTION, rule(4000)));
    await caller.call(ACTION, rule(4000));
    await expectFailure(caller.call(ACTION, rule(4000)));
    await caller.call("DescribeSecurityGroupAttribute", { SecurityGroupId: GROUP });
    const stats = await control(emulator, "GET", "stats");
    expect(stats.body).toEqual({
      calls: {
        [ACTION]: {
          total: 3,
          ok: 1,
          errors: { "Throttling.User": 1, "SecurityGroupRuleConflict.Duplicated": 1 },
        },
        DescribeSecurityGroupAttribute: { total: 1, ok: 1, errors: {} },
      },
    });
    expect(emulator.stats()).toEqual(stats.body);
  });

  it("refuse an invalid fault configuration with 400 and keep the previous one", async () => {
    await setFaults({ faults: [{ action: ACTION, kind: "error", code: "InternalError", count: 1 }] });
    const refused = await control(emulator, "PUT", "faults", {
      faults: [{ action: ACTION, kind: "explode" }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.Code).toBe("InvalidFaultConfig");
    expect((await expectFailure(caller.call(ACTION, rule(5000)))).code).toBe("InternalError");
  });

  it("reset forgets groups, rules, faults and counters", async () => {
    await caller.call(ACTION, rule(6000));
    await setFaults({ faults: [{ kind: "error", code: "InternalError" }] });
    await control(emulator, "POST", "reset");
    expect((await control(emulator, "GET", `security-groups/${GROUP}`)).status).toBe(404);
    expect((await control(emulator, "GET", "stats")).body).toEqual({ calls: {} });
    expect((await control(emulator, "GET", "faults")).body).toMatchObject({ faults: [] });
  });
});
