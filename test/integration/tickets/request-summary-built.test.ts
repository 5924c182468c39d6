/**
 * The request summary from the built functions (dist/http-intake, dist/queue-worker) against the ENS emulator: one
 * `ens.egress_request.settled` per settled delivery that names a ticket, with the same id when the delivery comes
 * again; none while the delivery still needs redelivery; none for a request that names no ticket; and the per-rule
 * events exactly as before.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../../helpers/built-function.ts";
import { type EmulatorControl, emulatorControl } from "../../helpers/emulator-client.ts";
import { fc3HttpEvent } from "../../helpers/fc3-http-event.ts";
import { validateJsonSchema } from "../../helpers/json-schema-lite.ts";
import { mnsQueueEvent } from "../../helpers/mns-event.ts";

const credentials = { accessKeyId: "sum-ak", accessKeySecret: "sum-secret-value" };
const SNOW_TOKEN = "summary-servicenow-token-1";
const SYS_ID = "9d385017c611228701d22104cc95c371";
const schema = JSON.parse(readFileSync("events/audit/request-settled-v1.json", "utf8")) as Record<
  string,
  unknown
>;

let emulator: EnsEmulator;
let control: EmulatorControl;
let dir: string;
let http: BuiltHandler;
let queue: BuiltHandler;

type Json = Record<string, any>;
const events = (): Json[] => {
  try {
    return readFileSync(join(dir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Json);
  } catch {
    return [];
  }
};
const summaries = () => events().filter((event) => event.type === "ens.egress_request.settled");

const RULE = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
};

function post(path: string, body: unknown, headers: Record<string, string>) {
  return http(
    fc3HttpEvent({ path, body: JSON.stringify(body), headers, requestId: "sum" }),
    createFcContext({ credentials, functionName: "http-intake" }),
  ) as Promise<{
    statusCode: number;
    body: string;
  }>;
}

function mnsBatch(messageId: string, body: unknown) {
  return [mnsQueueEvent(messageId, JSON.stringify(body), { base64: true })];
}

async function consume(batch: unknown): Promise<{ value?: Json; error?: Error }> {
  try {
    return {
      value: (await queue(Buffer.from(JSON.stringify(batch)), createFcContext({ credentials }))) as Json,
    };
  } catch (error) {
    return { error: error as Error };
  }
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  control = emulatorControl(emulator.url);
  dir = mkdtempSync(join(tmpdir(), "summary-built-"));
  const env = {
    ENS_ENDPOINT: emulator.url,
    AUDIT_FILE: join(dir, "audit.jsonl"),
    RETRY_MAX_ATTEMPTS: "2",
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "2",
    SERVICENOW_TOKENS: SNOW_TOKEN,
    LOG_LEVEL: "error",
  };
  http = loadBuiltFunction("http-intake", env);
  queue = loadBuiltFunction("queue-worker", env);
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  rmSync(join(dir, "audit.jsonl"), { force: true });
  await control.call("POST", "reset");
  await control.call("POST", "security-groups", { SecurityGroupId: "sg-demo0001" });
});

describe("http-intake", () => {
  it("a ServiceNow request naming its record: one summary, valid, after the rule events and listing them", async () => {
    const body = {
      ...RULE,
      TicketId: "CHG0030001",
      ServiceNowTable: "change_request",
      ServiceNowSysId: SYS_ID,
      Reason: "mirror",
    };
    const answer = await post("/webhooks/servicenow", body, {
      authorization: `Bearer ${SNOW_TOKEN}`,
      "idempotency-key": "chg-0030001-1",
    });
    expect(answer.statusCode).toBe(200);
    const all = events();
    expect(all.map((event) => event.type)).toEqual(["ens.egress_rule.created", "ens.egress_request.settled"]);
    const [rule, summary] = all as [Json, Json];
    expect(validateJsonSchema(schema, summary)).toEqual([]);
    expect(summary).toMatchObject({
      source: rule.source,
      subject: `change_request/${SYS_ID}`,
      data: {
        ticket: { system: "servicenow", table: "change_request", sysId: SYS_ID, number: "CHG0030001" },
        result: "applied",
        deliveryId: "chg-0030001-1",
        rules: [
          { ruleIndex: 0, outcome: "created", auditId: rule.id, ensRequestId: rule.data.ensRequestIds[0] },
        ],
      },
    });
    // The rule event is exactly what it was: no ticket field of the new kind.
    expect(Object.keys(rule.data)).not.toContain("ticket");
  });

  it("an invalid request that names its record still gets a summary saying it was refused", async () => {
    const body = { ...RULE, PortRange: "22", ServiceNowTable: "change_request", ServiceNowSysId: SYS_ID };
    const answer = await post("/webhooks/servicenow", body, { authorization: `Bearer ${SNOW_TOKEN}` });
    expect(answer.statusCode).toBe(400);
    const [summary] = summaries();
    expect(summary?.data).toMatchObject({
      result: "refused",
      rules: [{ outcome: "rejected", errorCode: "InvalidRequest" }],
    });
  });

  it("an operator's request with a TicketId names no ticket system: no summary", async () => {
    await post("/rules", { ...RULE, TicketId: "NET-1" }, { authorization: "Bearer unused" });
    expect(summaries()).toEqual([]);
  });
});

describe("queue-worker", () => {
  const body = { ...RULE, TicketId: "NET-77", TicketSystem: "jira" };

  it("no summary while the delivery needs redelivery; one, with the id a redelivery keeps, once it settles", async () => {
    await control.call("PUT", "faults", {
      seed: 1,
      faults: [
        { action: "AuthorizeSecurityGroupEgress", kind: "error", code: "ServiceUnavailable", count: 2 },
      ],
    });
    const first = await consume(mnsBatch("MSG-1", body));
    expect(first.error?.name).toBe("QueueRedeliveryError");
    expect(summaries()).toEqual([]);
    const second = await consume(mnsBatch("MSG-1", body));
    expect(second.value?.messages[0].redeliver).toBe(false);
    const third = await consume(mnsBatch("MSG-1", body));
    expect(third.value?.messages[0].rules[0].outcome).toBe("already_exists");
    const [a, b] = summaries();
    expect(a?.data).toMatchObject({
      ticket: { system: "jira", key: "NET-77" },
      result: "applied",
      deliveryId: "MSG-1",
    });
    expect(b?.id).toBe(a?.id);
    expect(summaries()).toHaveLength(2);
  });
});
