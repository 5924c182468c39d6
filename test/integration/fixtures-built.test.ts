/**
 * Every fixture in `events/` through the built entry points (`dist/<name>/index.js`) against the ENS emulator over
 * loopback: the answer a platform would get, the ENS calls made, and the audit events written.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { type EmulatorControl, emulatorControl, readAuditEvents } from "../helpers/emulator-client.ts";
import { LOCAL_JIRA_FIELD_MAP, LOCAL_SECRETS, resignFixture } from "../helpers/sign-fixture.ts";

const credentials = { accessKeyId: "fx-ak", accessKeySecret: "fx-secret" };
let emulator: EnsEmulator;
let control: EmulatorControl;
let http: BuiltHandler;
let queue: BuiltHandler;
let auditFile: string;

function fixture(path: string): Record<string, any> {
  return JSON.parse(readFileSync(join("events", path), "utf8"));
}

/** Replays an FC 3.0 HTTP event; Standard Webhooks fixtures are re-signed for "now" unless `asStored`. */
async function replayHttp(event: Record<string, any>, requestId = `req-${Math.random()}`) {
  const result = (await http(
    Buffer.from(JSON.stringify(event)),
    createFcContext({ credentials, requestId, functionName: "http-intake" }),
  )) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  return { ...result, json: JSON.parse(result.body) };
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  control = emulatorControl(emulator.url);
  auditFile = join(mkdtempSync(join(tmpdir(), "ens-egress-fx-")), "audit.jsonl");
  const env = {
    ENS_ENDPOINT: emulator.url,
    AUDIT_FILE: auditFile,
    API_TOKENS: LOCAL_SECRETS.apiToken,
    JIRA_WEBHOOK_SECRETS: LOCAL_SECRETS.jiraSecret,
    JIRA_AUTOMATION_TOKENS: LOCAL_SECRETS.jiraAutomationToken,
    SERVICENOW_TOKENS: LOCAL_SECRETS.serviceNowToken,
    STANDARD_WEBHOOK_SECRETS: LOCAL_SECRETS.standardWebhookSecret,
    JIRA_FIELD_MAP: JSON.stringify(LOCAL_JIRA_FIELD_MAP),
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "5",
    RETRY_MAX_ATTEMPTS: "3",
    LOG_LEVEL: "error",
  };
  http = loadBuiltFunction("http-intake", env);
  queue = loadBuiltFunction("queue-worker", env);
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(async () => {
  await control.call("POST", "reset");
  await control.call("POST", "security-groups", { SecurityGroupId: "sg-demo0001" });
  await control.call("POST", "security-groups", { SecurityGroupId: "sg-demo0002" });
});

const httpExpectations: Record<
  string,
  { status: number; outcomes?: string[]; calls: number; resign?: boolean }
> = {
  "rules-adhoc.json": { status: 200, outcomes: ["created"], calls: 1 },
  "jira-native.json": { status: 200, outcomes: ["created"], calls: 1 },
  "jira-automation.json": { status: 200, outcomes: ["created"], calls: 1 },
  "jira-automation-bearer.json": { status: 200, outcomes: ["created"], calls: 1 },
  "servicenow.json": { status: 200, outcomes: ["created", "created"], calls: 2 },
  "generic-standard-webhook.json": { status: 200, outcomes: ["dry_run"], calls: 0, resign: true },
  "bad-signature-jira.json": { status: 401, calls: 0 },
  "stale-standard-webhook.json": { status: 401, calls: 0 },
  "oversized-body.json": { status: 413, calls: 0 },
  "healthz.json": { status: 200, calls: 0 },
};

describe("http-intake fixtures through the built bundle", () => {
  it("has an expectation for every HTTP fixture", () => {
    expect(readdirSync("events/http").sort()).toEqual(Object.keys(httpExpectations).sort());
  });

  for (const [name, expected] of Object.entries(httpExpectations)) {
    it(`${name}: ${expected.status}${expected.outcomes ? ` ${expected.outcomes.join(",")}` : ""}`, async () => {
      const stored = fixture(`http/${name}`);
      const event = expected.resign ? resignFixture(stored as never, { nowMs: Date.now() }) : stored;
      const before = readAuditEvents(auditFile).length;
      const answer = await replayHttp(event);
      expect(answer.statusCode, answer.body).toBe(expected.status);
      expect(answer.headers["content-type"]).toMatch(/^application\/json/);
      if (expected.outcomes) {
        expect(answer.json.results.map((r: { outcome: string }) => r.outcome)).toEqual(expected.outcomes);
        // The rule events; a request that names a Jira ticket is also summarised (docs/tickets.md).
        const events = readAuditEvents(auditFile)
          .slice(before)
          .filter((e) => String(e.type).startsWith("ens.egress_rule."));
        expect(events.map((e) => e.data.outcome)).toEqual(expected.outcomes);
        expect(answer.json.results.map((r: { auditId: string }) => r.auditId)).toEqual(
          events.map((e) => e.id),
        );
      }
      if (expected.status === 401) {
        expect(answer.json.error).toEqual({
          code: "Unauthorized",
          message: "authentication failed",
          auditId: expect.any(String),
        });
        expect(
          readAuditEvents(auditFile)
            .slice(before)
            .map((e) => e.data.errorCode),
        ).toEqual(["Unauthorized"]);
      }
      expect(await control.ensCalls()).toBe(expected.calls);
    });
  }

  it("a malformed FC event is a 400, not a crash", async () => {
    const result = (await http(Buffer.from("not an event"), createFcContext({ credentials }))) as {
      statusCode: number;
    };
    expect(result.statusCode).toBe(400);
  });

  it("a replayed Standard Webhooks delivery creates nothing new and keeps its audit id", async () => {
    const original = resignFixture(fixture("http/generic-standard-webhook.json") as never, {
      nowMs: Date.now(),
    }) as Record<string, any>;
    const body = JSON.parse(original.body);
    delete body.DryRun;
    const live = resignFixture({ ...original, body: JSON.stringify(body) } as never, {
      nowMs: Date.now(),
    }) as Record<string, any>;
    const first = await replayHttp(live);
    const again = await replayHttp(live);
    expect(first.json.results[0].outcome).toBe("created");
    expect(again.json.results[0].outcome).toBe("already_exists");
    expect(again.json.results[0].auditId).toBe(first.json.results[0].auditId);
    const group = await control.call("GET", "security-groups/sg-demo0001");
    const group2 = await control.call("GET", "security-groups/sg-demo0002");
    expect(group.Permissions.length + group2.Permissions.length).toBe(1);
  });

  it("refuses world-open egress with 403 naming the guardrail, and makes no ENS call", async () => {
    const event = fixture("http/rules-adhoc.json");
    const openBody = JSON.stringify({
      SecurityGroupId: "sg-demo0001",
      IpProtocol: "all",
      PortRange: "-1/-1",
      DestCidrIp: "0.0.0.0/0",
    });
    const answer = await replayHttp({ ...event, body: openBody, isBase64Encoded: false });
    expect(answer.statusCode).toBe(403);
    expect(answer.json.error.code).toMatch(/^Policy\./);
    expect(answer.json.error.guardrail).toBe(answer.json.error.code.slice("Policy.".length));
    expect(await control.ensCalls()).toBe(0);
    const wideTcp = JSON.stringify({
      SecurityGroupId: "sg-demo0001",
      IpProtocol: "tcp",
      PortRange: "1/65535",
      DestCidrIp: "0.0.0.0/0",
    });
    expect((await replayHttp({ ...event, body: wideTcp, isBase64Encoded: false })).statusCode).toBe(403);
    expect(await control.ensCalls()).toBe(0);
  });

  it("answers 400 with the field and the rule for an invalid request", async () => {
    const event = fixture("http/rules-adhoc.json");
    const body = JSON.stringify({
      SecurityGroupId: "sg-demo0001",
      IpProtocol: "icmp",
      PortRange: "22/22",
      DestCidrIp: "10.0.0.0/8",
    });
    const answer = await replayHttp({ ...event, body, isBase64Encoded: false });
    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.code).toBe("InvalidRequest");
    expect(answer.json.error.issues).toEqual([
      { path: "PortRange", message: expect.stringContaining("-1/-1") },
    ]);
    expect(await control.ensCalls()).toBe(0);
  });
});

