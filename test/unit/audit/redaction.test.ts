/**
 * Known secrets fed through every output path of the audit trail and the logger: log lines, the audit log line,
 * the file sink, what remote receivers get, failure reports and sink errors. None may appear anywhere, in any
 * spelling, and no secret (however short or odd) may change the structure of the JSON it is removed from.
 * Uses real loopback sockets for the sinks' error paths (fast: no retry delays).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditTrail } from "#shared/adapters/audit/audit-trail.ts";
import { createEventBridgeSink } from "#shared/adapters/audit/eventbridge-sink.ts";
import { createFileSink } from "#shared/adapters/audit/file-sink.ts";
import { createHttpSink } from "#shared/adapters/audit/http-sink.ts";
import { createLogSink } from "#shared/adapters/audit/log-sink.ts";
import { createLogger } from "#shared/adapters/logger.ts";
import {
  FIXED_VOCABULARY,
  REDACTED,
  redact,
  redactJsonDocument,
  redactJsonText,
  redactText,
} from "#shared/adapters/redaction.ts";
import { buildAuditEvent } from "#shared/domain/audit-event.ts";
import type { AuditSink } from "#shared/ports.ts";
import {
  type AuditReceiver,
  startEventBridgeReceiver,
  startHttpAuditReceiver,
} from "../../helpers/audit-receivers.ts";
import { FIXED_VALUES, spellingsOf } from "../../helpers/secret-spellings.ts";
import { DECISIONS, DELIVERY } from "./fixtures.ts";

const API_TOKEN = "op-token-7Hq2Lk9Xw4Pz";
const WEBHOOK_KEY_B64 = "c2VjcmV0LWF1ZGl0LWtleS0wMTIzNDU2Nzg5YWJj";
const WEBHOOK_SECRET = `whsec_${WEBHOOK_KEY_B64}`;
const ACCESS_KEY_SECRET = "ak-secret-Vb3Nm8Qr2Ty6";
// Deliberately not CAIS-shaped: the sink must redact it because it knows it, not because of a pattern.
const SECURITY_TOKEN = "sts-token-Gh5Jk1Lz0Xc4Vb7N";
const CREDENTIALS = {
  accessKeyId: "STS.TestId",
  accessKeySecret: ACCESS_KEY_SECRET,
  securityToken: SECURITY_TOKEN,
};
const SECRETS = [API_TOKEN, WEBHOOK_SECRET, WEBHOOK_KEY_B64, ACCESS_KEY_SECRET, SECURITY_TOKEN];

let dir: string;
const receivers: AuditReceiver[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "audit-redaction-"));
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

/** Every secret, plus every signature a receiver saw, must be absent from `text`. */
function expectClean(text: string, extra: readonly string[] = []) {
  for (const secret of [...SECRETS, ...extra])
    expect(text, `leaked ${secret.slice(0, 6)}...`).not.toContain(secret);
}

/** A decision whose free-text fields carry secrets, as a careless upstream error message might. */
function leakyEvent() {
  return buildAuditEvent({
    source: "acs:fc:cn-hangzhou:123:services/ens-egress/functions/http-intake",
    time: new Date(),
    delivery: DELIVERY,
    data: {
      ...DECISIONS.failed,
      errorMessage: `gateway echoed Authorization: Bearer ${API_TOKEN} and x-acs-security-token:${SECURITY_TOKEN}`,
      reason: `pasted by mistake: ${ACCESS_KEY_SECRET} ${WEBHOOK_SECRET}`,
    },
  });
}

function signaturesSeen(receiver: AuditReceiver): string[] {
  return receiver.requests.flatMap((r) => {
    const values = [r.headers["webhook-signature"], r.headers.authorization].filter(
      (v): v is string => typeof v === "string",
    );
    // The part after the scheme is the secret-derived value.
    return values.map((v) => v.replace(/^v1,|^acs:[^:]+:/, ""));
  });
}

