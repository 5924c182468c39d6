/**
 * EventBridge-based triggers (docs/fc-conventions.md): MNS queue, ApsaraMQ for RocketMQ, ApsaraMQ for Kafka,
 * RabbitMQ. Each event is a CloudEvent whose `data` holds the message; with the `RawData` push format, or
 * from a self-managed RocketMQ, only the `data` part arrives, so the source is then recognised by the shape
 * of `data`.
 */
import { isRecord } from "../domain/records.ts";
import { decodeMessageBody } from "./message-body.ts";
import type { QueueMessage } from "./queue-message.ts";
import { printable } from "./safe-json.ts";

type SourceKind = "mns" | "rocketmq" | "kafka" | "rabbitmq";

const TYPE_PREFIXES: ReadonlyArray<readonly [string, SourceKind]> = [
  ["mns:Queue:", "mns"],
  ["mq:Topic:", "rocketmq"],
  ["alikafka:Topic:", "kafka"],
  ["amqp:Queue:", "rabbitmq"],
];

// Message ids land in audit events and logs; platform ids are far shorter than this.
const MAX_ID_LENGTH = 255;

function has(record: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(record, key);
}

function id(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value !== "" ? printable(value, MAX_ID_LENGTH) : null;
}

/** True for a CloudEvents 1.0 envelope as EventBridge pushes it. */
export function isCloudEvent(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && typeof value.specversion === "string" && typeof value.type === "string";
}

/** The source a bare `data` object comes from, recognised by its fields; null when it matches none. */
export function sourceOfData(data: Record<string, unknown>): SourceKind | null {
  if (has(data, "messageBody")) return "mns";
  if (has(data, "partition") && has(data, "offset") && has(data, "value")) return "kafka";
  if (has(data, "envelope") && has(data, "props")) return "rabbitmq";
  if ((has(data, "systemProperties") || has(data, "msgId")) && has(data, "body")) return "rocketmq";
  return null;
}

function sourceOfType(type: string): SourceKind | null {
  return TYPE_PREFIXES.find(([prefix]) => type.startsWith(prefix))?.[1] ?? null;
}

/**
 * The stable id and the raw body of one message. Ids are the source's own, so a redelivery keeps them:
 * MNS `messageId`, RocketMQ `UNIQ_KEY` (else `msgId`), Kafka `topic/partition/offset`, RabbitMQ `props.messageId`.
 */
function extract(
  kind: SourceKind,
  data: Record<string, unknown>,
): { messageId: string | null; body: unknown } {
  switch (kind) {
    case "mns":
      return { messageId: id(data.messageId), body: data.messageBody };
    case "rocketmq": {
      const system = isRecord(data.systemProperties) ? data.systemProperties : {};
      return { messageId: id(system.UNIQ_KEY) ?? id(data.msgId), body: data.body };
    }
    case "kafka": {
      const parts = [id(data.topic), id(data.partition), id(data.offset)];
      return { messageId: parts.every((part) => part !== null) ? parts.join("/") : null, body: data.value };
    }
    case "rabbitmq": {
      const props = isRecord(data.props) ? data.props : {};
      return { messageId: id(props.messageId), body: data.body };
    }
  }
}

function message(
  kind: SourceKind,
  data: Record<string, unknown>,
  fallbackId: string | null,
  maxBodyBytes: number,
): QueueMessage {
  const { messageId, body } = extract(kind, data);
  return {
    messageId: messageId ?? fallbackId,
    trigger: `queue:${kind}`,
    body: decodeMessageBody(body, maxBodyBytes),
  };
}

function unknownItem(messageId: string | null, reason: string): QueueMessage {
  return { messageId, trigger: "queue:unknown", body: { ok: false, message: reason } };
}

/** Decodes one CloudEvent; the event `id` stands in when the message carries no id of its own. */
export function decodeCloudEvent(event: Record<string, unknown>, maxBodyBytes: number): QueueMessage {
  const eventId = id(event.id);
  const data = event.data;
  if (!isRecord(data)) return unknownItem(eventId, "the event has no data object");
  const kind = sourceOfType(String(event.type)) ?? sourceOfData(data);
  if (kind === null) return unknownItem(eventId, `unsupported event type "${printable(String(event.type))}"`);
  return message(kind, data, eventId, maxBodyBytes);
}

/**
 * Decodes one item of a batch: a CloudEvent, a bare `data` object, or either one as a JSON string (some
 * runtimes' samples show Kafka batches as arrays of JSON-encoded events).
 */
export function decodeBatchItem(item: unknown, maxBodyBytes: number): QueueMessage {
  let value = item;
  if (typeof item === "string") {
    try {
      value = JSON.parse(item);
    } catch {
      return unknownItem(null, "the batch item is a string that is not a JSON event");
    }
  }
  if (isCloudEvent(value)) return decodeCloudEvent(value, maxBodyBytes);
  if (!isRecord(value)) return unknownItem(null, "the batch item is not an event object");
  const kind = sourceOfData(value);
  return kind === null
    ? unknownItem(null, "the batch item matches no known trigger format")
    : message(kind, value, null, maxBodyBytes);
}
