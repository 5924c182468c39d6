/**
 * Issue 4's batch acceptance through the built queue-worker: five messages in one EventBridge MNS batch — one new,
 * one poison, one already existing, one for a missing group, one with transient errors past its budget — give five
 * audit events with the right outcomes, and the invocation throws only because of the transient one.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout } from "../helpers/capture-stdout.ts";
import { emulatorControl, readAuditEvents } from "../helpers/emulator-client.ts";
import { mnsQueueEvent } from "../helpers/mns-event.ts";

const credentials = { accessKeyId: "b5-ak", accessKeySecret: "b5-secret" };
let emulator: EnsEmulator;
let auditFile: string;

const rule = (sg: string, port: number) => ({
  SecurityGroupId: sg,
  IpProtocol: "tcp",
  PortRange: `${port}/${port}`,
  DestCidrIp: "10.0.0.0/8",
});

function mnsMessage(messageId: string, body: string) {
  return mnsQueueEvent(messageId, body, { base64: true });
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    securityGroups: ["sg-demo0001", "sg-demo0002", "sg-flaky0001"],
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  auditFile = join(mkdtempSync(join(tmpdir(), "ens-egress-b5-")), "audit.jsonl");
});

afterAll(async () => {
  await emulator?.close();
});

it("five messages, five audit events, and a throw caused by the transient one only", async () => {
  const handler = loadBuiltFunction("queue-worker", {
    ENS_ENDPOINT: emulator.url,
    AUDIT_FILE: auditFile,
    RETRY_MAX_ATTEMPTS: "3",
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "5",
    LOG_LEVEL: "error",
  });
  const existing = rule("sg-demo0002", 5432);
  const capture = captureStdout();
  try {
    await handler(Buffer.from(JSON.stringify(existing)), createFcContext({ credentials }));
  } finally {
    capture.stop();
  }
  await emulatorControl(emulator.url).setFaults({
    seed: 1,
    faults: [
      {
        action: "AuthorizeSecurityGroupEgress",
        kind: "error",
        code: "ens.interface.error",
        securityGroupId: "sg-flaky0001",
      },
    ],
  });
  const batch = [
    mnsMessage("msg-new", JSON.stringify(rule("sg-demo0001", 443))),
    mnsMessage("msg-poison", "please open 443 to the mirror"),
    mnsMessage("msg-existing", JSON.stringify(existing)),
    mnsMessage("msg-missing", JSON.stringify(rule("sg-missing0001", 443))),
    mnsMessage("msg-transient", JSON.stringify(rule("sg-flaky0001", 443))),
  ];
  const before = readAuditEvents(auditFile).length;
  const run = captureStdout();
  let thrown: Error | undefined;
  try {
    await handler(Buffer.from(JSON.stringify(batch)), createFcContext({ credentials }));
  } catch (error) {
    thrown = error as Error;
  } finally {
    run.stop();
  }
  const events = readAuditEvents(auditFile).slice(before);
  const byMessage = Object.fromEntries(events.map((e) => [e.data.deliveryId, e.data]));
  expect(events).toHaveLength(5);
  expect(byMessage["msg-new"]).toMatchObject({ outcome: "created", attempts: 1 });
  expect(byMessage["msg-poison"]).toMatchObject({
    outcome: "rejected",
    errorCode: "InvalidRequest",
    attempts: 0,
    rule: null,
  });
  expect(byMessage["msg-existing"]).toMatchObject({ outcome: "already_exists", attempts: 0 });
  expect(byMessage["msg-missing"]).toMatchObject({
    outcome: "failed",
    errorCode: "InvalidSecurityGroupId.NotFound",
    attempts: 1,
  });
  expect(byMessage["msg-transient"]).toMatchObject({
    outcome: "failed",
    errorCode: "ens.interface.error",
    attempts: 3,
  });
  expect(thrown?.name).toBe("QueueRedeliveryError");
  expect(thrown?.message).toMatch(
    /^1 of 5 message\(s\) need redelivery: msg-transient ens\.interface\.error$/,
  );
  const summary = (
    thrown as Error & { summary: { messages: Array<{ messageId: string; redeliver: boolean }> } }
  ).summary;
  expect(summary.messages.filter((m) => m.redeliver).map((m) => m.messageId)).toEqual(["msg-transient"]);
});
