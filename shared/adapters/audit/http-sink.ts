/**
 * The HTTP audit sink: POSTs each event in CloudEvents structured mode (`application/cloudevents+json`) and signs
 * it the Standard Webhooks way, so the receiver can check that the event comes from us and is not replayed:
 * `webhook-id` is the event id (stable across retries and redeliveries), `webhook-timestamp` the attempt time,
 * `webhook-signature` `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the `whsec_` secret.
 */
import { createHmac } from "node:crypto";
import type { AuditEvent, AuditSink } from "../../ports.ts";
import { AuditSinkError, isRetryableStatus } from "./audit-sink-error.ts";
import { describeUrl, postWithTimeout } from "./http-post.ts";

/** Options of `createHttpSink`. */
export interface HttpSinkOptions {
  url: string;
  /** Standard Webhooks secret, `whsec_<base64>`; the key is the decoded part. */
  secret: string;
  /** Limit of one attempt; the time left before the deadline limits it further. */
  timeoutMs: number;
  /** Clock for `webhook-timestamp` and the deadline; injectable for tests. */
  now?: () => number;
}

/** Decodes a `whsec_` secret into its HMAC key; throws `AuditSinkError` (without the secret) when malformed. */
export function decodeWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : "";
  const key = Buffer.from(encoded, "base64");
  // Buffer.from ignores junk; re-encoding proves the text really was base64.
  if (key.length === 0 || key.toString("base64").replace(/=+$/, "") !== encoded.replace(/=+$/, "")) {
    throw new AuditSinkError(
      "AuditSinkConfigError",
      'http sink: the secret must be "whsec_" followed by base64',
      {
        sink: "http",
        retryable: false,
      },
    );
  }
  return key;
}

/** Computes the Standard Webhooks `v1` signature of one message. */
export function signStandardWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

/**
 * Creates the HTTP sink; build it once at cold start so its keep-alive agent serves warm invocations.
 * @example createHttpSink({ url: "https://audit.example.com/events", secret: "whsec_...", timeoutMs: 3000 })
 */
export function createHttpSink(options: HttpSinkOptions): AuditSink {
  const url = new URL(options.url);
  const key = decodeWebhookSecret(options.secret);
  const now = options.now ?? Date.now;
  const target = describeUrl(url);
  return {
    name: "http",
    remote: true,
    async write(event: AuditEvent, { deadline, json }) {
      const timeoutMs = Math.min(options.timeoutMs, deadline - now());
      if (timeoutMs <= 0) {
        throw new AuditSinkError("DeadlineExceeded", "http sink: no time left before the deadline", {
          sink: "http",
          retryable: false,
        });
      }
      const body = json ?? JSON.stringify(event);
      const timestamp = Math.floor(now() / 1000);
      const result = await postWithTimeout({
        sink: "http",
        url,
        timeoutMs,
        body,
        headers: {
          "content-type": "application/cloudevents+json; charset=utf-8",
          "user-agent": "ens-egress-audit/1",
          "webhook-id": event.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signStandardWebhook(key, event.id, timestamp, body),
        },
      });
      if (result.status >= 200 && result.status < 300) return;
      // Only the status goes into the message: the body is the receiver's and may echo anything.
      throw new AuditSinkError("AuditSinkHttpStatus", `http sink: HTTP ${result.status} from ${target}`, {
        sink: "http",
        retryable: isRetryableStatus(result.status),
        status: result.status,
      });
    },
  };
}
