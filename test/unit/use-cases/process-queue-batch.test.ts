import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../../shared/domain/policy.ts";
import type { AuthorizeDeps } from "../../../shared/use-cases/authorize-egress-request.ts";
import {
  type BatchMessage,
  processQueueBatch,
  runScheduled,
  securityGroupsOf,
} from "../../../shared/use-cases/process-queue-batch.ts";
import { createFakeAuditTrail } from "../../fakes/fake-audit-trail.ts";
import { createFakeEnsClient } from "../../fakes/fake-ens-client.ts";
import { createMemoryLogger } from "../../fakes/fake-logger.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const budget = { ensDeadline: NOW + 10_000, auditDeadline: NOW + 11_000 };
const credentials = { accessKeyId: "ak", accessKeySecret: "secret" };

function message(id: string, body: unknown): BatchMessage {
  return { messageId: id, trigger: "queue:mns", body: { ok: true, value: body } };
}
const rule = (sg: string, port = 443) => ({
  SecurityGroupId: sg,
  IpProtocol: "tcp",
  PortRange: `${port}/${port}`,
  DestCidrIp: "10.0.0.0/8",
});

function deps(
  ens = createFakeEnsClient(),
): AuthorizeDeps & { audit: ReturnType<typeof createFakeAuditTrail> } {
  return {
    ens,
    audit: createFakeAuditTrail(),
    policy: DEFAULT_POLICY,
    policyMode: "enforce",
    clock: { now: () => NOW },
    logger: createMemoryLogger(),
    auditSource: "test",
  };
}

describe("processQueueBatch", () => {
  it("settles a mixed batch: poison and permanent errors are acknowledged, transient ones redelivered", async () => {
    const ens = createFakeEnsClient((r) => {
      if (r.SecurityGroupId === "sg-missing") {
        return {
          outcome: "failed",
          attempts: 1,
          ensRequestIds: ["r"],
          error: {
            code: "InvalidSecurityGroupId.NotFound",
            message: "m",
            requestId: "r",
            httpStatus: 400,
            transient: false,
          },
        };
      }
      if (r.SecurityGroupId === "sg-flaky") {
        return {
          outcome: "failed",
          attempts: 5,
          ensRequestIds: ["a", "b", "c", "d", "e"],
          error: {
            code: "ens.interface.error",
            message: "m",
            requestId: "e",
            httpStatus: 400,
            transient: true,
          },
        };
      }
      if (r.SecurityGroupId === "sg-exists") {
        return { outcome: "already_exists", attempts: 1, ensRequestIds: ["x"], error: null };
      }
      return { outcome: "created", attempts: 1, ensRequestIds: ["y"], error: null };
    });
    const d = deps(ens);
    const results = await processQueueBatch(
      [
        message("m1", rule("sg-demo0001")),
        { messageId: "m2", trigger: "queue:mns", body: { ok: false, message: "not JSON" } },
        message("m3", rule("sg-exists")),
        message("m4", rule("sg-missing")),
        message("m5", rule("sg-flaky")),
      ],
      { fcRequestId: "fc", credentials, concurrency: 8 },
      d,
      budget,
    );
    expect(results.map((r) => r.result.results[0]?.outcome)).toEqual([
      "created",
      "rejected",
      "already_exists",
      "failed",
      "failed",
    ]);
    expect(results.map((r) => r.redeliver)).toEqual([false, false, false, false, true]);
    expect(d.audit.events).toHaveLength(5);
    expect(d.audit.events.map((e) => e.data.deliveryId).sort()).toEqual(["m1", "m2", "m3", "m4", "m5"]);
  });

  it("redelivers a message whose audit event did not reach every sink", async () => {
    const d = deps();
    d.audit.failing = true;
    const results = await processQueueBatch(
      [message("m1", rule("sg-demo0001"))],
      { fcRequestId: "fc", credentials, concurrency: 2 },
      d,
      budget,
    );
    expect(results[0]?.redeliver).toBe(true);
  });
});

describe("runScheduled", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("never runs more than the limit at once and keeps input order in the results", async () => {
    let running = 0;
    let peak = 0;
    const out = await runScheduled(
      [5, 1, 4, 2, 3, 0],
      () => [],
      2,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(n);
        running--;
        return n * 10;
      },
    );
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it("runs items that share a key one after another, in input order", async () => {
    const log: string[] = [];
    const items = [
      { name: "a1", key: "sg-a", ms: 15 },
      { name: "b1", key: "sg-b", ms: 5 },
      { name: "a2", key: "sg-a", ms: 1 },
      { name: "a3", key: "sg-a", ms: 1 },
    ];
    await runScheduled(
      items,
      (i) => [i.key],
      4,
      async (item) => {
        log.push(`start ${item.name}`);
        await sleep(item.ms);
        log.push(`end ${item.name}`);
      },
    );
    expect(log.indexOf("start a2")).toBeGreaterThan(log.indexOf("end a1"));
    expect(log.indexOf("start a3")).toBeGreaterThan(log.indexOf("end a2"));
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
  });

  it("lets a free item pass a blocked one instead of idling a worker", async () => {
    const log: string[] = [];
    const items = [
      { name: "a1", keys: ["sg-a"], ms: 20 },
      { name: "a2", keys: ["sg-a"], ms: 1 },
      { name: "c1", keys: ["sg-c"], ms: 1 },
    ];
    await runScheduled(
      items,
      (i) => i.keys,
      2,
      async (item) => {
        log.push(`start ${item.name}`);
        await sleep(item.ms);
        log.push(`end ${item.name}`);
      },
    );
    expect(log.indexOf("start c1")).toBeLessThan(log.indexOf("end a1"));
  });

  it("keeps per-key order when a multi-key item is blocked", async () => {
    const log: string[] = [];
    const items = [
      { name: "x", keys: ["sg-a"], ms: 20 },
      { name: "xy", keys: ["sg-a", "sg-b"], ms: 1 },
      { name: "y", keys: ["sg-b"], ms: 1 },
    ];
    await runScheduled(
      items,
      (i) => i.keys,
      3,
      async (item) => {
        log.push(`start ${item.name}`);
        await sleep(item.ms);
        log.push(`end ${item.name}`);
      },
    );
    expect(log.indexOf("start y")).toBeGreaterThan(log.indexOf("end xy"));
  });

  it("resolves at once for no items", async () => {
    await expect(
      runScheduled(
        [],
        () => [],
        3,
        async () => 1,
      ),
    ).resolves.toEqual([]);
  });
});

describe("securityGroupsOf", () => {
  it("reads groups from both request forms and ignores junk", () => {
    expect(securityGroupsOf(rule("sg-a"))).toEqual(["sg-a"]);
    expect(securityGroupsOf({ Rules: [rule("sg-a"), rule("sg-b"), 5, null] })).toEqual(["sg-a", "sg-b"]);
    expect(securityGroupsOf("x")).toEqual([]);
    expect(securityGroupsOf({ SecurityGroupId: 5 })).toEqual([]);
  });
});
