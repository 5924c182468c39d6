import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeHttpIntake, type HttpIntakeDecision } from "#shared/triggers/http-intake-decoder.ts";
import type { HttpRequest } from "#shared/triggers/http-types.ts";
import { signJiraBody } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";
import { LOCAL_SECRETS, localIntakeSecrets } from "../../helpers/sign-fixture.ts";

const NOW = 1_736_929_816_345;
const rule = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
};
const ruleText = JSON.stringify(rule);

function request(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): HttpRequest {
  const body =
    init.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(init.body)
        ? init.body
        : Buffer.from(init.body);
  return {
    method: init.method ?? "POST",
    path,
    headers: { "content-type": "application/json", ...init.headers },
    query: {},
    body,
    sourceIp: "10.1.2.3",
    requestId: "1-67877214-0a1b2c3d-4e5f60718293",
  };
}

function operator(body: string | Buffer = ruleText, headers: Record<string, string> = {}): HttpRequest {
  return request("/rules", {
    body,
    headers: { authorization: `Bearer ${LOCAL_SECRETS.apiToken}`, ...headers },
  });
}

function jira(body: string, headers: Record<string, string> = {}): HttpRequest {
  return request("/webhooks/jira", {
    body,
    headers: { "x-hub-signature": signJiraBody(body, LOCAL_SECRETS.jiraSecret), ...headers },
  });
}

function generic(
  body: string,
  headers: Record<string, string> = {},
  timestampSeconds = Math.floor(NOW / 1000),
): HttpRequest {
  const id = "msg_2mYqBkHZ9hO5wQ3nL8vT1xR4pJs";
  return request("/webhooks/generic", {
    body,
    headers: {
      "webhook-id": id,
      "webhook-timestamp": String(timestampSeconds),
      "webhook-signature": signStandardWebhook(
        id,
        timestampSeconds,
        body,
        LOCAL_SECRETS.standardWebhookSecret,
      ),
      ...headers,
    },
  });
}

function decode(req: HttpRequest, overrides = {}): HttpIntakeDecision {
  return decodeHttpIntake(req, localIntakeSecrets(overrides), NOW);
}

describe("routes and methods", () => {
  it("answers GET and HEAD /healthz without authentication", () => {
    expect(decode(request("/healthz", { method: "GET" }))).toEqual({ kind: "health" });
    expect(decode(request("/healthz", { method: "head" }))).toEqual({ kind: "health" });
    expect(decode(request("/healthz", { method: "POST" }))).toMatchObject({
      status: 405,
      allow: "GET, HEAD",
    });
  });

  it("refuses unknown routes with 404 without echoing the path into the trigger", () => {
    const decision = decode(request("/rules/../admin", { body: ruleText }));
    expect(decision).toMatchObject({
      kind: "refused",
      status: 404,
      code: "NotFound",
      trigger: "http:unknown",
    });
  });

  it("refuses other methods on a route with 405 and an Allow value", () => {
    expect(decode(request("/rules", { method: "GET" }))).toMatchObject({
      status: 405,
      code: "MethodNotAllowed",
      trigger: "http:/rules",
      allow: "POST",
    });
  });

  it("accepts a trailing slash", () => {
    expect(decode({ ...operator(), path: "/rules/" })).toMatchObject({
      kind: "request",
      trigger: "http:/rules",
    });
  });
});

