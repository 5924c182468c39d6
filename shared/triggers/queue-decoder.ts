/**
 * Turns whatever the queue-worker function was invoked with into messages (docs/fc-conventions.md): an
 * EventBridge batch (a JSON array of CloudEvents from MNS queues, RocketMQ, Kafka or RabbitMQ), a single
 * CloudEvent or bare `data` object, an MNS topic event (JSON or STREAM format), or a direct invocation whose
 * payload is the rule request. Every message decodes on its own: one poison message never hides the others of
 * its batch.
 */
import { isRecord } from "../domain/records.ts";
import { decodeBatchItem, isCloudEvent, sourceOfData } from "./eventbridge.ts";
import { decodeJsonTextBody, decodeMessageBody } from "./message-body.ts";
import { decodeMnsTopicEvent, isMnsTopicJsonEvent, isMnsTopicStreamEvent } from "./mns-topic.ts";
import type { QueueMessage } from "./queue-message.ts";
import { decodeUtf8 } from "./safe-json.ts";

export type { QueueMessage } from "./queue-message.ts";

function direct(body: QueueMessage["body"]): QueueMessage {
  return { messageId: null, trigger: "invoke", body };
}

/**
 * Decodes an event (a Buffer as FC hands it over, its text, or an already-parsed value) into its messages.
 * Never throws; a message that cannot be used has `body.ok === false`. A direct invocation yields one message
 * with `messageId: null` and trigger `invoke`; so does an event that is not JSON at all (as a poison message).
 */
export function decodeQueueEvent(event: unknown, maxBodyBytes: number): QueueMessage[] {
  let text: string | null = null;
  if (event instanceof Uint8Array) {
    text = decodeUtf8(event);
    if (text === null) return [direct({ ok: false, message: "the event is not UTF-8 text" })];
  } else if (typeof event === "string") {
    text = event;
  }
  let value: unknown = event;
  if (text !== null) {
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON: perhaps a Base64 payload, else a poison message; the body decoder tells which.
      return [direct(decodeMessageBody(text, maxBodyBytes))];
    }
  }
  if (Array.isArray(value)) return value.map((item) => decodeBatchItem(item, maxBodyBytes));
  if (isCloudEvent(value) || (isRecord(value) && sourceOfData(value) !== null)) {
    return [decodeBatchItem(value, maxBodyBytes)];
  }
  if (isMnsTopicJsonEvent(value) || isMnsTopicStreamEvent(value))
    return [decodeMnsTopicEvent(value, maxBodyBytes)];
  // A JSON string payload is decoded as a body of its own (JSON or Base64 inside), like a queue message.
  if (typeof value === "string") return [direct(decodeMessageBody(value, maxBodyBytes))];
  // The direct payload gets the duplicate-key, depth and size checks of any other body, on the text already parsed.
  return [
    direct(
      text !== null ? decodeJsonTextBody(text, value, maxBodyBytes) : decodeMessageBody(value, maxBodyBytes),
    ),
  ];
}
