import { describe, expect, it } from "vitest";
import { createAsyncInvoker } from "../../../local/fc-server/async-invoker.ts";
import type { InvocationOutcome } from "../../../local/fc-server/function-runner.ts";

const failure: InvocationOutcome = {
  ok: false,
  timedOut: false,
  error: { errorMessage: "boom", errorType: "Error", stackTrace: [] },
};

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => {
      if (condition()) resolve();
      else setImmediate(poll);
    };
    poll();
  });
}

describe("createAsyncInvoker", () => {
  it("retries a failing invocation until it succeeds, logging each attempt", async () => {
    const lines: string[] = [];
    const invoker = createAsyncInvoker({ maxRetries: 3, delayMs: () => 0 }, (l) => lines.push(l));
    const seen: number[] = [];
    invoker.submit({
      requestId: "r1",
      functionName: "queue-worker",
      attempt: async (n) => {
        seen.push(n);
        return n < 3 ? failure : { ok: true, result: null };
      },
    });
    await until(() => invoker.pending() === 0);
    expect(seen).toEqual([1, 2, 3]);
    expect(lines).toEqual([
      "async queue-worker r1 attempt 1/4: failed (boom); retrying in 0 ms",
      "async queue-worker r1 attempt 2/4: failed (boom); retrying in 0 ms",
      "async queue-worker r1 attempt 3/4: succeeded",
    ]);
  });

  it("stops after the configured retries (FC default: 3, so 4 attempts)", async () => {
    const invoker = createAsyncInvoker({ maxRetries: 3, delayMs: () => 0 }, () => {});
    let attempts = 0;
    invoker.submit({
      requestId: "r",
      functionName: "f",
      attempt: async () => {
        attempts += 1;
        return failure;
      },
    });
    await until(() => invoker.pending() === 0);
    expect(attempts).toBe(4);
  });

  it("drain drops waiting retries and reports them", async () => {
    const lines: string[] = [];
    const invoker = createAsyncInvoker({ maxRetries: 3, delayMs: () => 60_000 }, (l) => lines.push(l));
    invoker.submit({ requestId: "r", functionName: "f", attempt: async () => failure });
    await until(() => lines.some((line) => line.includes("retrying in 60000 ms")));
    const abandoned = await invoker.drain(1000);
    expect(abandoned).toBe(1);
    expect(invoker.pending()).toBe(0);
  });

  it("drain waits for a running attempt to finish", async () => {
    const invoker = createAsyncInvoker({ maxRetries: 0, delayMs: () => 0 }, () => {});
    let release: () => void = () => {};
    let finished = false;
    invoker.submit({
      requestId: "r",
      functionName: "f",
      attempt: () =>
        new Promise((resolve) => {
          release = () => {
            finished = true;
            resolve({ ok: true, result: null });
          };
        }),
    });
    const drained = invoker.drain(30_000);
    release();
    expect(await drained).toBe(0);
    expect(finished).toBe(true);
  });
});
