/**
 * The remote audit sinks over real sockets on 127.0.0.1: signed deliveries that the receivers verify with their
 * own code, and the outage story end to end (down, slow, 500 -> failure reported and whole event logged; once the
 * receiver is back, processing the same delivery again delivers the same event id).
 */
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { createAuditTrail } from "#shared/adapters/audit/audit-trail.ts";
import { signEventBridgeRequest } from "#shared/adapters/audit/eventbridge-signer.ts";
import { createEventBridgeSink } from "#shared/adapters/audit/eventbridge-sink.ts";
import { createHttpSink } from "#shared/adapters/audit/http-sink.ts";
import { createLogSink } from "#shared/adapters/audit/log-sink.ts";
import { createLogger } from "#shared/adapters/logger.ts";
import { buildAuditEvent } from "#shared/domain/audit-event.ts";
import type { AuditEvent, AuditSink, Credentials } from "#shared/ports.ts";
import {
  type AuditReceiver,
  startEventBridgeReceiver,
  startHttpAuditReceiver,
} from "../helpers/audit-receivers.ts";
import { DECISIONS, DELIVERY } from "../unit/audit/fixtures.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const STS: { accessKeyId: string; accessKeySecret: string; securityToken: string } = {
  accessKeyId: "STS.NTestAccessKeyId",
  accessKeySecret: "eb-test-secret-0f1e2d3c",
  securityToken: "CAIStestSecurityToken0123456789abcdefABCDEF",
};

const receivers: AuditReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function track<T extends AuditReceiver>(receiver: Promise<T>): Promise<T> {
  const started = await receiver;
  receivers.push(started);
  return started;
}

/** The event of the fixture delivery, as a given invocation would build it. */
function eventOf(fcRequestId: string, outcome: "created" | "already_exists" = "created"): AuditEvent {
  return buildAuditEvent({
    source: "acs:fc:cn-hangzhou:123:services/ens-egress/functions/queue-worker",
    time: new Date(),
    delivery: { ...DELIVERY, fcRequestId },
    data: { ...DECISIONS[outcome], rule: DECISIONS.created.rule },
  });
}

function trailWith(sink: AuditSink) {
  const logLines: string[] = [];
  const auditLines: string[] = [];
  const logger = createLogger({ write: (line) => logLines.push(line), secrets: [SECRET] });
  const trail = createAuditTrail({
    logSink: createLogSink((line) => auditLines.push(line)),
    sinks: [sink],
    logger,
    retry: { maxAttempts: 3, baseMs: 1, maxDelayMs: 5 },
  });
  return { trail, logLines, auditLines };
}

const soon = () => Date.now() + 20_000;

