import { describe, expect, it } from "vitest";
import {
  createFaultPlan,
  FaultConfigError,
  type FaultSettings,
  mulberry32,
  parseFaultSettings,
} from "../../../local/ens-emulator/faults.ts";

const actions = new Set(["AuthorizeSecurityGroupEgress", "DescribeSecurityGroupAttribute"]);
const defaults = { seed: 7, latencyMs: 3, jitterMs: 0 };
const egress = "AuthorizeSecurityGroupEgress";

function plan(faults: FaultSettings["faults"], extra: Partial<FaultSettings> = {}) {
  return createFaultPlan({ seed: 1, latencyMs: 0, jitterMs: 0, faults, ...extra });
}

function kinds(p: ReturnType<typeof plan>, n: number, action = egress): string[] {
  return Array.from({ length: n }, () => p.draw(action)?.kind ?? "none");
}

describe("mulberry32", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = mulberry32(1);
    expect([a(), a()]).toEqual([0.6270739405881613, 0.002735721180215478]);
    const b = mulberry32(2);
    expect(b()).not.toBe(0.6270739405881613);
  });

  it("stays in [0, 1)", () => {
    const next = mulberry32(123);
    for (let i = 0; i < 10_000; i++) {
      const value = next();
      expect(value >= 0 && value < 1).toBe(true);
    }
  });
});

describe("parseFaultSettings", () => {
  it("accepts the documented example exactly", () => {
    const body = {
      seed: 1,
      latencyMs: 0,
      faults: [{ action: egress, kind: "error", code: "ens.interface.error", rate: 0.3 }],
    };
    expect(parseFaultSettings(body, defaults, actions)).toEqual({ ...body, jitterMs: 0 });
  });

  it("takes absent top-level fields from the start-up settings", () => {
    expect(parseFaultSettings({}, defaults, actions)).toEqual({ ...defaults, faults: [] });
  });

  it.each([
    [[], "body: must be a JSON object"],
    [{ latencyMs: -1 }, "latencyMs"],
    [{ latencyMs: "5" }, "latencyMs"],
    [{ seed: 1.5 }, "seed"],
    [{ faults: {} }, "faults: must be an array"],
    [{ faults: [{ kind: "explode" }] }, "kind"],
    [{ faults: [{ kind: "error", action: "AuthoriseSecurityGroupEgress" }] }, "action"],
    [{ faults: [{ kind: "error", rate: 1.5 }] }, "rate"],
    [{ faults: [{ kind: "error", count: 1.5 }] }, "count"],
    [{ faults: [{ kind: "error", status: 200 }] }, "status"],
    [{ faults: [{ kind: "error", probability: 0.5 }] }, "probability"],
    [{ fault: [] }, "fault"],
  ])("refuses %j, naming %s", (body, fragment) => {
    expect(() => parseFaultSettings(body, defaults, actions)).toThrow(FaultConfigError);
    expect(() => parseFaultSettings(body, defaults, actions)).toThrow(fragment);
  });
});

