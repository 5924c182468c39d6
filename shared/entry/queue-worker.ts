/**
 * The queue-worker pipeline: decode every message of the event, settle each one, then either answer with the
 * outcome of each message or throw so that the platform redelivers the batch (transient failures, undelivered
 * audit events). Throwing only after every message is settled means no message is abandoned half-way.
 */

import { redactJsonText } from "../adapters/redaction.ts";
import { ProductError } from "../domain/product-error.ts";
import { pickFields, type RuleOutcome } from "../domain/rule-outcome.ts";
import { decodeQueueEvent } from "../triggers/queue-decoder.ts";
import { type MessageResult, processQueueBatch } from "../use-cases/process-queue-batch.ts";
import { handlerFactory, type Invocation, type Runtime } from "./compose.ts";

/** Thrown to make the platform redeliver; carries the per-message summary, redacted like the return value. */
export class QueueRedeliveryError extends ProductError {
  override readonly code = "QueueRedelivery";
  constructor(readonly summary: QueueSummary) {
    const pending = summary.messages.filter((m) => m.redeliver);
    super(
      `${pending.length} of ${summary.messages.length} message(s) need redelivery: ` +
        pending
          .map(
            (m) => `${m.messageId ?? "(direct)"} ${m.rules.map((r) => r.errorCode ?? r.outcome).join(",")}`,
          )
          .join("; "),
    );
    this.name = "QueueRedeliveryError";
  }
}

/** What the answer says of each rule. */
const SUMMARY_FIELDS = [
  "ruleIndex",
  "outcome",
  "auditId",
  "errorCode",
  "message",
  "attempts",
  "ensRequestId",
] as const satisfies ReadonlyArray<keyof RuleOutcome>;

/** The answer of a queue invocation: the outcome of every rule of every message. */
export interface QueueSummary {
  messages: Array<{
    messageId: string | null;
    redeliver: boolean;
    rules: Array<Pick<RuleOutcome, (typeof SUMMARY_FIELDS)[number]>>;
  }>;
}

function summarize(results: MessageResult[]): QueueSummary {
  return {
    messages: results.map(({ messageId, redeliver, result }) => ({
      messageId,
      redeliver,
      rules: result.results.map((r) => pickFields(r, SUMMARY_FIELDS)),
    })),
  };
}

/**
 * Handles one queue or direct invocation; throws QueueRedeliveryError when the batch must come again. What it
 * returns or throws is an output like an HTTP answer: FC hands it to the caller and logs it, so it is redacted.
 */
export async function handleQueueEvent(
  event: unknown,
  runtime: Runtime,
  invocation: Invocation,
): Promise<QueueSummary> {
  const messages = decodeQueueEvent(event, runtime.config.maxBodyBytes);
  const results = await processQueueBatch(
    messages,
    {
      fcRequestId: invocation.fcRequestId,
      credentials: invocation.credentials,
      concurrency: runtime.config.queueConcurrency,
    },
    invocation.deps,
    invocation.budget,
  );
  const summary = redactJsonText(summarize(results), invocation.secrets).value;
  invocation.deps.logger.info("batch settled", {
    messages: summary.messages.length,
    redeliver: summary.messages.filter((m) => m.redeliver).length,
  });
  if (summary.messages.some((m) => m.redeliver)) throw new QueueRedeliveryError(summary);
  return summary;
}

/**
 * Builds the queue-worker handler: the runtime once, then one invocation per call; it throws only when the
 * platform must redeliver. `functions/queue-worker/index.ts` is this with `process.env`; tests pass fakes as `deps`.
 * @example export const handler = createQueueWorkerHandler(process.env);
 */
export const createQueueWorkerHandler = handlerFactory(handleQueueEvent);
