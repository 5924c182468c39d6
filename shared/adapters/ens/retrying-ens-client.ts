/**
 * The `EnsClient` port: one rule in, one settled result out. The only retry layer of the product:
 * p-retry with explicit options, full-jitter backoff computed here, a cap on attempts and a budget that ends at
 * the caller's deadline, which also aborts an attempt in flight.
 */
import pRetry from "p-retry";
import type { EgressRule } from "../../domain/types.ts";
import { classifyError, DUPLICATED_CODE, EnsApiError } from "../../errors.ts";
import type {
  Clock,
  EnsCallOptions,
  EnsCallResult,
  EnsClient,
  EnsErrorInfo,
  GroupReadResult,
} from "../../ports.ts";
import { readGroupEgressRules } from "./group-rules.ts";
import type { EnsTransport } from "./http-ens-transport.ts";

/** The ENS action that writes one rule. */
export const AUTHORIZE_EGRESS_ACTION = "AuthorizeSecurityGroupEgress";

/** The ENS action that reads a group and its rules. */
export const DESCRIBE_GROUP_ACTION = "DescribeSecurityGroupAttribute";

/** Retry settings (RETRY_MAX_ATTEMPTS, RETRY_BASE_MS, RETRY_MAX_DELAY_MS) plus test seams. */
export interface RetryPolicy {
  /** Total HTTP attempts per rule, first one included (>= 1). Default in config: 5. */
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

/** Options of `createEnsClient`. */
export interface EnsClientOptions {
  transport: EnsTransport;
  retry: RetryPolicy;
  /** Wall clock the deadline is measured with (default `Date.now`). */
  clock?: Clock;
}

/**
 * Full-jitter delay before retry number `failedAttempts` (1 = before the second attempt):
 * `random() * min(maxDelayMs, base * 2^(failedAttempts - 1))`, with a 5x base for throttling.
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

/** The seven normalised rule fields as ENS wire parameters (all strings; Priority in decimal). */
export function toEnsParams(rule: EgressRule): Record<string, string> {
  return {
    SecurityGroupId: rule.SecurityGroupId,
    IpProtocol: rule.IpProtocol,
    PortRange: rule.PortRange,
    DestCidrIp: rule.DestCidrIp,
    Policy: rule.Policy,
    Priority: String(rule.Priority),
    SourcePortRange: rule.SourcePortRange,
  };
}

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

function validatePolicy(policy: RetryPolicy): void {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError("retry.maxAttempts must be an integer >= 1");
  }
  for (const [name, value] of [
    ["baseMs", policy.baseMs],
    ["maxDelayMs", policy.maxDelayMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`retry.${name} must be a finite number >= 0`);
  }
}

function toErrorInfo(error: EnsApiError): EnsErrorInfo {
  return {
    code: error.code,
    message: error.message,
    requestId: error.requestId,
    httpStatus: error.httpStatus,
    // "A later delivery may succeed": every retryable row, plus rows such as an expired STS token that retrying
    // now cannot fix but the next invocation (fresh credentials) can. Callers map it to 503 + redeliver.
    transient: classifyError(error.code, error.httpStatus).queue === "redeliver",
  };
}

function asEnsApiError(error: unknown): EnsApiError {
  if (error instanceof EnsApiError) return error;
  // A transport bug, not an ENS answer: the local InternalError row (never retried). The cause keeps the detail.
  return new EnsApiError({
    code: "InternalError",
    message: "ENS transport failed unexpectedly",
    cause: error,
  });
}

/** How one action's answers are read: success into a value, `Duplicated` into a value or a rethrow. */
interface ActionReader<T> {
  action: string;
  params: Record<string, string>;
  /** The value of a successful answer. */
  answer: (body: Record<string, unknown>) => T;
  /** The value of a `Duplicated` refusal, or null to treat it as any other error. */
  duplicated: (mayHaveApplied: boolean) => T | null;
}

/** What `runWithRetry` settles to: the value or the last error, with every attempt counted. */
type RetryOutcome<T> = { attempts: number; ensRequestIds: string[]; mayHaveApplied: boolean } & (
  | { ok: true; value: T }
  | { ok: false; error: EnsApiError }
);

/**
 * Creates the ENS client. It never rejects for ENS or network errors: every call settles to a value or to the
 * last error, with the attempts made and each answer's RequestId. Writes and reads share one retry policy.
 * @example const ens = createEnsClient({ transport, retry: { maxAttempts: 5, baseMs: 100, maxDelayMs: 2000 } });
 */
export function createEnsClient(options: EnsClientOptions): EnsClient {
  const policy = options.retry;
  validatePolicy(policy);
  const clock = options.clock ?? { now: Date.now };
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? sleepUnlessAborted;
  const minAttemptMs = policy.minAttemptMs ?? 200;

  async function runWithRetry<T>(reader: ActionReader<T>, call: EnsCallOptions): Promise<RetryOutcome<T>> {
    const ensRequestIds: string[] = [];
    let attempts = 0;
    // True once an attempt failed in a way that may still have taken effect (answer lost, server failure).
    let mayHaveApplied = false;

    const failed = (error: EnsApiError): RetryOutcome<T> => ({
      ok: false,
      error,
      attempts,
      ensRequestIds,
      mayHaveApplied,
    });
    const deadlineError = () =>
      new EnsApiError({
        code: "DeadlineExceeded",
        message: "The invocation's deadline for ENS calls was reached",
      });
    const abortedError = () =>
      new EnsApiError({ code: "Aborted", message: "The ENS call was aborted by the caller" });

    if (call.signal?.aborted) return failed(abortedError());
    const remaining = call.deadline - clock.now();
    // `!(x > 0)` also catches a NaN deadline, which would otherwise fire the timer at once.
    if (!(remaining > 0)) return failed(deadlineError());

    // One signal for the whole call: the deadline timer or the caller's signal aborts the attempt in flight and
    // any backoff sleep. The transport adds its own per-attempt timeout on top.
    const controller = new AbortController();
    // setTimeout fires at once beyond 2^31-1 ms; a deadline that far away is effectively "none".
    const timer = setTimeout(() => controller.abort(deadlineError()), Math.min(remaining, 2 ** 31 - 1));
    const onCallerAbort = () => controller.abort(abortedError());
    call.signal?.addEventListener("abort", onCallerAbort, { once: true });

    const attempt = async (): Promise<T> => {
      attempts++;
      try {
        const answer = await options.transport.call(
          reader.action,
          reader.params,
          call.credentials,
          controller.signal,
        );
        if (answer.requestId) ensRequestIds.push(answer.requestId);
        return reader.answer(answer.body);
      } catch (thrown) {
        let error = asEnsApiError(thrown);
        if (controller.signal.aborted && error.code === "Aborted") {
          // Report why we aborted (deadline vs caller), keeping the transport's error as the cause.
          const reason = asEnsApiError(controller.signal.reason);
          error = new EnsApiError({ code: reason.code, message: reason.message, cause: error });
        }
        if (error.requestId) ensRequestIds.push(error.requestId);
        if (error.code === DUPLICATED_CODE) {
          const value = reader.duplicated(mayHaveApplied);
          if (value !== null) return value;
        }
        if (classifyError(error.code, error.httpStatus).mayHaveApplied && error.requestSent)
          mayHaveApplied = true;
        throw error;
      }
    };

    try {
      const value = await pRetry(attempt, {
        retries: policy.maxAttempts - 1,
        // p-retry computes its delay before it asks shouldRetry, from the attempt count alone; ours depends on the
        // error's class (throttling backs off from a larger base) and on the deadline, so p-retry's own delay is 0
        // and shouldRetry sleeps the full-jitter delay. p-retry still owns the loop, the attempt cap and the
        // error bookkeeping.
        factor: 1,
        minTimeout: 0,
        maxTimeout: 0,
        randomize: false,
        // Backstop only (measured by p-retry on its own clock); the deadline checks below are the real budget.
        maxRetryTime: remaining,
        // No `signal`: on abort p-retry would reject with the abort reason and lose the last ENS error.
        shouldRetry: async ({ error, attemptNumber }) => {
          if (!(error instanceof EnsApiError) || controller.signal.aborted) return false;
          const row = classifyError(error.code, error.httpStatus);
          if (row.retry === "no") return false;
          const delay = computeBackoffDelay(attemptNumber, row.retry, policy, random);
          // Never sleep into the deadline: the next attempt must still have minAttemptMs to run.
          if (clock.now() + delay + minAttemptMs > call.deadline) return false;
          await sleep(delay, controller.signal);
          return !controller.signal.aborted && clock.now() + minAttemptMs <= call.deadline;
        },
      });
      return { ok: true, value, attempts, ensRequestIds, mayHaveApplied };
    } catch (error) {
      return failed(asEnsApiError(error));
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onCallerAbort);
    }
  }