describe("fault plan", () => {
  it("applies a rate-1 fault to every matching call and to no other action", () => {
    const p = plan([{ action: egress, kind: "error", code: "Throttling.User" }]);
    expect(kinds(p, 3)).toEqual(["error", "error", "error"]);
    expect(p.draw("DescribeSecurityGroupAttribute")).toBeNull();
  });

  it("treats an absent action and * as every action", () => {
    expect(plan([{ kind: "reset" }]).draw("DescribeSecurityGroupAttribute")?.kind).toBe("reset");
    expect(plan([{ kind: "timeout", action: "*" }]).draw(egress)?.kind).toBe("timeout");
  });

  it("resolves the status from the code, or the override", () => {
    const p = plan([
      { kind: "error", code: "ServiceUnavailable", count: 1 },
      { kind: "error", code: "InternalError", count: 1 },
      { kind: "error", code: "ens.interface.error", count: 1 },
      { kind: "error", code: "Custom", status: 502, count: 1 },
      { kind: "commit-then-error", count: 1 },
    ]);
    expect([p.draw(egress), p.draw(egress), p.draw(egress), p.draw(egress), p.draw(egress)]).toEqual([
      { kind: "error", code: "ServiceUnavailable", status: 503 },
      { kind: "error", code: "InternalError", status: 500 },
      { kind: "error", code: "ens.interface.error", status: 400 },
      { kind: "error", code: "Custom", status: 502 },
      { kind: "commit-then-error", code: "InternalError", status: 500 },
    ]);
    expect(p.draw(egress)).toBeNull();
  });

  it("stops after count matching calls and reports what is left", () => {
    const p = plan([{ action: egress, kind: "error", code: "CallInterface", count: 2 }]);
    p.draw("DescribeSecurityGroupAttribute");
    expect(p.settings().faults[0]?.count).toBe(2);
    expect(kinds(p, 3)).toEqual(["error", "error", "none"]);
    expect(p.settings().faults[0]?.count).toBe(0);
  });

  it("makes the same decisions for the same seed, and different ones for another seed", () => {
    const faults = [{ action: egress, kind: "error" as const, code: "ens.interface.error", rate: 0.3 }];
    const first = kinds(plan(faults, { seed: 42 }), 200);
    expect(kinds(plan(faults, { seed: 42 }), 200)).toEqual(first);
    expect(kinds(plan(faults, { seed: 43 }), 200)).not.toEqual(first);
    const hits = first.filter((k) => k === "error").length;
    // 200 Bernoulli(0.3) draws: far outside this band would mean the rate is not applied.
    expect(hits).toBeGreaterThan(30);
    expect(hits).toBeLessThan(90);
  });

  it("never fires at rate 0", () => {
    expect(kinds(plan([{ kind: "error", rate: 0 }]), 100)).not.toContain("error");
  });

  it("delays by latency plus jitter in [0, jitterMs], without changing the fault sequence", () => {
    expect(plan([], { latencyMs: 25 }).delayMs()).toBe(25);
    const jittery = plan([], { latencyMs: 10, jitterMs: 5 });
    const delays = Array.from({ length: 500 }, () => jittery.delayMs());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(15);
    expect(new Set(delays).size).toBeGreaterThan(1);

    const faults = [{ kind: "error" as const, rate: 0.5 }];
    const calm = plan(faults, { seed: 9 });
    const noisy = plan(faults, { seed: 9, jitterMs: 50 });
    const delayThenDraw = (p: ReturnType<typeof plan>) => {
      p.delayMs();
      return p.draw(egress)?.kind;
    };
    const calmKinds = Array.from({ length: 50 }, () => delayThenDraw(calm));
    const noisyKinds = Array.from({ length: 50 }, () => delayThenDraw(noisy));
    expect(noisyKinds).toEqual(calmKinds);
  });
});

describe("securityGroupId filter", () => {
  it("fires only for calls on the named group", () => {
    const plan = createFaultPlan(
      parseFaultSettings(
        { seed: 1, faults: [{ kind: "error", code: "ens.interface.error", securityGroupId: "sg-flaky" }] },
        { seed: 1, latencyMs: 0, jitterMs: 0 },
        new Set(["AuthorizeSecurityGroupEgress"]),
      ),
    );
    expect(plan.draw("AuthorizeSecurityGroupEgress", "sg-healthy")).toBeNull();
    expect(plan.draw("AuthorizeSecurityGroupEgress")).toBeNull();
    expect(plan.draw("AuthorizeSecurityGroupEgress", "sg-flaky")?.code).toBe("ens.interface.error");
  });

  it("refuses an empty filter", () => {
    expect(() =>
      parseFaultSettings(
        { faults: [{ kind: "error", securityGroupId: "" }] },
        { seed: 1, latencyMs: 0, jitterMs: 0 },
        new Set(["AuthorizeSecurityGroupEgress"]),
      ),
    ).toThrow(/securityGroupId/);
  });
});
