import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "#shared/domain/policy.ts";
import type { EnsClient } from "#shared/ports.ts";
import type { AuthorizeDeps } from "#shared/use-cases/authorize-egress-request.ts";
import {
  type BatchMessage,
  processQueueBatch,
  securityGroupsOf,
} from "#shared/use-cases/process-queue-batch.ts";
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
            redeliver: false,
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
            redeliver: true,
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

describe("processQueueBatch: ENS call slots", () => {
  it("keeps at most `concurrency` ENS calls in flight, and frees a slot before the finished message's audit", async () => {
    const journal: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const ens: EnsClient = {
      async authorizeSecurityGroupEgress(r) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        journal.push(`call ${r.SecurityGroupId}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        journal.push(`answer ${r.SecurityGroupId}`);
        return { outcome: "created", attempts: 1, ensRequestIds: ["r"], error: null };
      },
      async describeSecurityGroupEgress() {
        return { ok: true, rules: [], attempts: 1, ensRequestIds: ["read"] };
      },
    };
    const d = deps(ens as ReturnType<typeof createFakeEnsClient>);
    const emit = d.audit.emit.bind(d.audit);
    d.audit.emit = async (events, options) => {
      journal.push(`audit ${events[0]?.subject}`);
      return emit(events, options);
    };
    const groups = Array.from({ length: 12 }, (_, i) => `sg-slot${String(i).padStart(4, "0")}`);
    const results = await processQueueBatch(
      groups.map((sg, i) => message(`m${i}`, rule(sg))),
      { fcRequestId: "fc", credentials, concurrency: 3 },
      d,
      budget,
    );
    expect(results.every((r) => r.result.results[0]?.outcome === "created")).toBe(true);
    expect(peak).toBe(3);
    // The fourth call goes out as soon as the first answer is in, before the first message writes its audit event.
    const firstAnswer = journal.indexOf(`answer ${groups[0]}`);
    expect(journal.indexOf(`call ${groups[3]}`)).toBeGreaterThan(firstAnswer);
    expect(journal.indexOf(`call ${groups[3]}`)).toBeLessThan(journal.indexOf(`audit ${groups[0]}`));
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
