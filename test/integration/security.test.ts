/**
 * Security suite, through the built http-intake and queue-worker: forged, stale and replayed webhooks make no ENS
 * call or create nothing new, and no secret (access key secret, STS token, webhook secrets, API tokens, signatures,
 * Authorization headers) appears in any output: the function log, the audit file, the audit HTTP receiver, HTTP
 * answers or thrown errors; not even when ENS echoes the request in a signature error. A configured secret shorter
 * than 16 characters stops the cold start, and no secret, however short, makes an output stop being JSON.
 */

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequestV1 } from "#shared/adapters/ens/sign-v1.ts";
import { signJiraBody } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type AuditReceiver, startHttpAuditReceiver } from "../helpers/audit-receivers.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout, type StdoutCapture } from "../helpers/capture-stdout.ts";
import { type EmulatorControl, emulatorControl } from "../helpers/emulator-client.ts";
import { fc3HttpEvent } from "../helpers/fc3-http-event.ts";
import { isAuditEvent, leakedSpellings, parseLines, spellingsOf } from "../helpers/secret-spellings.ts";

const secrets = {
  accessKeySecret: "SEC-ak-secret-5f1e0c2b9a",
  securityToken: "SEC-sts-token-8d7c6b5a4f",
  apiToken: "SEC-api-token-1a2b3c4d5e",
  jiraSecret: "SEC-jira-secret-9f8e7d6c",
  jiraAutomationToken: "SEC-jira-auto-token-77aa",
  serviceNowToken: "SEC-snow-token-3c2b1a0f",
  standardWebhookSecret: `whsec_${Buffer.from("SEC-standard-webhook-key-4e5f6a7b").toString("base64")}`,
  auditHttpSecret: `whsec_${Buffer.from("SEC-audit-http-key-0b1c2d3e").toString("base64")}`,
};
const credentials = {
  accessKeyId: "SEC-AK-ID",
  accessKeySecret: secrets.accessKeySecret,
  securityToken: secrets.securityToken,
};
/** STS credentials as FC may pass them, too short for any length rule: FC, not the operator, chooses them. */
const shortCredentials = [
  { accessKeyId: "SEC-SHORT-1", accessKeySecret: "e", securityToken: "null" },
  { accessKeyId: "SEC-SHORT-2", accessKeySecret: "1", securityToken: "t" },
];
/** What the function signs with, and what ENS expects (another secret): ENS answers SignatureDoesNotMatch. */
const echoCredentials = {
  accessKeyId: "SEC-ECHO-AK",
  accessKeySecret: "SEC-echo-client-secret-1f2e3d",
  securityToken: "CAISecho/sts+token=with/special+chars==",
};
const ECHO_SERVER_SECRET = "SEC-echo-server-secret-9a8b7c";

let emulator: EnsEmulator;
let control: EmulatorControl;
let receiver: AuditReceiver;
let http: BuiltHandler;
let httpV1: BuiltHandler;
let queue: BuiltHandler;
let env: Record<string, string>;
let auditFile: string;
let capture: StdoutCapture;
const answers: string[] = [];
const signatures: string[] = [];

function event(path: string, body: string, headers: Record<string, string>): Buffer {
  return fc3HttpEvent({ path, body, headers, sourceIp: "10.9.9.9", requestId: `sec-${Math.random()}` });
}

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string>,
  options: { handler?: BuiltHandler; credentials?: typeof credentials } = {},
): Promise<{ statusCode: number; body: string }> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const result = (await (options.handler ?? http)(
    event(path, text, headers),
    createFcContext({ credentials: options.credentials ?? credentials, functionName: "http-intake" }),
  )) as {
    statusCode: number;
    body: string;
  };
  answers.push(JSON.stringify(result));
  return result;
}

function standardHeaders(id: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = signStandardWebhook(id, timestamp, body, secrets.standardWebhookSecret);
  signatures.push(signature.replace(/^v1,/, ""));
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

const rule = (port: number) => ({
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: `${port}/${port}`,
  DestCidrIp: "10.0.0.0/8",
});

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
      ...shortCredentials.map((c) => ({
        id: c.accessKeyId,
        secret: c.accessKeySecret,
        securityToken: c.securityToken,
      })),
      {
        id: echoCredentials.accessKeyId,
        secret: ECHO_SERVER_SECRET,
        securityToken: echoCredentials.securityToken,
      },
    ],
  });
  control = emulatorControl(emulator.url);
  receiver = await startHttpAuditReceiver({ secret: secrets.auditHttpSecret });
  auditFile = join(mkdtempSync(join(tmpdir(), "ens-egress-sec-")), "audit.jsonl");
  env = {
    ENS_ENDPOINT: emulator.url,
    AUDIT_FILE: auditFile,
    AUDIT_HTTP_URL: receiver.url,
    AUDIT_HTTP_SECRET: secrets.auditHttpSecret,
    API_TOKENS: secrets.apiToken,
    JIRA_WEBHOOK_SECRETS: secrets.jiraSecret,
    JIRA_AUTOMATION_TOKENS: secrets.jiraAutomationToken,
    SERVICENOW_TOKENS: secrets.serviceNowToken,
    STANDARD_WEBHOOK_SECRETS: secrets.standardWebhookSecret,
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "2",
    RETRY_MAX_ATTEMPTS: "2",
    LOG_LEVEL: "debug",
  };
  http = loadBuiltFunction("http-intake", env);
  httpV1 = loadBuiltFunction("http-intake", { ...env, ENS_SIGNATURE_VERSION: "v1" });
  queue = loadBuiltFunction("queue-worker", env);
  capture = captureStdout();
});

