/**
 * The HTTP function under Function Compute 3.0's convention only. Each HTTP fixture goes through the built
 * http-intake twice: handed over as the FC 3.0 event it is, and sent as a real HTTP request to the local FC server,
 * whose trigger turns it into the FC 3.0 event again, under the same FC request id. Both must get the same answer
 * (ENS request ids aside), so the fixtures, the local stack and a deployment all exercise one code path. FC 2.0's
 * `(req, resp, context)` call is not a convention the function serves any more.
 */

import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import type { FcHandler } from "../../local/fc-server/function-loader.ts";
import { type FcServer, startFcServer } from "../../local/fc-server/server.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { emulatorControl } from "../helpers/emulator-client.ts";
import { LOCAL_JIRA_FIELD_MAP, LOCAL_SECRETS, resignFixture } from "../helpers/sign-fixture.ts";

const credentials = { accessKeyId: "cv-ak", accessKeySecret: "cv-secret" };
/** Response headers FC drops from a function's answer (and sets itself). */
const PLATFORM_HEADERS = /^(connection|content-length|date|keep-alive|server|upgrade|x-fc-.*)$/i;
let emulator: EnsEmulator;
let http: BuiltHandler;
let server: FcServer;

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The answer as the function gave it: ENS's request ids replaced (the emulator makes new ones), no FC headers. */
function normalise(answer: Answer): Answer {
  const body = JSON.parse(String(answer.body), (key, value) =>
    key === "ensRequestId" && value !== null ? "<ens-request-id>" : value,
  );
  const headers = Object.fromEntries(
    Object.entries(answer.headers)
      .filter(([name]) => !PLATFORM_HEADERS.test(name))
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { statusCode: answer.statusCode, headers, body };
}

async function resetEmulator(): Promise<void> {
  await emulatorControl(emulator.url).resetWith("sg-demo0001", "sg-demo0002");
}

/** The fixture as FC 3.0 hands it to the handler: a Buffer holding the event JSON. */
async function asEvent(event: Record<string, any>, requestId: string): Promise<Answer> {
  const result = (await http(
    Buffer.from(JSON.stringify(event)),
    createFcContext({ credentials, requestId, functionName: "http-intake" }),
  )) as Answer & { isBase64Encoded: boolean };
  expect(result.isBase64Encoded).toBe(false);
  return normalise(result);
}

/** The fixture as the HTTP request it records, sent to the local FC server's HTTP trigger; with FC's request id. */
function overHttp(event: Record<string, any>): Promise<{ answer: Answer; requestId: string }> {
  const body = event.isBase64Encoded
    ? Buffer.from(event.body, "base64")
    : Buffer.from(event.body ?? "", "utf8");
  const query = new URLSearchParams(event.queryParameters ?? {}).toString();
  const headers = Object.fromEntries(
    Object.entries(event.headers as Record<string, string>).filter(
      ([name]) => name.toLowerCase() !== "content-length",
    ),
  );
  const url = new URL(`${event.rawPath}${query ? `?${query}` : ""}`, server.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: event.requestContext.http.method, headers: { ...headers, "content-length": body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const requestId = String(response.headers["x-fc-request-id"]);
          const flat = Object.fromEntries(
            Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
          );
          const answer = { statusCode: response.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) };
          resolve({ answer: normalise(answer), requestId });
        });
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
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
  server = await startFcServer({
    port: 0,
    serviceName: "ens-egress",
    httpFunction: "http-intake",
    functions: [{ name: "http-intake", handler: http as FcHandler, timeoutSeconds: 30, memoryMb: 512 }],
    fcKey: { accessKeyId: "local-fc-ak", accessKeySecret: "local-fc-secret" },
    accountId: "1234567890123456",
    region: "cn-hangzhou",
    credentials,
    log: () => {},
    writeFunctionLog: () => {},
  });
});

afterAll(async () => {
  await server?.close();
  await emulator?.close();
});

describe("the FC 3.0 HTTP convention, direct and through the local HTTP trigger", () => {
  for (const name of readdirSync("events/http")) {
    it(`${name} gets the same answer both ways`, async () => {
      const stored = JSON.parse(readFileSync(join("events/http", name), "utf8"));
      const event =
        name === "generic-standard-webhook.json" ? resignFixture(stored, { nowMs: Date.now() }) : stored;
      await resetEmulator();
      const viaTrigger = await overHttp(event);
      await resetEmulator();
      const direct = await asEvent(event, viaTrigger.requestId);
      expect(viaTrigger.answer).toEqual(direct);
      expect(direct.statusCode).toBeGreaterThanOrEqual(200);
      expect(direct.headers["content-type"]).toMatch(/^application\/json/);
    });
  }
});

describe("FC 2.0's (req, resp, context) call", () => {
  it("is not answered through resp: the function returns FC 3.0's 400 for a non-HTTP event instead", async () => {
    const sent: unknown[] = [];
    const resp = {
      setStatusCode: (code: number) => sent.push(code),
      setHeader: (name: string) => sent.push(name),
      send: (body: unknown) => sent.push(body),
    };
    const req = { method: "GET", path: "/healthz", headers: {}, queries: {}, clientIP: "10.0.0.1" };
    const result = (await http(req, resp, createFcContext({ credentials, requestId: "fc2-call" }))) as Answer;
    expect(sent).toEqual([]);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: { code: "InvalidRequest" } });
  });
});