describe("order of checks", () => {
  it("answers 413 before authentication", () => {
    const big = Buffer.alloc(70_000, 0x20);
    const decision = decode(request("/rules", { body: big }));
    expect(decision).toMatchObject({ status: 413, code: "PayloadTooLarge", deliveryId: null });
    expect(decode(operator(Buffer.alloc(65_536, 0x20)))).toMatchObject({ status: 400 });
  });

  it("answers 401 before the content type or the JSON is looked at", () => {
    const decision = decode(
      request("/rules", { body: "not json", headers: { "content-type": "text/plain" } }),
    );
    expect(decision).toMatchObject({ status: 401, code: "Unauthorized", message: "authentication failed" });
  });

  it("gives every 401 the same message, whatever failed", () => {
    const failures = [
      request("/rules", { body: ruleText }),
      operator(ruleText, { authorization: "Bearer wrong" }),
      jira(ruleText, { "x-hub-signature": signJiraBody(ruleText, "wrong") }),
      request("/webhooks/servicenow", {
        body: ruleText,
        headers: { authorization: `Bearer ${LOCAL_SECRETS.apiToken}` },
      }),
      generic(ruleText, {}, Math.floor(NOW / 1000) - 301),
    ];
    const messages = new Set(failures.map((req) => (decode(req) as { message?: string }).message));
    expect([...messages]).toEqual(["authentication failed"]);
    const reasons = new Set(failures.map((req) => (decode(req) as { logReason?: string }).logReason));
    // The logs, unlike the caller, learn what failed.
    expect(reasons.size).toBeGreaterThan(1);
    expect(reasons.has("authentication failed")).toBe(false);
  });

  it("keeps the token lists of routes apart", () => {
    const servicenowTokenOnRules = operator(ruleText, {
      authorization: `Bearer ${LOCAL_SECRETS.serviceNowToken}`,
    });
    expect(decode(servicenowTokenOnRules)).toMatchObject({ status: 401 });
  });

  it("never labels an unauthenticated refusal with the sender's delivery id", () => {
    const stale = generic(ruleText, {}, Math.floor(NOW / 1000) - 3600);
    expect(decode(stale)).toMatchObject({ status: 401, deliveryId: null });
    const unsigned = request("/rules", { body: ruleText, headers: { "idempotency-key": "k-1" } });
    expect(decode(unsigned)).toMatchObject({ status: 401, deliveryId: null });
    expect(decode(unsigned)).not.toHaveProperty("bodySha256");
  });

  it("says which refusals come before authentication: 404, 405, 413 and 401", () => {
    const before = [
      request("/nowhere", { body: ruleText }),
      request("/rules", { method: "GET" }),
      request("/rules", { body: Buffer.alloc(70_000, 0x20) }),
      operator(Buffer.alloc(70_000, 0x20)),
      request("/rules", { body: ruleText }),
    ];
    for (const req of before) expect(decode(req)).toMatchObject({ kind: "refused", authenticated: false });
    const after = [
      operator(ruleText, { "content-type": "text/plain" }),
      operator("{"),
      operator(ruleText, { "idempotency-key": "a b" }),
    ];
    for (const req of after) expect(decode(req)).toMatchObject({ kind: "refused", authenticated: true });
  });

  it("answers 415 after authentication for a non-JSON content type", () => {
    for (const contentType of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
      "",
    ]) {
      expect(decode(operator(ruleText, { "content-type": contentType }))).toMatchObject({
        status: 415,
        code: "UnsupportedMediaType",
      });
    }
    const missing = operator();
    delete (missing.headers as Record<string, string | undefined>)["content-type"];
    expect(decode(missing)).toMatchObject({ status: 415 });
  });

  it("accepts application/json with parameters and application/*+json", () => {
    for (const contentType of [
      "application/json; charset=UTF-8",
      "Application/JSON",
      "application/vnd.api+json",
      'application/json;charset="utf-8"',
    ]) {
      expect(decode(operator(ruleText, { "content-type": contentType })).kind).toBe("request");
    }
  });
});

describe("JSON bodies", () => {
  it.each([
    ["malformed JSON", "{", "the body is not valid JSON"],
    [
      "a __proto__ key",
      '{"SecurityGroupId":"sg-demo0001","__proto__":{"admin":true}}',
      'the body uses the reserved key "__proto__"',
    ],
    [
      "a nested constructor key",
      '{"Rules":[{"constructor":{"prototype":{}}}]}',
      'the body uses the reserved key "constructor"',
    ],
    [
      "a duplicate key",
      '{"PortRange":"22/22","PortRange":"1/65535"}',
      'the body repeats the key "PortRange"',
    ],
  ])("answers 400 InvalidRequest for %s", (_, body, message) => {
    expect(decode(operator(body))).toMatchObject({
      kind: "refused",
      status: 400,
      code: "InvalidRequest",
      message,
    });
  });

  it("refuses a body that is not UTF-8", () => {
    expect(decode(operator(Buffer.from([0x7b, 0x7d, 0xff])))).toMatchObject({
      status: 400,
      message: "the body is not valid UTF-8",
    });
  });

  it("passes the parsed body through without validating it as a rule request", () => {
    expect(decode(operator('{"Anything":[1,2]}'))).toEqual({
      kind: "request",
      body: { Anything: [1, 2] },
      trigger: "http:/rules",
      origin: "operator",
      deliveryId: null,
    });
  });
});