afterAll(async () => {
  capture?.stop();
  await receiver?.close();
  await emulator?.close();
});

describe("forged, stale and replayed deliveries", () => {
  it("a forged Jira signature makes no ENS call", async () => {
    const body = JSON.stringify(rule(2001));
    const forged = signJiraBody(body, "not-the-secret");
    const before = await control.ensCalls();
    expect((await post("/webhooks/jira", body, { "x-hub-signature": forged })).statusCode).toBe(401);
    expect(await control.ensCalls()).toBe(before);
  });

  it("a tampered body under a genuine signature makes no ENS call", async () => {
    const signed = JSON.stringify(rule(2002));
    const signature = signJiraBody(signed, secrets.jiraSecret);
    signatures.push(signature.replace(/^sha256=/, ""));
    const before = await control.ensCalls();
    const tampered = JSON.stringify({ ...rule(2002), PortRange: "1/65535" });
    expect((await post("/webhooks/jira", tampered, { "x-hub-signature": signature })).statusCode).toBe(401);
    expect(await control.ensCalls()).toBe(before);
  });

  it("a stale or future Standard Webhooks delivery makes no ENS call", async () => {
    const body = JSON.stringify(rule(2003));
    const before = await control.ensCalls();
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301, now - 86_400]) {
      expect(
        (await post("/webhooks/generic", body, standardHeaders("msg_stale", body, timestamp))).statusCode,
      ).toBe(401);
    }
    expect(await control.ensCalls()).toBe(before);
  });

  it("a wrong or missing bearer token makes no ENS call, and the 401 says nothing about why", async () => {
    const before = await control.ensCalls();
    const bodies = new Set<string>();
    for (const headers of [
      {},
      { authorization: "Bearer nope" },
      { authorization: `Bearer ${secrets.serviceNowToken}` },
      { authorization: secrets.apiToken },
    ]) {
      const answer = await post("/rules", rule(2004), headers);
      expect(answer.statusCode).toBe(401);
      bodies.add(JSON.parse(answer.body).error.message);
    }
    expect([...bodies]).toEqual(["authentication failed"]);
    expect(await control.ensCalls()).toBe(before);
  });

  it("a replayed webhook creates nothing new", async () => {
    const body = JSON.stringify(rule(2005));
    const headers = standardHeaders("msg_replayed", body);
    const first = await post("/webhooks/generic", body, headers);
    const replay = await post("/webhooks/generic", body, headers);
    expect(JSON.parse(first.body).results[0].outcome).toBe("created");
    expect(JSON.parse(replay.body).results[0].outcome).toBe("already_exists");
    const group = (await (await fetch(`${emulator.url}/__emulator/security-groups/sg-demo0001`)).json()) as {
      Permissions: Array<{ PortRange: string }>;
    };
    expect(group.Permissions.filter((p) => p.PortRange === "2005/2005")).toHaveLength(1);
  });
});

/** Everything the functions wrote since `mark` (see `outputMark`), each output parsed. */
function outputsSince(mark: { log: number; requests: number; answers: number }) {
  const log = parseLines(capture.text().slice(mark.log));
  const auditFileEvents = parseLines(existsSync(auditFile) ? readFileSync(auditFile, "utf8") : "");
  const received = receiver.requests.slice(mark.requests).map((r) => JSON.parse(r.body) as unknown);
  const answerBodies = answers.slice(mark.answers).map((a) => {
    const result = JSON.parse(a) as { body: string };
    return JSON.parse(result.body) as Record<string, unknown>;
  });
  return { log, auditFileEvents, received, answerBodies };
}

function outputMark() {
  return { log: capture.text().length, requests: receiver.requests.length, answers: answers.length };
}

