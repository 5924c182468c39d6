/**
 * FC entry of queue-worker: EventBridge batches (MNS queue, RocketMQ, Kafka), MNS topic notifications and direct
 * invocations. Throws only when the platform must redeliver (see shared/edge/queue-worker.ts).
 */
import { handleQueueEvent } from "../../shared/edge/queue-worker.ts";
import { createRuntime, type FcContext, startInvocation } from "../compose.ts";

const runtime = createRuntime();

/** FC handler: `handler(event: Buffer, context)`. */
export async function handler(event: unknown, context: FcContext): Promise<unknown> {
  return handleQueueEvent(event, runtime, startInvocation(runtime, context));
}