  async function authorizeSecurityGroupEgress(
    rule: EgressRule,
    call: EnsCallOptions,
  ): Promise<EnsCallResult> {
    const result = await runWithRetry<"created" | "already_exists">(
      {
        action: AUTHORIZE_EGRESS_ACTION,
        params: toEnsParams(rule),
        answer: () => "created",
        // `created` is claimed only on a success answer to our own attempt. A duplicate after an attempt whose
        // answer was lost proves the rule exists, not who stored it: a concurrent delivery may have.
        duplicated: () => "already_exists",
      },
      call,
    );
    const { attempts, ensRequestIds } = result;
    if (!result.ok) {
      return {
        outcome: "failed",
        attempts,
        ensRequestIds,
        error: toErrorInfo(result.error),
        mayHaveCreated: false,
      };
    }
    return {
      outcome: result.value,
      attempts,
      ensRequestIds,
      error: null,
      mayHaveCreated: result.value === "already_exists" && result.mayHaveApplied,
    };
  }

  async function describeSecurityGroupEgress(
    securityGroupId: string,
    call: EnsCallOptions,
  ): Promise<GroupReadResult> {
    const result = await runWithRetry<EgressRule[]>(
      {
        action: DESCRIBE_GROUP_ACTION,
        params: { SecurityGroupId: securityGroupId },
        answer: (body) => readGroupEgressRules(body, securityGroupId),
        duplicated: () => null,
      },
      call,
    );
    const { attempts, ensRequestIds } = result;
    return result.ok
      ? { ok: true, rules: result.value, attempts, ensRequestIds }
      : { ok: false, attempts, ensRequestIds, error: toErrorInfo(result.error) };
  }

  return { authorizeSecurityGroupEgress, describeSecurityGroupEgress };
}
