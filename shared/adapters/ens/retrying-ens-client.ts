/**
 * The `EnsClient` port: one rule in, one settled result out. The only retry layer of the product:
 * p-retry with explicit options, full-jitter backoff computed here, a cap on attempts and a budget that ends at
 * the caller's deadline, which also aborts an attempt in flight.
 */
import { EGRESS_RULE_FIELDS, type EgressRule } from "../../domain/types.ts";
import { classifyError, DUPLICATED_CODE, EnsApiError } from "../../errors.ts";
import type {
  Clock,
  EnsCallOptions,
  EnsCallResult,
  EnsClient,
  EnsErrorInfo,
  GroupReadResult,
} from "../../ports.ts";
import { type RetryPolicy, retryWithinDeadline, validateRetryPolicy } from "../retry.ts";
import { readGroupEgressRules } from "./group-rules.ts";
import type { EnsTransport } from "./http-ens-transport.ts";

/** The ENS action that writes one rule. */
export const AUTHORIZE_EGRESS_ACTION = "AuthorizeSecurityGroupEgress";

/** The ENS action that reads a group and its rules. */
export const DESCRIBE_GROUP_ACTION = "DescribeSecurityGroupAttribute";

/** Options of `createEnsClient`. */
export interface EnsClientOptions {
  transport: EnsTransport;
  /** RETRY_MAX_ATTEMPTS, RETRY_BASE_MS, RETRY_MAX_DELAY_MS, plus test seams. */
  retry: RetryPolicy;
  /** Wall clock the deadline is measured with (default `Date.now`). */
  clock?: Clock;
}

/** The seven normalised rule fields as ENS wire parameters (all strings; Priority in decimal). */
export function toEnsParams(rule: EgressRule): Record<string, string> {
  return Object.fromEntries(EGRESS_RULE_FIELDS.map((field) => [field, String(rule[field])]));
}

function toErrorInfo(error: EnsApiError): EnsErrorInfo {
  return {
    code: error.code,
    message: error.message,
    requestId: error.requestId,
    httpStatus: error.httpStatus,
    // "A later delivery may succeed": every retryable row, plus rows such as an expired STS token that retrying
    // now cannot fix but the next invocation (fresh credentials) can. Callers map it to 503 + redeliver.
    redeliver: classifyError(error.code, error.httpStatus).queue === "redeliver",
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
  validateRetryPolicy(policy);
  const deadlineError = () =>
    new EnsApiError({
      code: "DeadlineExceeded",
      message: "The invocation's deadline for ENS calls was reached",
    });
  const abortedError = () =>
    new EnsApiError({ code: "Aborted", message: "The ENS call was aborted by the caller" });
  const classify = (error: unknown) =>
    error instanceof EnsApiError ? classifyError(error.code, error.httpStatus).retry : "no";

  async function runWithRetry<T>(reader: ActionReader<T>, call: EnsCallOptions): Promise<RetryOutcome<T>> {
    const ensRequestIds: string[] = [];
    // True once an attempt failed in a way that may still have taken effect (answer lost, server failure).
    let mayHaveApplied = false;
    const result = await retryWithinDeadline(
      async (signal) => {
        try {
          const answer = await options.transport.call(reader.action, reader.params, call.credentials, signal);
          if (answer.requestId) ensRequestIds.push(answer.requestId);
          return reader.answer(answer.body);
        } catch (thrown) {
          let error = asEnsApiError(thrown);
          if (signal.aborted && error.code === "Aborted") {
            // Report why we aborted (deadline vs caller), keeping the transport's error as the cause.
            const reason = asEnsApiError(signal.reason);
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
      },
      {
        policy,
        deadline: call.deadline,
        classify,
        deadlineError,
        abortedError,
        signal: call.signal,
        ...(options.clock ? { clock: options.clock } : {}),
      },
    );
    const { attempts } = result;
    return result.ok
      ? { ok: true, value: result.value, attempts, ensRequestIds, mayHaveApplied }
      : { ok: false, error: asEnsApiError(result.error), attempts, ensRequestIds, mayHaveApplied };
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
