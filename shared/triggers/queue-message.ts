/** One message of a queue-worker invocation, decoded but not yet validated as a rule request. */
export interface QueueMessage {
  /** The source's own id of the message, stable across redeliveries; null when the source has none. */
  messageId: string | null;
  /** `queue:mns`, `queue:rocketmq`, `queue:kafka`, `queue:rabbitmq`, `queue:mns-topic`, `queue:unknown` or `invoke`. */
  trigger: string;
  /** The parsed body, or why it is unusable (a poison message: acked and audited as rejected, never retried). */
  body: { ok: true; value: unknown } | { ok: false; message: string };
}
