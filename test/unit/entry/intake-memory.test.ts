/**
 * The per-instance Idempotency-Key memory: a key stands for the first body sent under it on its route, for a day,
 * among at most `capacity` keys (least recently used out first). Checked against a naive model on random
 * sequences of operations, plus the cases the edge relies on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createIdempotencyKeys,
  createIntakeMemory,
  DEFAULT_IDEMPOTENCY_KEY_LIMITS,
  type KeyBinding,
} from "#shared/entry/intake-memory.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("IdempotencyKeys", () => {
  it("binds a free key, recognises a retry, and reports another body", () => {
    const keys = createIdempotencyKeys();
    expect(keys.lookup("http:/rules", "k", 0)).toBeNull();
    expect(keys.bind("http:/rules", "k", A, 0)).toBe("bound");
    expect(keys.bind("http:/rules", "k", A, 1)).toBe("same");
    expect(keys.bind("http:/rules", "k", B, 2)).toBe("other");
    expect(keys.lookup("http:/rules", "k", 3)).toBe(A);
  });

  it("keeps routes apart, even when a route or key holds what a separator would be", () => {
    const keys = createIdempotencyKeys();
    expect(keys.bind("http:/rules", "k", A, 0)).toBe("bound");
    expect(keys.bind("http:/webhooks/servicenow", "k", B, 0)).toBe("bound");
    expect(keys.bind("http:/rules\nk", "", B, 0)).toBe("bound");
    expect(keys.bind('http:/rules","k', "", B, 0)).toBe("bound");
    expect(keys.lookup("http:/rules", "k", 0)).toBe(A);
  });

  it("forgets a key after its time to live, counted from its first use", () => {
    const keys = createIdempotencyKeys({ capacity: 10, ttlMs: 1000 });
    keys.bind("r", "k", A, 0);
    expect(keys.bind("r", "k", A, 999)).toBe("same");
    expect(keys.lookup("r", "k", 1000)).toBeNull();
    expect(keys.bind("r", "k", B, 1000)).toBe("bound");
  });

  it("unbinds only the body it is told, so a concurrent binding survives", () => {
    const keys = createIdempotencyKeys();
    keys.bind("r", "k", A, 0);
    keys.unbind("r", "k", B);
    expect(keys.lookup("r", "k", 0)).toBe(A);
    keys.unbind("r", "k", A);
    expect(keys.lookup("r", "k", 0)).toBeNull();
  });

  it("holds ten thousand keys for a day by default", () => {
    expect(DEFAULT_IDEMPOTENCY_KEY_LIMITS).toEqual({ capacity: 10_000, ttlMs: 86_400_000 });
    const keys = createIntakeMemory().idempotencyKeys;
    for (let i = 0; i < 10_050; i++) keys.bind("r", `k-${i}`, A, 0);
    expect(keys.size).toBe(10_000);
    expect(keys.lookup("r", "k-49", 0)).toBeNull();
    expect(keys.lookup("r", "k-50", 0)).toBe(A);
  });

  type Op =
    | { op: "bind"; key: string; body: string; dt: number }
    | { op: "lookup"; key: string; dt: number }
    | { op: "unbind"; key: string; body: string; dt: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      op: fc.constant("bind" as const),
      key: fc.constantFrom("k1", "k2", "k3", "k4", "k5"),
      body: fc.constantFrom(A, B),
      dt: fc.nat(40),
    }),
    fc.record({
      op: fc.constant("lookup" as const),
      key: fc.constantFrom("k1", "k2", "k3", "k4", "k5"),
      dt: fc.nat(40),
    }),
    fc.record({
      op: fc.constant("unbind" as const),
      key: fc.constantFrom("k1", "k2", "k3", "k4", "k5"),
      body: fc.constantFrom(A, B),
      dt: fc.nat(40),
    }),
  );

  it("behaves as a naive least-recently-used list with expiry", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (ops, capacity) => {
        const ttlMs = 100;
        const keys = createIdempotencyKeys({ capacity, ttlMs });
        // The model: entries in use order, oldest first, filtered for expiry on every access.
        let model: Array<{ key: string; body: string; expiresAt: number }> = [];
        let now = 0;
        const touch = (key: string) => {
          const found = model.find((entry) => entry.key === key);
          model = model.filter((entry) => entry.key !== key);
          if (found === undefined || found.expiresAt <= now) return null;
          model.push(found);
          return found;
        };
        for (const step of ops) {
          now += step.dt;
          if (step.op === "lookup") {
            expect(keys.lookup("r", step.key, now)).toBe(touch(step.key)?.body ?? null);
          } else if (step.op === "unbind") {
            keys.unbind("r", step.key, step.body);
            model = model.filter((entry) => !(entry.key === step.key && entry.body === step.body));
          } else {
            const found = touch(step.key);
            let expected: KeyBinding;
            if (found !== null) expected = found.body === step.body ? "same" : "other";
            else {
              expected = "bound";
              model.push({ key: step.key, body: step.body, expiresAt: now + ttlMs });
              if (model.length > capacity) model.shift();
            }
            expect(keys.bind("r", step.key, step.body, now)).toBe(expected);
          }
          expect(keys.size).toBeLessThanOrEqual(capacity);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("createIntakeMemory", () => {
  it("starts empty, with no refusal counted", () => {
    const memory = createIntakeMemory();
    expect(memory.unauthenticatedRefusals).toBe(0);
    expect(memory.idempotencyKeys.size).toBe(0);
  });
});