describe("configured secrets that could corrupt output", () => {
  const ADVICE = "use a random 32-byte value, e.g. `openssl rand -base64 32`";

  it("a configured secret shorter than 16 characters stops the cold start, naming the variable, never the value", () => {
    const cases: Array<[string, string]> = [
      ["API_TOKENS", "rule"],
      ["API_TOKENS", "null"],
      ["JIRA_WEBHOOK_SECRETS", "demo"],
      ["JIRA_AUTOMATION_TOKENS", "t"],
      ["SERVICENOW_TOKENS", "sg-demo0001"],
      ["STANDARD_WEBHOOK_SECRETS", `whsec_${Buffer.from("fifteen-bytes!!").toString("base64")}`],
      ["AUDIT_HTTP_SECRET", `whsec_${Buffer.from("short").toString("base64")}`],
    ];
    for (const [name, value] of cases) {
      for (const fn of ["http-intake", "queue-worker"] as const) {
        let error: (Error & { variable?: string }) | undefined;
        try {
          loadBuiltFunction(fn, { ...env, [name]: value });
        } catch (caught) {
          error = caught as Error & { variable?: string };
        }
        expect(error, `${fn} started with ${name}=${value}`).toBeDefined();
        expect(error?.variable).toBe(name);
        expect(error?.message).toMatch(
          new RegExp(
            `^${name}: (it is shorter than 16 characters|its key \\(the Base64 after "whsec_"\\) decodes to fewer than 16 bytes); `,
          ),
        );
        expect(error?.message.endsWith(ADVICE)).toBe(true);
      }
    }
  });

  it("STS credentials of any length (FC chooses them) never make an answer, log line or audit event stop being JSON", async () => {
    for (const short of shortCredentials) {
      const mark = outputMark();
      const answer = await post(
        "/rules",
        { ...rule(4001), TicketId: "NET-4001" },
        {
          authorization: `Bearer ${secrets.apiToken}`,
        },
        { credentials: short },
      );
      expect(answer.statusCode).toBe(200);
      const refused = await post(
        "/rules",
        { ...rule(4002), PortRange: "22/x" },
        {
          authorization: `Bearer ${secrets.apiToken}`,
        },
        { credentials: short },
      );
      expect(refused.statusCode).toBe(400);
      const outputs = outputsSince(mark);
      const [created, invalid] = outputs.answerBodies as [
        { results: Array<Record<string, unknown>> },
        { error: Record<string, unknown> },
      ];
      expect(Object.keys(created.results[0] ?? {})).toEqual(
        expect.arrayContaining(["outcome", "auditId", "rule"]),
      );
      expect(Object.keys(invalid.error)).toEqual(expect.arrayContaining(["code", "message", "issues"]));
      const events = [...outputs.log.filter(isAuditEvent), ...outputs.received.filter(isAuditEvent)];
      expect(events.length).toBeGreaterThanOrEqual(4);
      for (const e of events) {
        expect(e.type).toMatch(/^ens\.egress_rule\.(created|already_exists|rejected)$/);
        expect(Object.keys(e)).toEqual(
          expect.arrayContaining(["specversion", "id", "source", "type", "time", "data"]),
        );
      }
    }
  });
});

describe("ENS errors that echo the request", () => {
  const token = echoCredentials.securityToken;
  const needles = [...spellingsOf(token), ...spellingsOf(echoCredentials.accessKeySecret)];

  it("the emulator echoes the string to sign as the gateway does, token twice percent-encoded", async () => {
    const signed = signRequestV1({
      method: "POST",
      params: { SecurityGroupId: "sg-demo0001" },
      action: "DescribeSecurityGroupAttribute",
      version: "2017-11-10",
      credentials: echoCredentials,
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      nonce: `echo-${Math.random()}`,
    });
    const response = await fetch(`${emulator.url}/?${signed.queryString}`, { method: "POST" });
    const body = (await response.json()) as { Code: string; Message: string };
    expect(body.Code).toBe("SignatureDoesNotMatch");
    expect(body.Message).toMatch(
      /^Specified signature is not matched with our calculation\. server string to sign is:POST&%2F&/,
    );
    expect(body.Message).toContain(encodeURIComponent(encodeURIComponent(token)));
  });

  it.each([
    ["V1", () => httpV1],
    ["V3", () => http],
  ])(
    "%s: the answer, the audit events and the log hold no spelling of the STS credentials",
    async (_, handler) => {
      const mark = outputMark();
      const answer = await post(
        "/rules",
        rule(4101),
        { authorization: `Bearer ${secrets.apiToken}` },
        {
          handler: handler(),
          credentials: echoCredentials,
        },
      );
      expect(answer.statusCode).toBe(502);
      const outputs = outputsSince(mark);
      expect(outputs.log.filter(isAuditEvent).length).toBeGreaterThan(0);
      expect(leakedSpellings(outputs, needles)).toEqual([]);
      const raw = `${capture.text().slice(mark.log)}\n${answers.slice(mark.answers).join("\n")}`;
      for (const needle of needles) expect(raw.includes(needle), `leaked ${needle}`).toBe(false);
      // ENS's free text (the string to sign) is not forwarded: the error table's fixed text replaces it.
      const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("SignatureDoesNotMatch");
      expect(body.error.message).toContain("ENS computed another signature for the call");
      expect(raw).not.toContain("string to sign");
    },
  );

  it.each([
    ["V1", "v1"],
    ["V3", "v3"],
  ])(
    "%s: the queue-worker's summary, thrown error and log hold no spelling of them either",
    async (_, version) => {
      const worker = loadBuiltFunction("queue-worker", { ...env, ENS_SIGNATURE_VERSION: version });
      const mark = outputMark();
      let output = "";
      try {
        output = JSON.stringify(
          await worker(
            Buffer.from(JSON.stringify(rule(4102))),
            createFcContext({ credentials: echoCredentials }),
          ),
        );
      } catch (error) {
        output = `${(error as Error).message}\n${JSON.stringify(error)}`;
      }
      const raw = `${output}\n${capture.text().slice(mark.log)}`;
      for (const needle of needles) expect(raw.includes(needle), `leaked ${needle}`).toBe(false);
      expect(output).toContain("SignatureDoesNotMatch");
      expect(raw).not.toContain("string to sign");
    },
  );
});

