import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FcEventError } from "#shared/triggers/fc-event-error.ts";
import { parseFc3HttpEvent } from "#shared/triggers/fc-http.ts";
import { decodeHttpIntake } from "#shared/triggers/http-intake-decoder.ts";
import type { HttpRequest } from "#shared/triggers/http-types.ts";
import { decodeQueueEvent } from "#shared/triggers/queue-decoder.ts";
import { signJiraBody } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";
import { LOCAL_SECRETS, localIntakeSecrets } from "../../helpers/sign-fixture.ts";

const NOW = 1_736_929_816_345;
const SECRETS = localIntakeSecrets({ maxBodyBytes: 4096 });
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** Independent oracle: does any object in the value have a reserved own key? */
function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 100) return false;
  if (Array.isArray(value)) return value.some((item) => hasForbiddenKey(item, depth + 1));
  return Object.keys(value).some(
    (key) => FORBIDDEN.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1),
  );
}

const paths = fc.oneof(
  fc.constantFrom(
    "/rules",
    "/webhooks/jira",
    "/webhooks/servicenow",
    "/webhooks/generic",
    "/healthz",
    "/",
    "/rules/",
  ),
  fc.string(),
);
const methods = fc.oneof(fc.constantFrom("POST", "GET", "post", "PUT", "HEAD"), fc.string());
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }).map((bytes) => Buffer.from(bytes)),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? "")),
  fc.string().map((text) => Buffer.from(text)),
);
/** Credential-looking header values that are never the right credential. */
const credentialValues = fc.oneof(
  fc.string(),
  fc.string().map((s) => `Bearer ${s}`),
  fc.constantFrom(
    `Bearer ${LOCAL_SECRETS.apiToken}x`,
    `Bearer ${LOCAL_SECRETS.jiraSecret}`,
    "Bearer ",
    "sha256=",
  ),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256=${Buffer.from(b).toString("hex")}`),
  fc.base64String().map((b64) => `v1,${b64}`),
  fc.integer({ min: 0, max: 2_000_000_000 }).map(String),
);
const headerNames = fc.oneof(
  fc.constantFrom(
    "authorization",
    "x-hub-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "idempotency-key",
    "x-atlassian-webhook-identifier",
  ),
  fc.string(),
);
const headers = fc
  .array(fc.tuple(headerNames, fc.oneof(credentialValues, fc.constant("application/json"))), { maxLength: 8 })
  .map((entries) => {
    const record: Record<string, string> = {};
    for (const [name, value] of entries) if (name !== "__proto__") record[name] = value;
    return record;
  });

function httpRequest(method: string, path: string, hdrs: Record<string, string>, body: Buffer): HttpRequest {
  return { method, path, headers: hdrs, query: {}, body, sourceIp: null, requestId: null };
}

describe("decodeHttpIntake (fuzz)", () => {
  it("never throws and never accepts a request that does not carry a valid credential", () => {
    fc.assert(
      fc.property(methods, paths, headers, bodies, (method, path, hdrs, body) => {
        const decision = decodeHttpIntake(httpRequest(method, path, hdrs, body), SECRETS, NOW);
        expect(decision.kind).not.toBe("request");
        if (decision.kind === "refused") {
          expect([400, 401, 404, 405, 413, 415]).toContain(decision.status);
          if (decision.status === 401) expect(decision.message).toBe("authentication failed");
          expect(decision.deliveryId).toBeNull();
        }
      }),
      { numRuns: 600 },
    );
  });

  it("with valid credentials, never throws and only passes bodies that are JSON without reserved keys", () => {
    const route = fc.constantFrom("/rules", "/webhooks/jira", "/webhooks/servicenow", "/webhooks/generic");
    fc.assert(
      fc.property(route, bodies, fc.option(fc.string(), { nil: undefined }), (path, body, contentType) => {
        const hdrs: Record<string, string> = {};
        if (contentType !== undefined) hdrs["content-type"] = contentType;
        if (path === "/rules") hdrs.authorization = `Bearer ${LOCAL_SECRETS.apiToken}`;
        if (path === "/webhooks/servicenow") hdrs.authorization = `Bearer ${LOCAL_SECRETS.serviceNowToken}`;
        if (path === "/webhooks/jira") hdrs["x-hub-signature"] = signJiraBody(body, LOCAL_SECRETS.jiraSecret);
        if (path === "/webhooks/generic") {
          const ts = Math.floor(NOW / 1000);
          Object.assign(hdrs, {
            "webhook-id": "msg_1",
            "webhook-timestamp": String(ts),
            "webhook-signature": signStandardWebhook("msg_1", ts, body, LOCAL_SECRETS.standardWebhookSecret),
          });
        }
        const decision = decodeHttpIntake(httpRequest("POST", path, hdrs, body), SECRETS, NOW);
        expect(decision.kind === "refused" && decision.status === 401).toBe(false);
        if (decision.kind === "request") {
          const parsed = JSON.parse(body.toString("utf8")) as unknown;
          expect(hasForbiddenKey(parsed)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("parseFc3HttpEvent (fuzz)", () => {
  it("returns an HttpRequest or throws FcEventError, nothing else", () => {
    const events = fc.oneof(
      fc.anything(),
      fc.uint8Array().map((b) => Buffer.from(b)),
      fc.string(),
      fc.record({
        rawPath: fc.oneof(fc.string(), fc.anything()),
        body: fc.oneof(fc.string(), fc.anything()),
        isBase64Encoded: fc.anything(),
        headers: fc.anything(),
        queryParameters: fc.anything(),
        requestContext: fc.record({
          http: fc.record({ method: fc.oneof(fc.string(), fc.anything()), path: fc.anything() }),
        }),
      }),
    );
    fc.assert(
      fc.property(events, (event) => {
        try {
          const request = parseFc3HttpEvent(event);
          expect(Buffer.isBuffer(request.body)).toBe(true);
          expect(typeof request.path).toBe("string");
          for (const [name, value] of Object.entries(request.headers)) {
            expect(name).toBe(name.toLowerCase());
            expect(typeof value).toBe("string");
          }
        } catch (error) {
          expect(error).toBeInstanceOf(FcEventError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("decodeQueueEvent (fuzz)", () => {
  const rule = {
    SecurityGroupId: "sg-demo0001",
    IpProtocol: "tcp",
    PortRange: "443/443",
    DestCidrIp: "10.0.0.0/8",
  };
  const messageBodies = fc.oneof(
    fc.anything(),
    fc.string(),
    fc.base64String(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "").toString("base64")),
    fc.constant(JSON.stringify(rule)),
  );
  const data = fc.oneof(
    fc.record({ messageId: fc.anything(), messageBody: messageBodies }),
    fc.record({ systemProperties: fc.anything(), body: messageBodies }),
    fc.record({
      topic: fc.anything(),
      partition: fc.anything(),
      offset: fc.anything(),
      value: messageBodies,
    }),
    fc.record({ envelope: fc.anything(), props: fc.anything(), body: messageBodies }),
    fc.anything(),
  );
  const cloudEvent = fc.record({
    specversion: fc.constant("1.0"),
    id: fc.anything(),
    type: fc.oneof(
      fc.constantFrom(
        "mns:Queue:SendMessage",
        "mq:Topic:SendMessage",
        "alikafka:Topic:Message",
        "amqp:Queue:SendMessage",
      ),
      fc.string(),
    ),
    data,
  });
  const events = fc.oneof(
    fc.array(
      fc.oneof(
        cloudEvent,
        data,
        cloudEvent.map((e) => JSON.stringify(e)),
      ),
    ),
    cloudEvent,
    fc.record({ TopicName: fc.string(), MessageId: fc.string(), Message: messageBodies }),
    fc.record({ body: fc.string(), attrs: fc.dictionary(fc.string(), fc.string()) }),
    fc.anything(),
    fc.uint8Array().map((b) => Buffer.from(b)),
    fc.string(),
  );

  it("never throws; every message is well formed and every accepted body is safe and within the limit", () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 16, max: 4096 }), (event, max) => {
        const asBuffer = event instanceof Uint8Array ? event : Buffer.from(JSON.stringify(event) ?? "null");
        for (const input of [event, asBuffer]) {
          const messages = decodeQueueEvent(input, max);
          expect(Array.isArray(messages)).toBe(true);
          for (const message of messages) {
            expect(typeof message.trigger).toBe("string");
            expect(message.messageId === null || typeof message.messageId === "string").toBe(true);
            if (message.body.ok) {
              const text = JSON.stringify(message.body.value) ?? "";
              expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
              expect(hasForbiddenKey(message.body.value)).toBe(false);
            } else {
              expect(typeof message.body.message).toBe("string");
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
