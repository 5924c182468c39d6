/**
 * The audit trail: writes every event to the function log first, then to each durable sink (file, HTTP,
 * EventBridge) with its own bounded backoff inside the invocation deadline. It never throws. When a sink still
 * fails, the outcome of the rule stands, the whole event is logged at error level (so it can be recovered from the
 * log), and `delivered: false` tells the trigger to have the delivery retried; the retry rebuilds the same event id.
 *
 * The backoff is the product's one retry policy (`../retry.ts`) with the audit's own numbers. It is not stacked on
 * the ENS retry: it wraps a different call, the audit write, and it ends at the deadline the caller gives, which the
 * composition root places after the ENS budget.
 */

import { runScheduled } from "../../concurrency.ts";
import type { AuditDelivery, AuditRecord, AuditSink, Logger, RecordTrail } from "../../ports.ts";
import { redactJsonText, redactText } from "../redaction.ts";
import { retryWithinDeadline } from "../retry.ts";
import { AuditSinkError } from "./audit-sink-error.ts";

/** Backoff of one sink for one event. */
export interface AuditRetryOptions {
  /** Attempts per event and sink, the first included (1 = no retry). */
  maxAttempts: number;
  /** Base of the exponential backoff; each delay is drawn uniformly from [0, min(maxDelayMs, baseMs * 2^n)). */
  baseMs: number;
  /** Cap on one delay. */
  maxDelayMs: number;
}

/** Defaults: three attempts, 100 ms base, 1 s cap; small because the deadline is seconds away. */
export const DEFAULT_AUDIT_RETRY: AuditRetryOptions = { maxAttempts: 3, baseMs: 100, maxDelayMs: 1000 };

/** Options of `createAuditTrail`. */
export interface AuditTrailOptions {
  logSink: AuditSink;
  /** Durable sinks: file, HTTP, EventBridge. */
  sinks: AuditSink[];
  logger: Logger;
  retry?: AuditRetryOptions;
  /** Known secret values, removed from events and error texts before anything is written (config secrets, STS). */
  secrets?: readonly string[];
  /** Events of one emit written to one sink at once; default 4. */
  concurrency?: number;
  /** Clock; injectable for tests. */
  now?: () => number;
  /** Waits between attempts; tests inject an instant one instead of faking timers. */
  sleep?: (ms: number) => Promise<void>;
  /** Random source of the jitter, in [0, 1). */
  random?: () => number;
}

type Attempted = { ok: true } | { ok: false; attempts: number; error: string };

function describeError(error: unknown): string {
  if (error instanceof AuditSinkError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === "string" ? code : error.name}: ${error.message}`;
  }
  return String(error);
}

function isRetryable(error: unknown): boolean {
  // Unknown errors from a custom sink are retried: the attempt count and the deadline still bound them.
  return error instanceof AuditSinkError ? error.retryable : true;
}

/**
 * Creates the audit trail.
 * @example createAuditTrail({ logSink: createLogSink(), sinks: [createFileSink(path)], logger, secrets })
 */
export function createAuditTrail(options: AuditTrailOptions): RecordTrail {
  const retry = options.retry ?? DEFAULT_AUDIT_RETRY;
  const secrets = options.secrets ?? [];
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const concurrency = options.concurrency ?? 4;
  const { logger } = options;

  const deliver = async (
    sink: AuditSink,
    event: AuditRecord,
    json: string | undefined,
    deadline: number,
  ): Promise<Attempted> => {
    const result = await retryWithinDeadline(
      async (signal, attempt) => {
        try {
          // Raced against the deadline's abort, so a sink that ignores the deadline cannot hold the invocation.
          await new Promise<void>((resolve, reject) => {
            const expired = () =>
              reject(
                new AuditSinkError("DeadlineExceeded", `${sink.name} sink: still writing at the deadline`, {
                  sink: sink.name,
                  retryable: false,
                }),
              );
            if (signal.aborted) return expired();
            signal.addEventListener("abort", expired, { once: true });
            sink
              .write(event, { deadline, json })
              .then(resolve, reject)
              .finally(() => signal.removeEventListener("abort", expired));
          });
        } catch (error) {
          logger.debug("audit sink attempt failed", {
            sink: sink.name,
            eventId: event.id,
            attempt,
            error: redactText(describeError(error), secrets),
          });
          // p-retry retries Error instances only; a custom sink may throw anything.
          throw error instanceof Error ? error : new Error(describeError(error));
        }
      },
      {
        // Full jitter (AWS style) spreads the retries of many invocations hitting the same broken sink.
        policy: { ...retry, minAttemptMs: 0, random, sleep: (ms) => sleep(ms) },
        deadline,
        classify: (error) => (isRetryable(error) ? "transient" : "no"),
        deadlineError: () =>
          new AuditSinkError("DeadlineExceeded", `${sink.name} sink: no time left before the deadline`, {
            sink: sink.name,
            retryable: false,
          }),
        clock: { now },
      },
    );
    if (result.ok) return { ok: true };
    return { ok: false, attempts: result.attempts, error: redactText(describeError(result.error), secrets) };
  };

  return {
    async emit(events, { deadline }) {
      const failures: AuditDelivery["failures"] = [];
      try {
        // Redact once, before the first write, so every sink receives the very same event.
        // The serialised form comes along, so that no sink has to serialise the event again.
        const safe = events.map((event) => redactJsonText(event, secrets));
        // The log line comes first and always: it is the record of last resort.
        for (const { value: event, json } of safe) {
          try {
            await options.logSink.write(event, { deadline, json });
          } catch (error) {
            failures.push({
              sink: options.logSink.name,
              eventId: event.id,
              error: redactText(describeError(error), secrets),
            });
          }
        }
        await Promise.all(
          options.sinks.map((sink) =>
            runScheduled(
              safe,
              () => [],
              concurrency,
              async ({ value: event, json }) => {
                const result = await deliver(sink, event, json, deadline);
                if (result.ok) return;
                failures.push({ sink: sink.name, eventId: event.id, error: result.error });
                // The whole event, so that it can be replayed from the log if the redelivery never comes.
                logger.error("audit event not delivered", {
                  sink: sink.name,
                  eventId: event.id,
                  attempts: result.attempts,
                  error: result.error,
                  event,
                });
              },
            ),
          ),
        );
      } catch (error) {
        // Defensive: nothing above should throw, but emit must never turn an outcome into a crash.
        const message = redactText(describeError(error), secrets);
        logger.error("audit trail failed", { error: message, events: events.map((e) => e.id) });
        failures.push({ sink: "audit-trail", eventId: events[0]?.id ?? "", error: message });
      }
      return { delivered: failures.length === 0, failures };
    },
  };
}