describe("HTTP sink (Standard Webhooks)", () => {
  it("delivers a signed structured-mode CloudEvent that the receiver verifies", async () => {
    const receiver = await track(startHttpAuditReceiver({ secret: SECRET }));
    const sink = createHttpSink({ url: receiver.url, secret: SECRET, timeoutMs: 2000 });
    const event = eventOf("fc-1");
    await sink.write(event, { deadline: soon() });
    expect(receiver.events).toEqual([event]);
    const [request] = receiver.requests;
    expect(request?.accepted).toBe(true);
    expect(request?.headers["content-type"]).toMatch(/^application\/cloudevents\+json/);
    expect(request?.headers["webhook-id"]).toBe(event.id);
    expect(request?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it("is refused by a receiver holding another secret, and does not retry that", async () => {
    const receiver = await track(
      startHttpAuditReceiver({ secret: "whsec_b3RoZXItc2VjcmV0LWtleS0xMjM0NTY3OA==" }),
    );
    const { trail } = trailWith(createHttpSink({ url: receiver.url, secret: SECRET, timeoutMs: 2000 }));
    const result = await trail.emit([eventOf("fc-1")], { deadline: soon() });
    expect(result.delivered).toBe(false);
    expect(result.failures[0]?.error).toContain("HTTP 401");
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.reason).toBe("no matching signature");
  });

  it.each([
    ["down", /AuditSinkNetworkError/],
    ["slow", /AuditSinkTimeout/],
    ["500", /HTTP 500/],
  ] as const)(
    "when the receiver is %s: reports, logs the whole event, and delivers the same id once it is back",
    async (mode, error) => {
      const receiver = await track(startHttpAuditReceiver({ secret: SECRET, mode }));
      const sink = createHttpSink({ url: receiver.url, secret: SECRET, timeoutMs: 200 });
      const first = trailWith(sink);
      const event = eventOf("fc-first");
      const result = await first.trail.emit([event], { deadline: soon() });

      expect(result.delivered).toBe(false);
      expect(result.failures).toHaveLength(1);
      expect(result.failures[0]).toMatchObject({ sink: "http", eventId: event.id });
      expect(result.failures[0]?.error).toMatch(error);
      expect(receiver.events).toHaveLength(0);
      // Whatever did reach the receiver was signed and verified.
      expect(receiver.requests.every((r) => r.verified)).toBe(true);
      // The log line came first, and the failure line carries the whole event, recoverable from the log alone.
      expect(JSON.parse(first.auditLines[0] ?? "")).toEqual(event);
      const failure = first.logLines
        .map((l) => JSON.parse(l))
        .find((l) => l.message === "audit event not delivered");
      expect(failure).toMatchObject({ level: "error", sink: "http", eventId: event.id, attempts: 3 });
      expect(failure.event).toEqual(event);

      // The trigger redelivers: a new invocation processes the same delivery and finds the rule in place.
      await receiver.setMode("ok");
      const again = trailWith(sink);
      const redelivered = eventOf("fc-second", "already_exists");
      expect(redelivered.id).toBe(event.id);
      const second = await again.trail.emit([redelivered], { deadline: soon() });
      expect(second).toEqual({ delivered: true, failures: [] });
      expect(receiver.events.map((e) => e.id)).toEqual([event.id]);
    },
  );

  it("signs every attempt: each retry reaches the receiver with the same id and a signature that verifies", async () => {
    const receiver = await track(startHttpAuditReceiver({ secret: SECRET, mode: "500" }));
    const { trail } = trailWith(createHttpSink({ url: receiver.url, secret: SECRET, timeoutMs: 2000 }));
    const event = eventOf("fc-1");
    await trail.emit([event], { deadline: soon() });
    expect(receiver.requests).toHaveLength(3);
    for (const request of receiver.requests) {
      expect(request).toMatchObject({ verified: true, accepted: false });
      expect(request.headers["webhook-id"]).toBe(event.id);
    }
  });
});

describe("EventBridge sink (PutEvents)", () => {
  function sinkFor(receiver: AuditReceiver, credentials: Credentials = STS) {
    return createEventBridgeSink({
      endpoint: receiver.url,
      busName: "ens-egress-audit",
      credentials: () => credentials,
      timeoutMs: 2000,
      regionId: "cn-hangzhou",
    });
  }

  it("puts a signed event on the bus, with STS credentials", async () => {
    const receiver = await track(
      startEventBridgeReceiver({ accessKeys: [STS], busName: "ens-egress-audit" }),
    );
    const event = eventOf("fc-1");
    await sinkFor(receiver).write(event, { deadline: soon() });
    expect(receiver.requests[0]?.reason).toBeNull();
    expect(receiver.events).toEqual([{ ...event, aliyuneventbusname: "ens-egress-audit" }]);
    expect(receiver.requests[0]?.headers["content-type"]).toBe(
      "application/cloudevents-batch+json; charset=utf-8",
    );
  });

  it("signs each attempt afresh (new nonce), so retries are not refused as replays", async () => {
    const receiver = await track(
      startEventBridgeReceiver({ accessKeys: [STS], busName: "ens-egress-audit" }),
    );
    const sink = sinkFor(receiver);
    await sink.write(eventOf("fc-1"), { deadline: soon() });
    await sink.write(eventOf("fc-2"), { deadline: soon() });
    expect(receiver.events).toHaveLength(2);
    const nonces = receiver.requests.map((r) => r.headers["x-acs-signature-nonce"]);
    expect(new Set(nonces).size).toBe(2);
  });

  it("fails without retry on a wrong secret, and says which code", async () => {
    const receiver = await track(startEventBridgeReceiver({ accessKeys: [STS] }));
    const { trail } = trailWith(sinkFor(receiver, { ...STS, accessKeySecret: "wrong-secret" }));
    const result = await trail.emit([eventOf("fc-1")], { deadline: soon() });
    expect(result.delivered).toBe(false);
    expect(result.failures[0]?.error).toContain("HTTP 403");
    expect(result.failures[0]?.error).toContain("SignatureDoesNotMatch");
    expect(receiver.requests).toHaveLength(1);
  });

  it("treats FailedEntryCount > 0 as a failure", async () => {
    const receiver = await track(startEventBridgeReceiver({ accessKeys: [STS], mode: "reject" }));
    const { trail } = trailWith(sinkFor(receiver));
    const result = await trail.emit([eventOf("fc-1")], { deadline: soon() });
    expect(result.failures[0]?.error).toMatch(/AuditSinkRejected.*EventBridgeInternalError/);
  });

  it("survives an outage: down, then back, same id delivered", async () => {
    const receiver = await track(startEventBridgeReceiver({ accessKeys: [STS], mode: "down" }));
    const sink = sinkFor(receiver);
    const first = await trailWith(sink).trail.emit([eventOf("fc-1")], { deadline: soon() });
    expect(first.delivered).toBe(false);
    await receiver.setMode("ok");
    const second = await trailWith(sink).trail.emit([eventOf("fc-2")], { deadline: soon() });
    expect(second.delivered).toBe(true);
    expect(receiver.events.map((e) => e.id)).toEqual([eventOf("fc-3").id]);
  });

  it("accepts what the official @alicloud/eventbridge client sends, and our signer computes the same header", async () => {
    const receiver = await track(
      startEventBridgeReceiver({ accessKeys: [STS], busName: "ens-egress-audit" }),
    );
    const require = createRequire(import.meta.url);
    const sdk = require("@alicloud/eventbridge") as {
      default: new (config: unknown) => { putEvents(events: unknown[]): Promise<unknown> };
      Config: new (map: Record<string, unknown>) => unknown;
      CloudEvent: new (map: Record<string, unknown>) => unknown;
    };
    const client = new sdk.default(
      new sdk.Config({
        accessKeyId: STS.accessKeyId,
        accessKeySecret: STS.accessKeySecret,
        securityToken: STS.securityToken,
        endpoint: new URL(receiver.url).host,
        protocol: "http",
        regionId: "cn-hangzhou",
      }),
    );
    const event = eventOf("fc-sdk");
    await client.putEvents([
      new sdk.CloudEvent({
        id: event.id,
        source: event.source,
        specversion: "1.0",
        type: event.type,
        datacontenttype: "application/json",
        time: event.time,
        subject: event.subject,
        data: Buffer.from(JSON.stringify(event.data)),
        extensions: { aliyuneventbusname: "ens-egress-audit", correlationid: event.correlationid },
      }),
    ]);
    const request = receiver.requests[0];
    expect(request?.reason).toBeNull();
    expect(receiver.events[0]?.id).toBe(event.id);
    // Recompute the SDK's header with our signer over the headers it actually sent.
    const headers = Object.fromEntries(
      Object.entries(request?.headers ?? {})
        .filter(([name]) => name !== "authorization")
        .map(([k, v]) => [k, String(v)]),
    );
    expect(signEventBridgeRequest({ method: "POST", pathname: "/openapi/putEvents", headers }, STS)).toBe(
      request?.headers.authorization,
    );
  });
});