describe("no secret in any output", () => {
  it("drives every route and the queue, then finds no secret anywhere", async () => {
    const body = JSON.stringify({ ...rule(3001), Reason: "routine" });
    await post("/rules", body, { authorization: `Bearer ${secrets.apiToken}` });
    await post("/webhooks/servicenow", body, { authorization: `Bearer ${secrets.serviceNowToken}` });
    await post("/webhooks/jira", body, { authorization: `Bearer ${secrets.jiraAutomationToken}` });
    const jiraSignature = signJiraBody(body, secrets.jiraSecret);
    signatures.push(jiraSignature.replace(/^sha256=/, ""));
    await post("/webhooks/jira", body, { "x-hub-signature": jiraSignature });
    await post("/webhooks/generic", body, standardHeaders("msg_all_routes", body));
    // A requester who pastes a secret into a free-text field must not get it into the audit trail either.
    await post(
      "/rules",
      { ...rule(3002), Reason: `token is ${secrets.apiToken}` },
      { authorization: `Bearer ${secrets.apiToken}` },
    );
    await post(
      "/rules",
      { ...rule(3003), PortRange: secrets.apiToken },
      { authorization: `Bearer ${secrets.apiToken}` },
    );
    // Permanent and transient ENS failures go through the error paths.
    await fetch(`${emulator.url}/__emulator/faults`, {
      method: "PUT",
      body: JSON.stringify({
        seed: 3,
        faults: [{ action: "AuthorizeSecurityGroupEgress", kind: "error", code: "NoPermission", rate: 1 }],
      }),
    });
    await post("/rules", rule(3004), { authorization: `Bearer ${secrets.apiToken}` });
    await fetch(`${emulator.url}/__emulator/faults`, {
      method: "PUT",
      body: JSON.stringify({
        seed: 3,
        faults: [
          { action: "AuthorizeSecurityGroupEgress", kind: "error", code: "ens.interface.error", rate: 1 },
        ],
      }),
    });
    await post("/rules", rule(3005), { authorization: `Bearer ${secrets.apiToken}` });
    let thrown = "";
    try {
      await queue(Buffer.from(JSON.stringify(rule(3006))), createFcContext({ credentials }));
    } catch (error) {
      thrown = `${(error as Error).message}\n${(error as Error).stack ?? ""}\n${JSON.stringify(error)}`;
    }
    expect(thrown).toMatch(/redelivery/);
    await fetch(`${emulator.url}/__emulator/faults`, {
      method: "PUT",
      body: JSON.stringify({ seed: 3, faults: [] }),
    });

    const outputs = {
      log: capture.text(),
      auditFile: existsSync(auditFile) ? readFileSync(auditFile, "utf8") : "",
      receiver: receiver.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join("\n"),
      answers: answers.join("\n"),
      thrown,
    };
    expect(outputs.log.length).toBeGreaterThan(0);
    expect(outputs.auditFile.length).toBeGreaterThan(0);
    expect(receiver.events.length).toBeGreaterThan(0);
    const needles = [
      ...Object.values(secrets),
      ...signatures,
      Buffer.from("SEC-standard-webhook-key-4e5f6a7b").toString("base64"),
    ];
    for (const [where, text] of Object.entries(outputs)) {
      for (const needle of needles) {
        expect(text.includes(needle), `${where} contains a secret (${needle.slice(0, 8)}...)`).toBe(false);
      }
      expect(/ACS3-HMAC-SHA256 Credential=/.test(text), `${where} contains an ENS Authorization header`).toBe(
        false,
      );
    }
  });
});
