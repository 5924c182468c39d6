/**
 * Reliability under every emulator fault kind, through the built queue-worker: batches are delivered again until
 * the platform would stop redelivering, and then every message has exactly one terminal audit outcome per delivery,
 * no rule exists twice, and no invocation overran its deadline.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout } from "../helpers/capture-stdout.ts";
import { type EmulatorControl, emulatorControl, readAuditEvents } from "../helpers/emulator-client.ts";
import { mnsQueueEvent } from "../helpers/mns-event.ts";

const credentials = { accessKeyId: "rel-ak", accessKeySecret: "rel-secret" };
const TIMEOUT_SECONDS = 4;
const MESSAGES = 8;
const MAX_DELIVERIES = 6;
let emulator: EnsEmulator;
let control: EmulatorControl;
let queue: BuiltHandler;
let auditFile: string;

/** An EventBridge MNS batch of `MESSAGES` distinct rules over two groups. */
function batchEvent(tag: number): Buffer {
  const events = Array.from({ length: MESSAGES }, (_, i) =>
    mnsQueueEvent(
      `msg-${tag}-${i}`,
      JSON.stringify({
        SecurityGroupId: i % 2 === 0 ? "sg-demo0001" : "sg-demo0002",
        IpProtocol: "tcp",
        PortRange: `${1000 + i}/${1000 + i}`,
        DestCidrIp: "10.0.0.0/8",
        TicketId: `REL-${tag}-${i}`,
      }),
    ),
  );
  return Buffer.from(JSON.stringify(events));
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  control = emulatorControl(emulator.url);
  auditFile = join(mkdtempSync(join(tmpdir(), "ens-egress-rel-")), "audit.jsonl");
  queue = loadBuiltFunction("queue-worker", {
    ENS_ENDPOINT: emulator.url,
    AUDIT_FILE: auditFile,
    RETRY_MAX_ATTEMPTS: "3",
    RETRY_BASE_MS: "5",
    RETRY_MAX_DELAY_MS: "20",
    ENS_ATTEMPT_TIMEOUT_MS: "300",
    AUDIT_MARGIN_MS: "1000",
    QUEUE_CONCURRENCY: "4",
    LOG_LEVEL: "error",
  });
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(async () => {
  rmSync(auditFile, { force: true });
  await control.call("POST", "reset");
  await control.call("POST", "security-groups", { SecurityGroupId: "sg-demo0001" });
  await control.call("POST", "security-groups", { SecurityGroupId: "sg-demo0002" });
});

const FAULTS: Array<{ kind: string; code?: string }> = [
  { kind: "error", code: "ens.interface.error" },
  { kind: "error", code: "CallInterface" },
  { kind: "error", code: "Throttling.User" },
  { kind: "error", code: "ServiceUnavailable" },
  { kind: "error", code: "InternalError" },
  { kind: "reset" },
  { kind: "timeout" },
  { kind: "commit-then-error", code: "ens.interface.error" },
];

describe("every fault kind, delivered until settled", () => {
  for (const [index, fault] of FAULTS.entries()) {
    it(`${fault.kind}${fault.code ? ` ${fault.code}` : ""}`, async () => {
      await control.call("PUT", "faults", {
        seed: 7 + index,
        latencyMs: 0,
        faults: [{ action: "AuthorizeSecurityGroupEgress", ...fault, rate: 0.35 }],
      });
      const event = batchEvent(index);
      const capture = captureStdout();
      let deliveries = 0;
      let settled = false;
      try {
        while (!settled && deliveries < MAX_DELIVERIES) {
          deliveries++;
          const started = Date.now();
          try {
            await queue(event, createFcContext({ credentials, timeoutSeconds: TIMEOUT_SECONDS }));
            settled = true;
          } catch (error) {
            expect((error as Error).message).toMatch(/redelivery/);
          }
          // The deadline is a correctness property of the retry budget, not a speed target.
          expect(Date.now() - started).toBeLessThanOrEqual(TIMEOUT_SECONDS * 1000);
        }
      } finally {
        capture.stop();
      }
      expect(settled).toBe(true);
      const events = readAuditEvents(auditFile);
      expect(events).toHaveLength(deliveries * MESSAGES);
      const terminal = new Set(["created", "already_exists", "failed"]);
      for (const e of events) expect(terminal.has(e.data.outcome)).toBe(true);
      const lastDelivery = events.slice(-MESSAGES);
      for (const e of lastDelivery) expect(["created", "already_exists"]).toContain(e.data.outcome);
      expect(new Set(lastDelivery.map((e) => e.data.deliveryId)).size).toBe(MESSAGES);
      const groups = [
        await control.call("GET", "security-groups/sg-demo0001"),
        await control.call("GET", "security-groups/sg-demo0002"),
      ];
      const rules = groups.flatMap((g) =>
        g.Permissions.map((p: Record<string, unknown>) => JSON.stringify(p)),
      );
      expect(rules).toHaveLength(MESSAGES);
      expect(new Set(rules).size).toBe(MESSAGES);
    });
  }
});
