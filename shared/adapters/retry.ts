/**
 * The product's one retry policy, used by every outbound call that may be retried (ENS reads and writes, the
 * remote audit sinks, the ticket systems): p-retry runs the loop and caps the attempts; this module adds what
 * p-retry cannot know on its own: full-jitter backoff whose base depends on the error's class (throttling backs off
 * from a larger base), a budget that ends at the invocation's deadline, and an AbortSignal that cuts the attempt in
 * flight when the deadline or the caller says so. A caller retries in exactly one layer and never stacks another.
 */
import pRetry from "p-retry";
import type { Clock } from "../ports.ts";

/** How to retry: attempts, backoff and test seams. */
export interface RetryPolicy {
  /** Total attempts, the first one included (>= 1). */
  maxAttempts: number;
  /** Base of the exponential backoff in ms for transient errors. */
  baseMs: number;
  /** Cap of any single delay in ms, applied before the jitter. */
  maxDelayMs: number;
  /** Throttling errors back off from `baseMs * throttleBaseFactor` (default 5): the server asked us to slow down. */
  throttleBaseFactor?: number;
  /** No attempt starts with less than this many ms left before the deadline (default 200). */
  minAttemptMs?: number;
  /** Uniform random in [0, 1); injectable for tests. */
  random?: () => number;
  /** Waits `ms` or until `signal` aborts, whichever is first (resolves in both cases); injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Whether an error is worth another attempt, and how long to back off: `no`, `transient` or `throttle`. */
export type RetryClass = "no" | "transient" | "throttle";

/** One retried call. */
export interface RetryOptions {
  policy: RetryPolicy;
  /** Epoch ms by which every attempt must have ended; an attempt in flight is aborted then. */
  deadline: number;
  /** Classifies a failed attempt's error. */
  classify: (error: unknown) => RetryClass;
  /** The error the call ends with when the deadline aborts it, or when no time was left to start. */
  deadlineError: () => Error;
  /** Aborts the whole call early; the call then ends with `abortedError`. */
  signal?: AbortSignal | undefined;
  abortedError?: () => Error;
  /** Wall clock the deadline is measured with (default `Date.now`). */
  clock?: Clock;
}

/** What a retried call settles to: the value or the last error, with the number of attempts made. */
export type Retried<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: unknown; attempts: number };

/**
 * Full-jitter delay before retry number `failedAttempts` (1 = before the second attempt):
 * `random() * min(maxDelayMs, base * 2^(failedAttempts - 1))`, with a larger base for throttling.
 */
export function computeBackoffDelay(
  failedAttempts: number,
  kind: "transient" | "throttle",
  policy: Pick<RetryPolicy, "baseMs" | "maxDelayMs" | "throttleBaseFactor">,
  random: () => number,
): number {
  const base = kind === "throttle" ? policy.baseMs * (policy.throttleBaseFactor ?? 5) : policy.baseMs;
  const ceiling = Math.min(policy.maxDelayMs, base * 2 ** Math.max(0, failedAttempts - 1));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or less when `signal` aborts first; always resolves. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Throws a RangeError for a policy that cannot be meant (checked once, when a client is built). */
export function validateRetryPolicy(policy: RetryPolicy, name = "retry"): void {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`${name}.maxAttempts must be an integer >= 1`);
  }
  for (const [field, value] of [
    ["baseMs", policy.baseMs],
    ["maxDelayMs", policy.maxDelayMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${name}.${field} must be a finite number >= 0`);
  }
}

/**
 * Runs `attempt` until it succeeds, fails with an error classified `no`, runs out of attempts, or would run past
 * the deadline. Never rejects: the result carries the value or the last error.
 * @example await retryWithinDeadline((signal) => call(signal), { policy, deadline, classify, deadlineError })
 */
export async function retryWithinDeadline<T>(
  attempt: (signal: AbortSignal, attemptNumber: number) => Promise<T>,
  options: RetryOptions,
): Promise<Retried<T>> {
  const { policy, deadline } = options;
  const clock = options.clock ?? { now: Date.now };
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? sleepUnlessAborted;
  const minAttemptMs = policy.minAttemptMs ?? 200;
  const aborted = options.abortedError ?? (() => new Error("aborted by the caller"));
  let attempts = 0;

  if (options.signal?.aborted) return { ok: false, error: aborted(), attempts };
  const remaining = deadline - clock.now();
  // `!(x > 0)` also catches a NaN deadline, which would otherwise fire the timer at once.
  if (!(remaining > 0)) return { ok: false, error: options.deadlineError(), attempts };

  // One signal for the whole call: the deadline timer or the caller's signal aborts the attempt in flight and any
  // backoff sleep.
  const controller = new AbortController();
  // setTimeout fires at once beyond 2^31-1 ms; a deadline that far away is effectively "none".
  const timer = setTimeout(() => controller.abort(options.deadlineError()), Math.min(remaining, 2 ** 31 - 1));
  const onCallerAbort = () => controller.abort(aborted());
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });

  try {
    const value = await pRetry(
      (attemptNumber) => {
        attempts = attemptNumber;
        return attempt(controller.signal, attemptNumber);
      },
      {
        retries: policy.maxAttempts - 1,
        // p-retry computes its delay from the attempt count alone, before it asks shouldRetry; ours depends on the
        // error's class and on the deadline, so p-retry's own delay is 0 and shouldRetry sleeps the full-jitter
        // delay. p-retry still owns the loop, the attempt cap and the error bookkeeping.
        factor: 1,
        minTimeout: 0,
        maxTimeout: 0,
        randomize: false,
        // Backstop only (measured by p-retry on its own clock); the deadline checks below are the real budget.
        maxRetryTime: remaining,
        // No `signal`: on abort p-retry would reject with the abort reason and lose the last error.
        shouldRetry: async ({ error, attemptNumber }) => {
          if (controller.signal.aborted) return false;
          const kind = options.classify(error);
          if (kind === "no") return false;
          const delay = computeBackoffDelay(attemptNumber, kind, policy, random);
          // Never sleep into the deadline: the next attempt must still have minAttemptMs to run.
          if (clock.now() + delay + minAttemptMs > deadline) return false;
          await sleep(delay, controller.signal);
          return !controller.signal.aborted && clock.now() + minAttemptMs <= deadline;
        },
      },
    );
    return { ok: true, value, attempts };
  } catch (error) {
    return { ok: false, error, attempts };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}
