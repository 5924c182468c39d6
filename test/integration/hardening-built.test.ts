/**
 * Hardening of the edges (issue 14, items 3 to 5; issue 13, the visible ticket), through the built functions, the
 * ENS emulator and the audit receivers over loopback: a reused Idempotency-Key, unauthenticated callers that cost
 * nothing, refusals answered alike when an audit sink is down, strict signature decoding, destinations nobody can
 * mean, invisible tickets, and a queue-worker answer that is redacted like every other output.
 */

import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signJiraBody } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import {
  type AuditReceiver,
  startEventBridgeReceiver,
  startHttpAuditReceiver,
} from "../helpers/audit-receivers.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout, type StdoutCapture } from "../helpers/capture-stdout.ts";
import { type EmulatorControl, emulatorControl } from "../helpers/emulator-client.ts";
import { fc3HttpEvent } from "../helpers/fc3-http-event.ts";

const secrets = {
  apiToken: "hb-api-token-5c0f7d2e9a4b1c83",
  serviceNowToken: "hb-snow-token-8e1d4c7b2a9f0e65",
  jiraSecret: "hb-jira-secret-3b6a9d0c5e8f1a27",
  standardWebhookSecret: `whsec_${randomBytes(32).toString("base64")}`,
  auditHttpSecret: `whsec_${randomBytes(32).toString("base64")}`,
};
const credentials = {
  accessKeyId: "hb-ak-id",
  accessKeySecret: "hb-ak-secret-7f3e2d1c0b9a8f7e",
  securityToken: "hb-sts-token-6d5c4b3a2f1e0d9c",
};
/** One attempt to a remote sink may take this long (the default of AUDIT_SINK_TIMEOUT_MS). */
const SINK_TIMEOUT_MS = 3000;

let emulator: EnsEmulator;
let control: EmulatorControl;
let quiet: StdoutCapture;
const receivers: AuditReceiver[] = [];

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  json: any;
}

/** An FC 3.0 HTTP trigger event. */
function httpEvent(path: string, body: string | Buffer, headers: Record<string, string>): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return fc3HttpEvent({
    path,
    body: bytes,
    headers,
    sourceIp: "10.9.9.9",
    requestId: `hb-${randomBytes(6).toString("hex")}`,
  });
}

function poster(handler: BuiltHandler) {
  return async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const text = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const result = (await handler(
      httpEvent(path, text, headers),
      createFcContext({ credentials, functionName: "http-intake" }),
    )) as { statusCode: number; headers: Record<string, string>; body: string };
    return { statusCode: result.statusCode, headers: result.headers, json: JSON.parse(result.body) };
  };
}