describe("delivery ids", () => {
  it("takes Idempotency-Key on bearer routes, the Jira identifier and the Standard Webhooks id", () => {
    expect(decode(operator(ruleText, { "idempotency-key": "RITM0010423" }))).toMatchObject({
      deliveryId: "RITM0010423",
    });
    expect(decode(jira(ruleText, { "x-atlassian-webhook-identifier": "7c2f9a41" }))).toMatchObject({
      deliveryId: "7c2f9a41",
      origin: "webhook",
    });
    expect(decode(generic(ruleText))).toMatchObject({ deliveryId: "msg_2mYqBkHZ9hO5wQ3nL8vT1xR4pJs" });
  });

  it("refuses a delivery id that could not be logged safely", () => {
    expect(decode(operator(ruleText, { "idempotency-key": "a b" }))).toMatchObject({
      status: 400,
      deliveryId: null,
    });
    expect(decode(operator(ruleText, { "idempotency-key": "x".repeat(256) }))).toMatchObject({ status: 400 });
  });

  it("labels refusals after authentication with the delivery id", () => {
    expect(decode(operator("{", { "idempotency-key": "k-1" }))).toMatchObject({
      status: 400,
      deliveryId: "k-1",
    });
  });

  it("carries the raw body's SHA-256 with an Idempotency-Key, and only with one", () => {
    const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
    const keyed = decode(operator(ruleText, { "idempotency-key": "k-1" }));
    expect(keyed).toMatchObject({ kind: "request", deliveryId: "k-1", bodySha256: sha256(ruleText) });
    const servicenow = request("/webhooks/servicenow", {
      body: ruleText,
      headers: { authorization: `Bearer ${LOCAL_SECRETS.serviceNowToken}`, "idempotency-key": "RITM1" },
    });
    expect(decode(servicenow)).toMatchObject({ deliveryId: "RITM1", bodySha256: sha256(ruleText) });
    // Whitespace is part of the bytes: a key stands for exactly what was sent.
    expect(decode(operator(` ${ruleText}`, { "idempotency-key": "k-1" }))).toMatchObject({
      bodySha256: sha256(` ${ruleText}`),
    });
    expect(decode(operator("{", { "idempotency-key": "k-1" }))).toMatchObject({
      status: 400,
      bodySha256: sha256("{"),
    });
    // Signed webhook ids name one delivery of one body; an ad hoc call has no key at all.
    for (const decision of [
      decode(operator(ruleText)),
      decode(jira(ruleText, { "x-atlassian-webhook-identifier": "7c2f9a41" })),
      decode(generic(ruleText)),
      decode(generic(ruleText, { "idempotency-key": "k-1" })),
    ]) {
      expect(decision.kind).toBe("request");
      expect(decision).not.toHaveProperty("bodySha256");
    }
  });
});

describe("Jira route", () => {
  const native = JSON.stringify({
    webhookEvent: "jira:issue_created",
    user: { displayName: "Bob" },
    issue: {
      key: "NET-9",
      fields: { customfield_10100: "sg-demo0002", customfield_10101: { value: "udp" } },
    },
  });

  it("maps a native issue webhook through JIRA_FIELD_MAP", () => {
    expect(decode(jira(native))).toMatchObject({
      kind: "request",
      body: { SecurityGroupId: "sg-demo0002", IpProtocol: "udp", RequestedBy: "Bob", TicketId: "NET-9" },
    });
  });

  it("answers 400 for a native issue webhook when no field map is configured", () => {
    expect(decode(jira(native), { jiraFieldMap: null })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/JIRA_FIELD_MAP/),
    });
  });

  it("passes a Jira Automation rule request through, even without a field map", () => {
    expect(decode(jira(ruleText), { jiraFieldMap: null })).toMatchObject({ kind: "request", body: rule });
  });

  it("accepts Jira Automation's bearer token when the delivery is unsigned", () => {
    const automation = (token: string) =>
      request("/webhooks/jira", { body: ruleText, headers: { authorization: `Bearer ${token}` } });
    expect(decode(automation(LOCAL_SECRETS.jiraAutomationToken))).toMatchObject({
      kind: "request",
      body: rule,
    });
    expect(decode(automation(LOCAL_SECRETS.apiToken))).toMatchObject({ kind: "refused", status: 401 });
    expect(decode(automation(LOCAL_SECRETS.jiraAutomationToken), { jiraAutomationTokens: [] })).toMatchObject(
      {
        status: 401,
      },
    );
  });

  it("never lets a bearer token rescue a bad signature", () => {
    const req = jira(ruleText, {
      "x-hub-signature": signJiraBody(ruleText, "wrong-secret"),
      authorization: `Bearer ${LOCAL_SECRETS.jiraAutomationToken}`,
    });
    expect(decode(req)).toMatchObject({ kind: "refused", status: 401 });
  });

  it("accepts the second secret during a rotation", () => {
    const req = jira(ruleText, { "x-hub-signature": signJiraBody(ruleText, "next-secret") });
    expect(decode(req, { jiraSecrets: [LOCAL_SECRETS.jiraSecret, "next-secret"] }).kind).toBe("request");
    expect(decode(req).kind).toBe("refused");
  });
});

describe("Standard Webhooks route", () => {
  it("honours the configured tolerance", () => {
    const req = generic(ruleText, {}, Math.floor(NOW / 1000) + 100);
    expect(decode(req).kind).toBe("request");
    expect(decode(req, { webhookToleranceSeconds: 60 })).toMatchObject({ status: 401 });
  });

  it("refuses a route whose secret list is empty", () => {
    expect(decode(generic(ruleText), { standardWebhookSecrets: [] })).toMatchObject({ status: 401 });
    expect(decode(operator(), { apiTokens: [] })).toMatchObject({ status: 401 });
  });
});
