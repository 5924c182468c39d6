/**
 * FC entry of queue-worker: EventBridge batches (MNS queue, RocketMQ, Kafka), MNS topic notifications and direct
 * invocations. It throws only when the platform must redeliver (shared/entry/queue-worker.ts).
 */
import { createQueueWorkerHandler } from "#shared/entry/queue-worker.ts";

export const handler = createQueueWorkerHandler(process.env);