const operator = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${secrets.apiToken}`,
  ...extra,
});

const rule = (port: number) => ({
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: `${port}/${port}`,
  DestCidrIp: "10.0.0.0/8",
});

function intake(env: Record<string, string> = {}): BuiltHandler {
  return loadBuiltFunction("http-intake", {
    ENS_ENDPOINT: emulator.url,
    API_TOKENS: secrets.apiToken,
    SERVICENOW_TOKENS: secrets.serviceNowToken,
    JIRA_WEBHOOK_SECRETS: secrets.jiraSecret,
    STANDARD_WEBHOOK_SECRETS: secrets.standardWebhookSecret,
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "2",
    LOG_LEVEL: "error",
    ...env,
  });
}

async function httpReceiver(mode: "ok" | "slow" | "down" = "ok"): Promise<AuditReceiver> {
  const receiver = await startHttpAuditReceiver({ secret: secrets.auditHttpSecret, mode, slowMs: 60_000 });
  receivers.push(receiver);
  return receiver;
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    securityGroups: ["sg-demo0001"],
    accessKeys: [
      {
        id: credentials.accessKeyId,
        secret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      },
    ],
  });
  control = emulatorControl(emulator.url);
  // The function log (audit lines included) goes to stdout; keep it out of the test report.
  quiet = captureStdout();
});

afterAll(async () => {
  quiet?.stop();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  await emulator?.close();
});

describe("an Idempotency-Key reused for another body", () => {
  let receiver: AuditReceiver;
  let post: ReturnType<typeof poster>;
  let env: Record<string, string>;

  beforeAll(async () => {
    await control.resetWith("sg-demo0001");
    receiver = await httpReceiver();
    env = { AUDIT_HTTP_URL: receiver.url, AUDIT_HTTP_SECRET: secrets.auditHttpSecret };
    post = poster(intake(env));
  });

  it("is answered 422 with a message of its own, and its audit event has an id of its own", async () => {
    const alice = { ...rule(443), TicketId: "NET-1", RequestedBy: "alice" };
    const bob = { ...rule(443), TicketId: "NET-999", RequestedBy: "bob" };
    const first = await post("/rules", alice, operator({ "idempotency-key": "order-7" }));
    expect(first.statusCode, JSON.stringify(first.json)).toBe(200);
    const aliceId = first.json.results[0].auditId as string;

    const retry = await post("/rules", alice, operator({ "idempotency-key": "order-7" }));
    expect(retry.statusCode).toBe(200);
    expect(retry.json.results[0].auditId).toBe(aliceId);
    const calls = await control.ensCalls();

    const reused = await post("/rules", bob, operator({ "idempotency-key": "order-7" }));
    expect(reused.statusCode, JSON.stringify(reused.json)).toBe(422);
    expect(reused.json.error).toMatchObject({ code: "IdempotencyKeyReused" });
    expect(reused.json.error.message).toMatch(/already used with a different body/);
    const bobId = reused.json.error.auditId as string;
    expect(bobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bobId).not.toBe(aliceId);
    expect(await control.ensCalls()).toBe(calls);

    // Both decisions reach the sink, each under its own id: deduplicating on it keeps Bob's record.
    const events = new Map(receiver.events.map((event) => [event.id, event]));
    expect(events.get(aliceId)?.data).toMatchObject({ ticketId: "NET-1", deliveryId: "order-7" });
    expect(events.get(bobId)).toMatchObject({
      type: "ens.egress_rule.rejected",
      data: { errorCode: "IdempotencyKeyReused", deliveryId: "order-7" },
    });

    // The same refusal again is the same decision, with the same id.
    const again = await post("/rules", bob, operator({ "idempotency-key": "order-7" }));
    expect(again.statusCode).toBe(422);
    expect(again.json.error.auditId).toBe(bobId);
    // Whatever the other body is: a key that stands for another body is the first thing said.
    expect((await post("/rules", "{", operator({ "idempotency-key": "order-7" }))).statusCode).toBe(422);
  });

  it("binds a key per route, and leaves it free after a body refused as invalid", async () => {
    const servicenow = await post(
      "/webhooks/servicenow",
      { ...rule(444), TicketId: "RITM1" },
      { authorization: `Bearer ${secrets.serviceNowToken}`, "idempotency-key": "order-7" },
    );
    expect(servicenow.statusCode, JSON.stringify(servicenow.json)).toBe(200);

    const invalid = await post(
      "/rules",
      { ...rule(445), PortRange: "0/445" },
      operator({ "idempotency-key": "k-2" }),
    );
    expect(invalid.statusCode).toBe(400);
    const corrected = await post("/rules", rule(445), operator({ "idempotency-key": "k-2" }));
    expect(corrected.statusCode, JSON.stringify(corrected.json)).toBe(200);
    expect(corrected.json.results[0].auditId).not.toBe(invalid.json.results[0].auditId);
    // Bad JSON leaves the key free too.
    expect((await post("/rules", "{", operator({ "idempotency-key": "k-3" }))).statusCode).toBe(400);
    expect((await post("/rules", rule(446), operator({ "idempotency-key": "k-3" }))).statusCode).toBe(200);
  });

  it("keeps two bodies apart across instances, where no memory is shared: their audit ids differ", async () => {
    const body = (ticket: string) => ({ ...rule(447), TicketId: ticket });
    const first = await post("/rules", body("NET-2"), operator({ "idempotency-key": "order-8" }));
    expect(first.statusCode).toBe(200);
    // Another instance has never seen the key, so it cannot refuse; the rule is in place already.
    const other = await poster(intake(env))(
      "/rules",
      body("NET-3"),
      operator({ "idempotency-key": "order-8" }),
    );
    expect(other.statusCode, JSON.stringify(other.json)).toBe(200);
    expect(other.json.results[0].outcome).toBe("already_exists");
    expect(other.json.results[0].auditId).not.toBe(first.json.results[0].auditId);
    const ids = receiver.events.map((event) => event.id);
    expect(ids).toContain(first.json.results[0].auditId);
    expect(ids).toContain(other.json.results[0].auditId);
  });
});

describe("refusals before authentication", () => {
  const REQUESTS = 300;
  let http: ReceiverPair;

  interface ReceiverPair {
    httpSink: AuditReceiver;
    eventBridge: AuditReceiver;
    post: ReturnType<typeof poster>;
  }

  beforeAll(async () => {
    await control.resetWith("sg-demo0001");
    const httpSink = await httpReceiver("slow");
    const eventBridge = await startEventBridgeReceiver({
      accessKeys: [credentials],
      busName: "audit",
      mode: "slow",
      slowMs: 60_000,
    });
    receivers.push(eventBridge);
    const post = poster(
      intake({
        AUDIT_HTTP_URL: httpSink.url,
        AUDIT_HTTP_SECRET: secrets.auditHttpSecret,
        AUDIT_EVENTBRIDGE_BUS: "audit",
        AUDIT_EVENTBRIDGE_ENDPOINT: eventBridge.url,
        AUDIT_SINK_TIMEOUT_MS: String(SINK_TIMEOUT_MS),
        LOG_LEVEL: "warn",
      }),
    );
    http = { httpSink, eventBridge, post };
  });

  /** The unauthenticated requests an attacker might send, in turn. */
  function unauthenticated(index: number): [string, string | Buffer, Record<string, string>] {
    const body = JSON.stringify(rule(1000 + index));
    const now = Math.floor(Date.now() / 1000);
    const signed = signStandardWebhook(`msg_${index}`, now, body, secrets.standardWebhookSecret);
    switch (index % 6) {
      case 0:
        return ["/rules", body, {}];
      case 1:
        return ["/rules", body, { authorization: `Bearer ${randomBytes(16).toString("hex")}` }];
      case 2:
        return [
          "/webhooks/jira",
          body,
          { "x-hub-signature": signJiraBody(body, "not-the-jira-secret-at-all") },
        ];
      case 3:
        return [
          "/webhooks/generic",
          body,
          {
            "webhook-id": `msg_${index}`,
            "webhook-timestamp": String(now),
            "webhook-signature": `${signed}!!`,
          },
        ];
      case 4:
        return ["/webhooks/servicenow", body, { authorization: `Bearer ${secrets.apiToken}` }];
      default:
        // Over MAX_BODY_BYTES: refused before anyone is authenticated, even with a valid token.
        return ["/rules", Buffer.alloc(70_000, 0x20), operator()];
    }
  }

  it(`${REQUESTS} of them, with hanging remote sinks, each end before one sink attempt could, and write nothing remote`, async () => {
    const capture = captureStdout();
    const statuses = new Map<number, number>();
    try {
      for (let index = 0; index < REQUESTS; index++) {
        const [path, body, headers] = unauthenticated(index);
        const started = performance.now();
        const answer = await http.post(path, body, headers);
        const elapsed = performance.now() - started;
        // A ratio, not a timing target: waiting on the sink even once would take the whole attempt timeout.
        expect(elapsed, `request ${index} waited on a sink`).toBeLessThan(SINK_TIMEOUT_MS);
        statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
      }
    } finally {
      capture.stop();
    }
    expect(statuses).toEqual(
      new Map([
        [401, 250],
        [413, 50],
      ]),
    );
    expect(http.httpSink.requests).toEqual([]);
    expect(http.eventBridge.requests).toEqual([]);

    // Logged and counted: one warning per refusal carries the instance's running count, and the audit event is
    // written to the function log all the same.
    const lines = capture
      .text()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const counts = lines
      .filter((line) => line.message === "request refused")
      .map((line) => line.unauthenticatedRefusals);
    expect(counts).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
    const audited = lines.filter((line) => line.specversion === "1.0").map((line) => line.data.errorCode);
    expect(audited.filter((code) => code === "Unauthorized")).toHaveLength(250);
    expect(audited.filter((code) => code === "PayloadTooLarge")).toHaveLength(50);
  }, 120_000);

  it("an authenticated request's events still reach every sink", async () => {
    await http.httpSink.setMode("ok");
    await http.eventBridge.setMode("ok");
    const answer = await http.post("/rules", { ...rule(2001), DryRun: true }, operator());
    expect(answer.statusCode, JSON.stringify(answer.json)).toBe(200);
    const id = answer.json.results[0].auditId;
    expect(http.httpSink.events.map((event) => event.id)).toEqual([id]);
    expect(http.eventBridge.events.map((event) => event.id)).toEqual([id]);
  });
});

describe("refusals after authentication while an audit sink is down", () => {
  let receiver: AuditReceiver;
  let post: ReturnType<typeof poster>;

  beforeAll(async () => {
    await control.resetWith("sg-demo0001");
    receiver = await httpReceiver("down");
    post = poster(intake({ AUDIT_HTTP_URL: receiver.url, AUDIT_HTTP_SECRET: secrets.auditHttpSecret }));
  });

  afterEach(async () => {
    await receiver.setMode("down");
  });

  it("are 503 with Retry-After alike, invalid JSON and invalid rule; 400 alike once the sink is back", async () => {
    const cases: Array<[string, unknown, Record<string, string>, number]> = [
      ["invalid JSON", '{"SecurityGroupId":', { "idempotency-key": "bad-json-1" }, 400],
      ["invalid rule", { ...rule(22), DestCidrIp: "10.0.0.1/8" }, { "idempotency-key": "bad-rule-1" }, 400],
      ["not JSON at all", "hello", { "content-type": "text/plain", "idempotency-key": "bad-type-1" }, 415],
    ];
    const firstIds = new Map<string, string>();
    for (const [name, body, headers] of cases) {
      const answer = await post("/rules", body, operator(headers));
      expect(answer.statusCode, `${name}: ${JSON.stringify(answer.json)}`).toBe(503);
      expect(answer.headers["retry-after"]).toBe("30");
      expect(answer.json.error.code).toBe("AuditDeliveryFailed");
      // The refusal itself is in the body, so the sender knows what to fix when it retries.
      expect(answer.json.results[0].errorCode).toMatch(/^(InvalidRequest|UnsupportedMediaType)$/);
      firstIds.set(name, answer.json.results[0].auditId);
    }
    expect(receiver.events).toEqual([]);

    await receiver.setMode("ok");
    for (const [name, body, headers, status] of cases) {
      const answer = await post("/rules", body, operator(headers));
      expect(answer.statusCode, `${name}: ${JSON.stringify(answer.json)}`).toBe(status);
      const id = answer.json.error.auditId ?? answer.json.results[0].auditId;
      // The retry the 503 asked for delivers the very event that could not be delivered.
      expect(id).toBe(firstIds.get(name));
      expect(receiver.events.map((event) => event.id)).toContain(id);
    }
  });

  it("do not hold back an unauthenticated refusal, which stays 401", async () => {
    const answer = await post("/rules", rule(22), {});
    expect(answer.statusCode).toBe(401);
    expect(answer.json.error).toMatchObject({ code: "Unauthorized", message: "authentication failed" });
  });
});

describe("smaller hardening, through the built http-intake", () => {
  let post: ReturnType<typeof poster>;

  beforeAll(async () => {
    await control.resetWith("sg-demo0001");
    post = poster(intake());
  });

  it.each(["0.0.0.0", "255.255.255.255", "0.0.0.0/32"])(
    "refuses %s as a destination, with a hint, and calls nothing",
    async (destination) => {
      const calls = await control.ensCalls();
      const answer = await post("/rules", { ...rule(443), DestCidrIp: destination }, operator());
      expect(answer.statusCode).toBe(400);
      expect(answer.json.error.issues[0].message).toMatch(
        /^DestCidrIp: .* not a destination; write "0\.0\.0\.0\/0"/,
      );
      expect(await control.ensCalls()).toBe(calls);
    },
  );

  it.each([
    ["zero-width space", "\u200b"],
    ["word joiner", "NET-1\u2060"],
    ["Hangul filler", "\u3164"],
    ["Hangul jungseong filler", "\u1160"],
    ["Braille blank", "\u2800"],
    ["dashes only", "--"],
  ])("refuses a TicketId that is a %s, naming the field", async (_name, ticket) => {
    const answer = await post("/rules", { ...rule(443), TicketId: ticket }, operator());
    expect(answer.statusCode).toBe(400);
    const issue = answer.json.error.issues.find(
      (candidate: { path: string }) => candidate.path === "TicketId",
    );
    expect(issue.message).toMatch(
      /^TicketId: must (not contain invisible or blank characters|contain a letter or a digit)/,
    );
  });

  it("refuses signatures with anything around them, Standard Webhooks and Jira alike", async () => {
    const body = JSON.stringify({ ...rule(8443), DryRun: true });
    const now = Math.floor(Date.now() / 1000);
    const signed = signStandardWebhook("msg_strict", now, body, secrets.standardWebhookSecret);
    const generic = (signature: string) =>
      post("/webhooks/generic", body, {
        "webhook-id": "msg_strict",
        "webhook-timestamp": String(now),
        "webhook-signature": signature,
      });
    expect((await generic(signed)).statusCode).toBe(200);
    expect((await generic(`${signed}!!`)).statusCode).toBe(401);
    expect((await generic(`${signed}AAAA`)).statusCode).toBe(401);
    const jira = signJiraBody(body, secrets.jiraSecret);
    expect((await post("/webhooks/jira", body, { "x-hub-signature": jira })).statusCode).toBe(200);
    expect((await post("/webhooks/jira", body, { "x-hub-signature": `${jira}!!` })).statusCode).toBe(401);
    expect((await post("/webhooks/jira", body, { "x-hub-signature": `${jira}0` })).statusCode).toBe(401);
  });
});

describe("the queue-worker's answer", () => {
  const token = "qw-api-token-9d8c7b6a5f4e3d2c";
  let receiver: AuditReceiver;
  let queue: BuiltHandler;

  beforeAll(async () => {
    receiver = await httpReceiver();
    queue = loadBuiltFunction("queue-worker", {
      ENS_ENDPOINT: emulator.url,
      API_TOKENS: token,
      AUDIT_HTTP_URL: receiver.url,
      AUDIT_HTTP_SECRET: secrets.auditHttpSecret,
      RETRY_BASE_MS: "1",
      RETRY_MAX_DELAY_MS: "2",
      LOG_LEVEL: "error",
    });
  });

  const invoke = () =>
    queue(
      Buffer.from(JSON.stringify({ ...rule(443), SecurityGroupId: token })),
      createFcContext({ credentials }),
    );

  it("is redacted like every other output: a configured secret sent as SecurityGroupId does not come back", async () => {
    const result = await invoke();
    const text = JSON.stringify(result);
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(token);
    expect((result as any).messages[0].rules[0]).toMatchObject({
      outcome: "rejected",
      errorCode: "InvalidRequest",
    });
  });

  it("is redacted when it is thrown for redelivery too", async () => {
    await receiver.setMode("down");
    try {
      const error = (await invoke().then(
        () => null,
        (thrown: unknown) => thrown,
      )) as (Error & { summary?: unknown }) | null;
      expect(error?.name).toBe("QueueRedeliveryError");
      expect(error?.message).not.toContain(token);
      expect(JSON.stringify(error?.summary)).not.toContain(token);
      expect(JSON.stringify(error?.summary)).toContain("[REDACTED]");
    } finally {
      await receiver.setMode("ok");
    }
  });
});
