/**
 * Fuzzes both built entry points with random bodies, headers and events (fast-check): no unhandled error, no 5xx
 * for a client's mistake, and no ENS call for anything that is not an authenticated, valid, allowed rule.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout } from "../helpers/capture-stdout.ts";
import { type EmulatorControl, emulatorControl } from "../helpers/emulator-client.ts";

const credentials = { accessKeyId: "fz-ak", accessKeySecret: "fz-secret" };
const TOKEN = "fuzz-operator-token";
let emulator: EnsEmulator;
let control: EmulatorControl;
let http: BuiltHandler;
let queue: BuiltHandler;

const ruleField = fc.constantFrom(
  "SecurityGroupId",
  "IpProtocol",
  "PortRange",
  "DestCidrIp",
  "Policy",
  "Priority",
  "SourcePortRange",
  "DryRun",
  "TicketId",
  "Rules",
  "__proto__",
  "constructor",
);
const ruleValue = fc.oneof(
  fc.constantFrom("sg-demo0001", "tcp", "udp", "icmp", "all", "TCP", "443/443", "-1/-1", "0/22", "1/65535"),
  fc.constantFrom("10.0.0.0/8", "0.0.0.0/0", "10.0.0.1/8", "accept", "drop", "256.1.1.1"),
  fc.integer({ min: -5, max: 200 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
);
/** JSON that is sometimes a plausible rule request, sometimes anything at all. */
const body = fc.oneof(
  fc.dictionary(ruleField, ruleValue, { maxKeys: 9 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 64 }),
  fc.constant('{"a":1,"a":2}'),
  fc.constant('{"__proto__":{"polluted":true}}'),
);
const headers = fc.record(
  {
    authorization: fc.oneof(
      fc.constant(`Bearer ${TOKEN}`),
      fc.string({ maxLength: 20 }),
      fc.constant("Bearer "),
    ),
    "content-type": fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "",
    ),
    "webhook-id": fc.string({ maxLength: 10 }),
    "webhook-timestamp": fc.oneof(fc.integer().map(String), fc.string({ maxLength: 5 })),
    "webhook-signature": fc.string({ maxLength: 30 }),
    "x-hub-signature": fc.string({ maxLength: 30 }),
  },
  { requiredKeys: [] },
);
const path = fc.constantFrom(
  "/rules",
  "/webhooks/jira",
  "/webhooks/servicenow",
  "/webhooks/generic",
  "/healthz",
  "/nope",
  "/rules/",
);
const method = fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE");

function httpEvent(p: string, m: string, h: Record<string, string>, b: string, base64: boolean): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: "v1",
      rawPath: p,
      body: base64 ? Buffer.from(b).toString("base64") : b,
      isBase64Encoded: base64,
      headers: h,
      queryParameters: {},
      requestContext: {
        accountId: "1",
        domainName: "d",
        domainPrefix: "d",
        http: { method: m, path: p, protocol: "HTTP/1.1", sourceIp: "10.0.0.1", userAgent: "fuzz" },
        requestId: "fuzz",
        time: new Date().toISOString(),
        timeEpoch: String(Date.now()),
      },
    }),
  );
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    securityGroups: ["sg-demo0001"],
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  control = emulatorControl(emulator.url);
  const env = {
    ENS_ENDPOINT: emulator.url,
    API_TOKENS: TOKEN,
    SERVICENOW_TOKENS: "fuzz-snow-token-4b8e1d",
    JIRA_WEBHOOK_SECRETS: "fuzz-jira-secret-9c3a7f",
    STANDARD_WEBHOOK_SECRETS: `whsec_${Buffer.from("fuzz-standard-webhook-key").toString("base64")}`,
    LOG_LEVEL: "error",
  };
  http = loadBuiltFunction("http-intake", env);
  queue = loadBuiltFunction("queue-worker", env);
});

afterAll(async () => {
  await emulator?.close();
});

describe("fuzz", () => {
  it("http-intake: never throws, never 5xx, and calls ENS only for an authenticated 200", async () => {
    const capture = captureStdout();
    try {
      await fc.assert(
        fc.asyncProperty(path, method, headers, body, fc.boolean(), async (p, m, h, b, base64) => {
          const before = await control.ensCalls();
          const answer = (await http(
            httpEvent(p, m, h, b, base64),
            createFcContext({ credentials, functionName: "http-intake" }),
          )) as {
            statusCode: number;
            body: string;
          };
          expect([200, 400, 401, 403, 404, 405, 409, 413, 415]).toContain(answer.statusCode);
          expect(() => JSON.parse(answer.body)).not.toThrow();
          const calls = (await control.ensCalls()) - before;
          if (answer.statusCode !== 200) expect(calls).toBe(0);
          if (calls > 0) expect(h.authorization).toBe(`Bearer ${TOKEN}`);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: 250, seed: 20261129 },
      );
    } finally {
      capture.stop();
    }
  });

  const cloudEvent = fc.record({
    id: fc.string({ maxLength: 8 }),
    type: fc.constantFrom("mns:Queue:SendMessage", "mq:Topic:SendMessage", "alikafka:Topic:Message", "other"),
    specversion: fc.constant("1.0"),
    source: fc.string({ maxLength: 8 }),
    data: fc.oneof(
      fc.record({ messageId: fc.string({ maxLength: 6 }), messageBody: body }),
      fc.record({ body, systemProperties: fc.record({ UNIQ_KEY: fc.string({ maxLength: 6 }) }) }),
      fc.record({
        value: body,
        topic: fc.string({ maxLength: 4 }),
        partition: fc.nat(3),
        offset: fc.nat(99),
      }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  });
  const queueEvent = fc.oneof(
    fc.array(cloudEvent, { maxLength: 5 }).map((events) => JSON.stringify(events)),
    body,
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  );

  it("queue-worker: never throws while ENS is healthy, and calls ENS only for rules it reports as applied", async () => {
    const capture = captureStdout();
    try {
      await fc.assert(
        fc.asyncProperty(queueEvent, async (raw) => {
          const before = await control.ensCalls();
          const summary = (await queue(Buffer.from(raw), createFcContext({ credentials }))) as {
            messages: Array<{ rules: Array<{ outcome: string; attempts: number }> }>;
          };
          const rules = summary.messages.flatMap((m) => m.rules);
          const calls = (await control.ensCalls()) - before;
          expect(calls).toBe(rules.reduce((sum, r) => sum + r.attempts, 0));
          for (const r of rules) {
            if (r.outcome === "rejected" || r.outcome === "dry_run") expect(r.attempts).toBe(0);
          }
        }),
        { numRuns: 200, seed: 20261129 },
      );
    } finally {
      capture.stop();
    }
  });
});
