import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CoverageFunction, compiledLength } from "../../../bench/compiled-bytes.ts";
import { judgeFigures, retrySuccessFloor } from "../../../bench/lib/targets.ts";

const fn = (startOffset: number, endOffset: number, count: number): CoverageFunction => ({
  functionName: "",
  ranges: [{ startOffset, endOffset, count }],
});

describe("compiledLength (bytes a cold start compiled, from V8 coverage)", () => {
  it("counts the top level and the functions that ran, not those that did not", () => {
    // 0..100 script; 10..40 ran, with 20..30 inside it never called; 50..90 never called, 60..70 inside it listed.
    const functions = [fn(0, 100, 1), fn(10, 40, 3), fn(20, 30, 0), fn(50, 90, 0), fn(60, 70, 1)];
    expect(compiledLength(100, functions)).toBe(100 - 10 - 40 + 10);
  });

  it("equals a byte-by-byte count of the innermost function holding each byte", () => {
    // Properly nested ranges, as V8 reports them: each function is split into child functions that do not overlap.
    const nested = fc.letrec<{ tree: { ran: boolean; children: unknown[] } }>((tie) => ({
      tree: fc.oneof(
        { maxDepth: 4 },
        fc.record({ ran: fc.boolean(), children: fc.constant<unknown[]>([]) }),
        fc.record({ ran: fc.boolean(), children: fc.array(tie("tree"), { maxLength: 3 }) }),
      ),
    })).tree;
    fc.assert(
      fc.property(nested, (root) => {
        type Node = { ran: boolean; children: Node[] };
        const functions: CoverageFunction[] = [];
        const expected: number[] = [];
        let offset = 0;
        const lay = (node: Node, ran: boolean): void => {
          const start = offset;
          const own = () => {
            for (let i = 0; i < 3; i++) expected.push(ran ? 1 : 0);
            offset += 3;
          };
          own();
          for (const child of node.children) {
            lay(child, child.ran);
            own();
          }
          functions.push(fn(start, offset, ran ? 1 : 0));
        };
        lay(root as Node, true);
        const total = expected.reduce((a, b) => a + b, 0);
        expect(compiledLength(offset, [...functions].reverse())).toBe(total);
      }),
    );
  });
});

describe("retry judgement (within sampling error of the ceiling)", () => {
  it("allows three binomial standard errors below the expected count, rounded up", () => {
    expect(retrySuccessFloor(1000, 1 - 0.3 ** 5, 3)).toBe(993);
    expect(retrySuccessFloor(200, 1 - 0.3 ** 5, 3)).toBe(198);
    expect(retrySuccessFloor(1000, 1, 3)).toBe(1000);
  });

  it("never allows more than the expected count nor fewer than expected minus the error", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, p) => {
          const floor = retrySuccessFloor(n, p, 3);
          expect(floor).toBeLessThanOrEqual(Math.ceil(n * p));
          expect(floor).toBeGreaterThanOrEqual(n * p - 3 * Math.sqrt(n * p * (1 - p)));
        },
      ),
    );
  });

  it("fails the figure below the floor and when a redelivery leaves a request behind", () => {
    const retry = {
      faultRate: 0.3,
      requests: 1000,
      succeeded: 992,
      meanAttempts: 1.42,
      retriesOnPermanentErrors: 0,
      maxAttempts: 5,
      baseMs: 1,
      maxDelayMs: 10,
      expectedSuccessRate: 1 - 0.3 ** 5,
      permanentFaultRate: 0.01,
      requestsWithPermanentError: 8,
      succeededWithRedelivery: 1000,
      worstSucceeded: 990,
      worstSucceededWithRedelivery: 999,
      transientPasses: [],
      permanentPasses: [],
    };
    const figures = { ratio: null, overhead: null, cold: null, bundleBytes: {}, batch: null };
    const byFigure = (checks: ReturnType<typeof judgeFigures>) =>
      Object.fromEntries(checks.map((check) => [check.figure, check.ok]));
    expect(byFigure(judgeFigures({ ...figures, retry }))).toMatchObject({
      "retry succeeded": false,
      "retry succeededWithRedelivery": false,
      "retry retriesOnPermanentErrors": true,
    });
    expect(
      byFigure(
        judgeFigures({ ...figures, retry: { ...retry, succeeded: 993, worstSucceededWithRedelivery: 1000 } }),
      ),
    ).toMatchObject({ "retry succeeded": true, "retry succeededWithRedelivery": true });
  });
});
