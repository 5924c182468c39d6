/**
 * Asynchronous invocations (`x-fc-invocation-type: Async`): accepted at once, run in the background, and retried
 * on a function error the way FC does (3 retries by default, with backoff). The same request id is kept across
 * attempts, as FC keeps it, so an idempotent function sees a redelivery, not a new request.
 *
 * This is the platform's redelivery, emulated, not a retry of the product: it does not use shared/adapters/retry.ts
 * (the product's one retry policy) on purpose, because the emulator of FC must behave like FC, not like our code.
 */
import type { InvocationOutcome } from "./function-runner.ts";

/** How failed asynchronous invocations are retried. */
export interface AsyncRetryPolicy {
  /** Retries after the first attempt; FC's default is 3. */
  maxRetries: number;
  /** Delay before retry number `retry` (1-based). */
  delayMs(retry: number): number;
}

/** FC's default: 3 retries; the delays (1 s, 2 s, 4 s) are ours, FC documents only "backoff". */
export const DEFAULT_ASYNC_RETRY: AsyncRetryPolicy = {
  maxRetries: 3,
  delayMs: (retry) => Math.min(1000 * 2 ** (retry - 1), 30_000),
};

/** One accepted asynchronous invocation. */
export interface AsyncJob {
  requestId: string;
  functionName: string;
  /** Runs one attempt (1-based). */
  attempt(attempt: number): Promise<InvocationOutcome>;
}

/** The background queue of asynchronous invocations. */
export interface AsyncInvoker {
  submit(job: AsyncJob): void;
  /** Number of jobs not yet finished (running or waiting for a retry). */
  pending(): number;
  /** Stops scheduling retries and waits up to `timeoutMs` for running attempts; returns the jobs abandoned. */
  drain(timeoutMs: number): Promise<number>;
}

/** Creates the queue; `log` receives one line per attempt outcome. */
export function createAsyncInvoker(policy: AsyncRetryPolicy, log: (line: string) => void): AsyncInvoker {
  const running = new Set<Promise<void>>();
  const waiting = new Map<NodeJS.Timeout, AsyncJob>();
  let closing = false;

  const start = (job: AsyncJob, attempt: number): void => {
    const task = (async () => {
      const outcome = await job.attempt(attempt).catch(
        (thrown: unknown): InvocationOutcome => ({
          ok: false,
          timedOut: false,
          error: { errorMessage: String(thrown), errorType: "LocalServerError", stackTrace: [] },
        }),
      );
      const tag = `async ${job.functionName} ${job.requestId} attempt ${attempt}/${policy.maxRetries + 1}`;
      if (outcome.ok) {
        log(`${tag}: succeeded`);
        return;
      }
      if (attempt > policy.maxRetries) {
        log(`${tag}: failed (${outcome.error.errorMessage}); no retries left, the event is dropped`);
        return;
      }
      if (closing) {
        log(`${tag}: failed (${outcome.error.errorMessage}); shutting down, no retry`);
        return;
      }
      const delay = policy.delayMs(attempt);
      log(`${tag}: failed (${outcome.error.errorMessage}); retrying in ${delay} ms`);
      const timer = setTimeout(() => {
        waiting.delete(timer);
        start(job, attempt + 1);
      }, delay);
      waiting.set(timer, job);
    })();
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  return {
    submit: (job) => start(job, 1),
    pending: () => running.size + waiting.size,
    async drain(timeoutMs) {
      closing = true;
      const abandoned = waiting.size;
      for (const [timer, job] of waiting) {
        clearTimeout(timer);
        log(`async ${job.functionName} ${job.requestId}: shutting down, pending retry dropped`);
      }
      waiting.clear();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const stillRunning = running.size;
      const result = await Promise.race([
        Promise.allSettled([...running]).then(() => "done" as const),
        deadline,
      ]);
      clearTimeout(timer);
      return abandoned + (result === "timeout" ? stillRunning : 0);
    },
  };
}