const queueExpectations: Record<string, string[][]> = {
  "eventbridge-mns-base64-batch.json": [["created"], ["created"], ["created", "created"]],
  "eventbridge-rocketmq.json": [["created"]],
  "eventbridge-kafka.json": [["created"], ["created"]],
  "mns-topic-stream.json": [["created"]],
  "mns-topic-json.json": [["created"]],
  "direct-invoke.json": [["created", "created"]],
  "poison-message.json": [["created"], ["rejected"]],
};

describe("queue-worker fixtures through the built bundle", () => {
  it("has an expectation for every queue fixture", () => {
    expect(readdirSync("events/queue").sort()).toEqual(Object.keys(queueExpectations).sort());
  });

  for (const [name, outcomes] of Object.entries(queueExpectations)) {
    it(`${name}: ${outcomes.map((o) => o.join("+")).join(", ")}`, async () => {
      const before = readAuditEvents(auditFile).length;
      const raw = readFileSync(join("events/queue", name));
      const summary = (await queue(raw, createFcContext({ credentials }))) as {
        messages: Array<{ rules: Array<{ outcome: string }> }>;
      };
      expect(summary.messages.map((m) => m.rules.map((r) => r.outcome))).toEqual(outcomes);
      expect(readAuditEvents(auditFile).length - before).toBe(outcomes.flat().length);
    });
  }

  it("redelivered batch: rules already created come back as already_exists with the same audit ids", async () => {
    const raw = readFileSync("events/queue/eventbridge-mns-base64-batch.json");
    const first = (await queue(raw, createFcContext({ credentials }))) as {
      messages: Array<{ rules: Array<{ auditId: string }> }>;
    };
    const again = (await queue(raw, createFcContext({ credentials }))) as {
      messages: Array<{ rules: Array<{ auditId: string; outcome: string }> }>;
    };
    expect(again.messages.flatMap((m) => m.rules.map((r) => r.outcome))).toEqual([
      "already_exists",
      "already_exists",
      "already_exists",
      "already_exists",
    ]);
    expect(again.messages.flatMap((m) => m.rules.map((r) => r.auditId))).toEqual(
      first.messages.flatMap((m) => m.rules.map((r) => r.auditId)),
    );
  });
});