describe("no secret leaves through any output", () => {
  it("logger: fields, nested headers, messages, errors and causes", () => {
    const lines: string[] = [];
    const logger = createLogger({
      write: (l) => lines.push(l),
      secrets: [API_TOKEN, WEBHOOK_SECRET],
    }).withSecrets([ACCESS_KEY_SECRET, SECURITY_TOKEN]);
    const cause = new Error(`upstream said ${SECURITY_TOKEN}`);
    logger.error(`request with ${API_TOKEN} failed`, {
      headers: { authorization: `Bearer ${API_TOKEN}`, "x-acs-security-token": SECURITY_TOKEN },
      credentials: CREDENTIALS,
      config: { auditHttp: { url: "https://audit.example.com", secret: WEBHOOK_SECRET } },
      error: Object.assign(new Error(`bad key ${ACCESS_KEY_SECRET}`, { cause }), {
        details: { echo: WEBHOOK_KEY_B64 },
      }),
      query: `Signature=abc&SecurityToken=${encodeURIComponent(SECURITY_TOKEN)}`,
    });
    logger.child({ fcRequestId: "r-1" }).info("again", { note: `token ${API_TOKEN}` });
    expect(lines).toHaveLength(2);
    expectClean(lines.join("\n"));
    expect(lines[0]).toContain("[REDACTED]");
  });

  it("audit trail: log line, file, HTTP and EventBridge receivers, failure reports and failure logs", async () => {
    const http = await startHttpAuditReceiver({ secret: WEBHOOK_SECRET });
    const eventbridge = await startEventBridgeReceiver({ accessKeys: [CREDENTIALS] });
    receivers.push(http, eventbridge);
    const logLines: string[] = [];
    const auditLines: string[] = [];
    const file = join(dir, "audit.jsonl");
    const sinks: AuditSink[] = [
      createFileSink(file),
      createHttpSink({ url: http.url, secret: WEBHOOK_SECRET, timeoutMs: 2000 }),
      createEventBridgeSink({
        endpoint: eventbridge.url,
        busName: "b",
        credentials: () => CREDENTIALS,
        timeoutMs: 2000,
      }),
    ];
    const trail = createAuditTrail({
      logSink: createLogSink((l) => auditLines.push(l)),
      sinks,
      logger: createLogger({ write: (l) => logLines.push(l), level: "debug", secrets: SECRETS }),
      retry: { maxAttempts: 2, baseMs: 0, maxDelayMs: 0 },
      secrets: SECRETS,
    });
    const ok = await trail.emit([leakyEvent()], { deadline: Date.now() + 10_000 });
    expect(ok.delivered).toBe(true);
    expect(http.events).toHaveLength(1);
    expect(eventbridge.events).toHaveLength(1);

    await http.setMode("500");
    await eventbridge.setMode("500");
    const failed = await trail.emit([leakyEvent()], { deadline: Date.now() + 10_000 });
    expect(failed.delivered).toBe(false);

    const outputs = [
      ...logLines,
      ...auditLines,
      await readFile(file, "utf8"),
      ...http.requests.map((r) => r.body),
      ...eventbridge.requests.map((r) => r.body),
      JSON.stringify(ok),
      JSON.stringify(failed),
    ].join("\n");
    expectClean(outputs, [...signaturesSeen(http), ...signaturesSeen(eventbridge)]);
    // The failure really was logged with the event, so the check above covered that path.
    expect(logLines.some((l) => l.includes("audit event not delivered"))).toBe(true);
  });

  it("EventBridge sink: a signature error that echoes the string to sign (with the STS token) is redacted", async () => {
    const receiver = await startEventBridgeReceiver({
      accessKeys: [{ ...CREDENTIALS, accessKeySecret: "server-side" }],
    });
    receivers.push(receiver);
    const sink = createEventBridgeSink({
      endpoint: receiver.url,
      busName: "b",
      credentials: () => CREDENTIALS,
      timeoutMs: 2000,
    });
    const error = (await sink
      .write(leakyEvent(), { deadline: Date.now() + 5000 })
      .catch((e: unknown) => e)) as Error;
    // The receiver did echo the token: the test is meaningful only if there was something to hide.
    expect(receiver.requests[0]?.reason).toContain(SECURITY_TOKEN);
    expect(error.message).toContain("SignatureDoesNotMatch");
    expectClean(`${error.message} ${JSON.stringify(error)} ${String(error.cause ?? "")}`);
    // And through a trail that was not told the STS secrets at all.
    const lines: string[] = [];
    const trail = createAuditTrail({
      logSink: createLogSink(() => {}),
      sinks: [sink],
      logger: createLogger({ write: (l) => lines.push(l), level: "debug" }),
      retry: { maxAttempts: 1, baseMs: 0, maxDelayMs: 0 },
    });
    const result = await trail.emit(
      [buildAuditEvent({ source: "s", time: new Date(), delivery: DELIVERY, data: DECISIONS.created })],
      { deadline: Date.now() + 5000 },
    );
    expectClean(`${JSON.stringify(result)}\n${lines.join("\n")}`);
  });

  it("HTTP sink: errors name the host only, never the URL's path, query or userinfo", async () => {
    const receiver = await startHttpAuditReceiver({ secret: WEBHOOK_SECRET, mode: "500" });
    receivers.push(receiver);
    const url = new URL(receiver.url);
    url.username = "user";
    url.password = API_TOKEN;
    url.searchParams.set("token", API_TOKEN);
    const sink = createHttpSink({ url: url.toString(), secret: WEBHOOK_SECRET, timeoutMs: 2000 });
    const error = (await sink
      .write(leakyEvent(), { deadline: Date.now() + 5000 })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("HTTP 500");
    expectClean(`${error.message} ${JSON.stringify(error)}`);
  });
});

describe("redactJsonText", () => {
  const secretList = ["tok-3f9a1c", 'we"ird\\secret', "whsec_c2VjcmV0LWtleQ=="];
  const word = fc.constantFrom(
    "tok-3f9a1c",
    'we"ird\\secret',
    "api_key",
    "Bearer abcdefgh12345",
    `sha256=${"a".repeat(40)}`,
    "v1,QUJDREVGR0hJSktMTU5PUA==",
    `CAIS${"x".repeat(24)}`,
    "plain",
    "10.0.0.0/8",
    "sg-demo0001",
    "Pass_Word",
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      word,
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(word, fc.string({ maxLength: 8 })), tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("takes the fast path for an ordinary event: the very same object comes back", () => {
    const event = {
      id: "e1",
      data: { rule: { SecurityGroupId: "sg-demo0001", DestCidrIp: "10.0.0.0/8" }, reason: "ok" },
    };
    expect(redactJsonText(event, ["tok-3f9a1c"])).toEqual({ value: event, json: JSON.stringify(event) });
    expect(redactJsonText(event, ["tok-3f9a1c"]).value).toBe(event);
    const leaky = { ...event, data: { ...event.data, reason: "token is tok-3f9a1c" } };
    const redacted = redactJsonText(leaky, ["tok-3f9a1c"]);
    expect(redacted.json).not.toContain("tok-3f9a1c");
    expect(redacted.json).toBe(JSON.stringify(redacted.value));
  });

  it("gives the same result as redact for any JSON value, and that result's JSON", () => {
    fc.assert(
      fc.property(json, fc.subarray(secretList), (value, secrets) => {
        const result = redactJsonText(value, secrets);
        expect(result.value).toEqual(redact(value, secrets));
        expect(result.json).toBe(JSON.stringify(result.value));
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});

/** The shape of a JSON value with every string replaced by a marker: what redaction must never change. */
function shape(value: unknown): unknown {
  if (typeof value === "string") return "<string>";
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item)]));
  }
  return value;
}

describe("redaction never changes the structure of JSON", () => {
  // Secrets of every kind, short ones included (the invocation's STS credentials are not length-checked): JSON
  // literals, punctuation, fragments of keys and of the event type, numbers.
  const hostileSecret = fc.oneof(
    fc.constantFrom(
      "t",
      "e",
      "1",
      "null",
      "true",
      '"',
      "\\",
      ":",
      ",",
      "{",
      "rule",
      "demo",
      "type",
      "0",
      "ens",
    ),
    fc.constantFrom(
      "ens.egress_rule.",
      "egress_rule.created",
      '","type":"',
      "specversion",
      "application/json",
    ),
    fc.string({ minLength: 1, maxLength: 20 }),
  );
  const key = fc.oneof(
    fc.constantFrom("type", "subject", "data", "rule", "authorization", "token", "null", "t"),
    fc.string({ maxLength: 8 }),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom("ens.egress_rule.created", "sg-demo0001", "null", "true", "Bearer abcdefgh12345"),
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("replaces strings only: keys, numbers, booleans and null stay, and the result is JSON of the same shape", () => {
    fc.assert(
      fc.property(json, fc.array(hostileSecret, { minLength: 1, maxLength: 3 }), (value, secrets) => {
        const out = redact(value, secrets);
        expect(shape(out)).toEqual(shape(JSON.parse(JSON.stringify(value))));
        const text = JSON.stringify(out);
        expect(JSON.parse(text)).toEqual(out);
        expect(redactJsonText(value, secrets).json).toBe(text);
        expect(redactJsonDocument(JSON.stringify(value), secrets)).toBe(text);
      }),
      { numRuns: 1000, seed: 14 },
    );
  });

  it("leaves the CloudEvents constants alone whatever the secrets", () => {
    const event = buildAuditEvent({
      source: "acs:fc:cn-hangzhou:123:services/ens-egress/functions/http-intake",
      time: new Date("2025-01-02T03:04:05.678Z"),
      delivery: DELIVERY,
      data: DECISIONS.created,
    });
    for (const secrets of [
      ["rule"],
      ["t", "e", "1", "null"],
      ["ens.egress_rule.created"],
      ["application/json"],
    ]) {
      const out = redact(event, secrets) as typeof event;
      expect(out.type).toBe("ens.egress_rule.created");
      expect(out.specversion).toBe("1.0");
      expect(out.datacontenttype).toBe("application/json");
      expect(out.dataschema).toBe(event.dataschema);
      expect(Object.keys(out)).toEqual(Object.keys(event));
    }
    expect([...FIXED_VOCABULARY].sort()).toEqual([...FIXED_VALUES].sort());
  });

  it("keeps an HTTP answer JSON when a secret is a JSON literal or a piece of a key", () => {
    const answer = JSON.stringify({ results: [{ outcome: "created", attempts: 1, rule: null, ok: true }] });
    for (const secret of ["t", "e", "1", "null", "true", '"', "{", "results", "outcome"]) {
      const out = redactJsonDocument(answer, [secret]);
      expect(Object.keys(JSON.parse(out).results[0])).toEqual(["outcome", "attempts", "rule", "ok"]);
      expect(JSON.parse(out).results[0]).toMatchObject({ attempts: 1, rule: null, ok: true });
    }
    expect(redactJsonDocument("not json, token sk-live-0123456789abcdef", ["sk-live-0123456789abcdef"])).toBe(
      `not json, token ${REDACTED}`,
    );
  });

  it("masks every string under a sensitive key but keeps numbers, booleans, null and nesting", () => {
    expect(
      redact(
        { credentials: { accessKeyId: "id", expires: 3600, ok: true, scopes: ["a"] }, password: 42 },
        [],
      ),
    ).toEqual({
      credentials: { accessKeyId: REDACTED, expires: 3600, ok: true, scopes: [REDACTED] },
      password: 42,
    });
  });
});

describe("no spelling of a secret survives", () => {
  // An STS token's alphabet (Base64 with + / =), a random operator token, odd characters for the encodings.
  const secret = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9+/=]{16,64}$/),
    fc.stringMatching(/^[!-~ ]{16,40}$/).filter((s) => s.trim() === s),
    fc.uint8Array({ minLength: 16, maxLength: 40 }).map((b) => `whsec_${Buffer.from(b).toString("base64")}`),
  );
  const filler = fc.stringMatching(/^[A-Za-z0-9]{0,6}$/);

  it("raw, percent-encoded once and twice (either hex case, + or %20), Base64 standard and URL-safe", () => {
    fc.assert(
      fc.property(secret, filler, filler, (value, before, after) => {
        for (const spelling of spellingsOf(value)) {
          const text = `${before}${spelling}${after}`;
          const out = redactText(text, [value]);
          expect(out, `spelling ${JSON.stringify(spelling)} survived`).not.toContain(spelling);
          const inJson = redact({ note: text, list: [text] }, [value]);
          expect(JSON.stringify(inJson)).not.toContain(spelling);
        }
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it("finds the STS token twice percent-encoded inside a V1 string to sign echoed by the gateway", () => {
    const token = "CAIS/ab+cd=ef/gh+ij==kl/mn+op==";
    const once = encodeURIComponent(token);
    const echo = `Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3DSTS.x%26SecurityToken%3D${encodeURIComponent(once)}%26Timestamp%3D2024`;
    const basic = Buffer.from(`user:${token}`).toString("base64");
    const out = redactText(`${echo} authorization was Basic ${basic}`, [token]);
    expect(out).not.toContain(encodeURIComponent(once));
    expect(out).not.toContain(basic.slice(8));
    expect(out).toContain("AccessKeyId%3DSTS.x%26SecurityToken%3D[REDACTED]%26Timestamp");
  });
});
