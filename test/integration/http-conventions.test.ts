/**
 * Issue 4: both FC HTTP conventions give identical answers. Each HTTP fixture goes through the built http-intake
 * once as an FC 3.0 event and once as an FC 2.0 `(req, resp, context)` call, with the same request id and the
 * same emulator state, and the two answers must match (ENS request ids aside: the emulator makes new ones).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { emulatorControl } from "../helpers/emulator-client.ts";
import { LOCAL_JIRA_FIELD_MAP, LOCAL_SECRETS, resignFixture } from "../helpers/sign-fixture.ts";

const credentials = { accessKeyId: "cv-ak", accessKeySecret: "cv-secret" };
let emulator: EnsEmulator;
let http: BuiltHandler;

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

function normalise(answer: Answer): Answer {
  const body = JSON.parse(String(answer.body), (key, value) =>
    key === "ensRequestId" && value !== null ? "<id>" : value,
  );
  return { ...answer, body };
}

async function resetEmulator(): Promise<void> {
  await emulatorControl(emulator.url).resetWith("sg-demo0001", "sg-demo0002");
}

async function viaFc3(event: Record<string, any>, requestId: string): Promise<Answer> {
  const result = (await http(
    Buffer.from(JSON.stringify(event)),
    createFcContext({ credentials, requestId }),
  )) as Answer & {
    isBase64Encoded: boolean;
  };
  expect(result.isBase64Encoded).toBe(false);
  return normalise({ statusCode: result.statusCode, headers: result.headers, body: result.body });
}

async function viaFc2(event: Record<string, any>, requestId: string): Promise<Answer> {
  const body = event.isBase64Encoded
    ? Buffer.from(event.body, "base64")
    : Buffer.from(event.body ?? "", "utf8");
  const req = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    method: event.requestContext.http.method,
    path: event.requestContext.http.path,
    url: event.rawPath,
    headers: Object.fromEntries(
      Object.entries(event.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    ),
    queries: event.queryParameters ?? {},
    clientIP: event.requestContext.http.sourceIp,
  });
  const answer: Answer = { statusCode: 0, headers: {}, body: "" };
  const resp = {
    setStatusCode: (code: number) => {
      answer.statusCode = code;
    },
    setHeader: (name: string, value: string) => {
      answer.headers[name] = value;
    },
    send: (payload: Buffer | string) => {
      answer.body = String(payload);
    },
  };
  await http(req, resp, createFcContext({ credentials, requestId }));
  return normalise(answer);
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  http = loadBuiltFunction("http-intake", {
    ENS_ENDPOINT: emulator.url,
    API_TOKENS: LOCAL_SECRETS.apiToken,
    JIRA_WEBHOOK_SECRETS: LOCAL_SECRETS.jiraSecret,
    JIRA_AUTOMATION_TOKENS: LOCAL_SECRETS.jiraAutomationToken,
    SERVICENOW_TOKENS: LOCAL_SECRETS.serviceNowToken,
    STANDARD_WEBHOOK_SECRETS: LOCAL_SECRETS.standardWebhookSecret,
    JIRA_FIELD_MAP: JSON.stringify(LOCAL_JIRA_FIELD_MAP),
    LOG_LEVEL: "error",
  });
});

afterAll(async () => {
  await emulator?.close();
});

describe("FC 3.0 and FC 2.0 conventions", () => {
  for (const name of readdirSync("events/http")) {
    it(`${name} gets the same answer both ways`, async () => {
      const stored = JSON.parse(readFileSync(join("events/http", name), "utf8"));
      const event =
        name === "generic-standard-webhook.json" ? resignFixture(stored, { nowMs: Date.now() }) : stored;
      const requestId = `conv-${name}`;
      await resetEmulator();
      const fc3 = await viaFc3(event, requestId);
      await resetEmulator();
      const fc2 = await viaFc2(event, requestId);
      expect(fc2).toEqual(fc3);
      expect(fc3.statusCode).toBeGreaterThanOrEqual(200);
    });
  }
});
