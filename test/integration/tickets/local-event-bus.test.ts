/**
 * The local audit bus behaves as the deployed EventBridge rule is configured to: it answers PutEvents at once, pushes
 * only the events its rule matches, through the FC invoke API signed with the local key, pushes a failed event again
 * with backoff, and dead-letters it when the retries run out.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalEventBus, startLocalEventBus } from "../../../local/fc-server/event-bus.ts";
import { verifyFcRequest } from "../../../local/fc-server/fc-signature.ts";

const KEY = { accessKeyId: "bus-ak", accessKeySecret: "bus-secret", accountId: "1234567890123456" };
const dir = mkdtempSync(join(tmpdir(), "event-bus-"));
let bus: LocalEventBus | null = null;
let fc: Server | null = null;

afterEach(async () => {
  await bus?.close();
  await new Promise<void>((resolve) => (fc ? fc.close(() => resolve()) : resolve()));
  bus = null;
  fc = null;
});

/** A stand-in for the FC invoke API: checks the signature, records the event, fails the first `failures` calls. */
async function fakeFc(failures: number) {
  const received: Array<{ path: string; body: unknown; signed: boolean }> = [];
  fc = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const verdict = verifyFcRequest(
        { method: "POST", path: req.url ?? "", headers: req.headers, body },
        { ...KEY, now: Date.now() },
      );
      received.push({ path: req.url ?? "", body: JSON.parse(body.toString("utf8")), signed: verdict.ok });
      const fail = received.length <= failures;
      res.writeHead(200, fail ? { "x-fc-error-type": "UnhandledInvocationError" } : {});
      res.end(fail ? '{"errorMessage":"down"}' : "{}");
    });
  });
  await new Promise<void>((resolve) => fc?.listen(0, "127.0.0.1", () => resolve()));
  return { url: `http://127.0.0.1:${(fc.address() as AddressInfo).port}`, received };
}

async function put(events: unknown[]) {
  const answer = await fetch(`${bus?.url}/openapi/putEvents`, {
    method: "POST",
    body: JSON.stringify(events),
  });
  return (await answer.json()) as { FailedEntryCount: number; EntryList: Array<{ EventId: string }> };
}

async function settle() {
  for (let i = 0; i < 200 && (bus?.pending() ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

describe("the local audit bus", () => {
  it("pushes the matching events, signed, and answers PutEvents at once", async () => {
    const target = await fakeFc(0);
    bus = await startLocalEventBus({
      rules: [{ types: ["ens.egress_request.settled"], functionName: "ticket-notifier" }],
      deadLetterFile: join(dir, "dlq-1.jsonl"),
      log: () => {},
    });
    bus.setTarget({ url: target.url, serviceName: "ens-egress", ...KEY });
    const answer = await put([
      { id: "a", type: "ens.egress_rule.created" },
      { id: "b", type: "ens.egress_request.settled" },
    ]);
    expect(answer).toMatchObject({ FailedEntryCount: 0, EntryList: [{ EventId: "a" }, { EventId: "b" }] });
    await settle();
    expect(target.received).toEqual([
      {
        path: "/2016-08-15/services/ens-egress/functions/ticket-notifier/invocations",
        body: { id: "b", type: "ens.egress_request.settled" },
        signed: true,
      },
    ]);
  });

  it("pushes a failed event again, and dead-letters it when the retries run out", async () => {
    const target = await fakeFc(10);
    bus = await startLocalEventBus({
      rules: [{ types: ["ens.egress_request.settled"], functionName: "ticket-notifier" }],
      deadLetterFile: join(dir, "dlq-2.jsonl"),
      maxRetries: 2,
      retryDelayMs: () => 5,
      log: () => {},
    });
    bus.setTarget({ url: target.url, serviceName: "ens-egress", ...KEY });
    await put([{ id: "c", type: "ens.egress_request.settled" }]);
    await settle();
    expect(target.received).toHaveLength(3);
    const [letter] = readFileSync(join(dir, "dlq-2.jsonl"), "utf8").trim().split("\n");
    expect(JSON.parse(letter ?? "{}")).toMatchObject({
      event: { id: "c" },
      reason: expect.stringContaining("down"),
    });
  });

  it("a push that fails once succeeds on the next, without a dead letter", async () => {
    const target = await fakeFc(1);
    bus = await startLocalEventBus({
      rules: [{ types: ["ens.egress_request.settled"], functionName: "ticket-notifier" }],
      deadLetterFile: join(dir, "dlq-3.jsonl"),
      retryDelayMs: () => 5,
      log: () => {},
    });
    bus.setTarget({ url: target.url, serviceName: "ens-egress", ...KEY });
    await put([{ id: "d", type: "ens.egress_request.settled" }]);
    await settle();
    expect(target.received).toHaveLength(2);
    expect(() => readFileSync(join(dir, "dlq-3.jsonl"))).toThrow();
  });
});

process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
