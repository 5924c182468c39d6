/**
 * The native MNS topic trigger (docs/fc-conventions.md). `JSON` event format:
 * `{TopicOwner, Message, Subscriber, PublishTime, SubscriptionName, MessageMD5, TopicName, MessageId}` plus
 * message attributes merged at the top level. `STREAM` format: the raw message body, or `{body, attrs}` when
 * the message has attributes. A STREAM event without attributes is the bare body and cannot be told from a
 * direct invocation.
 */
import { isRecord } from "../domain/records.ts";
import { decodeMessageBody } from "./message-body.ts";
import type { QueueMessage } from "./queue-message.ts";
import { printable } from "./safe-json.ts";

/** True for the `JSON` event format of an MNS topic trigger. */
export function isMnsTopicJsonEvent(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    typeof value.TopicName === "string" &&
    typeof value.MessageId === "string" &&
    Object.hasOwn(value, "Message")
  );
}

/** True for the `STREAM` event format of a message with attributes: exactly `{body, attrs}`. */
export function isMnsTopicStreamEvent(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && typeof value.body === "string" && isRecord(value.attrs);
}

/** Decodes an MNS topic event; the JSON format's `MessageId` is the message id, STREAM events have none. */
export function decodeMnsTopicEvent(event: Record<string, unknown>, maxBodyBytes: number): QueueMessage {
  const jsonFormat: boolean = isMnsTopicJsonEvent(event);
  if (jsonFormat) {
    return {
      messageId: event.MessageId === "" ? null : printable(String(event.MessageId), 255),
      trigger: "queue:mns-topic",
      body: decodeMessageBody(event.Message, maxBodyBytes),
    };
  }
  return { messageId: null, trigger: "queue:mns-topic", body: decodeMessageBody(event.body, maxBodyBytes) };
}
