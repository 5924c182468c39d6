import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "#shared/domain/policy.ts";
import type { EgressRule } from "#shared/domain/types.ts";
import type { Delivery, EnsCallResult } from "#shared/ports.ts";
import {
  type AuthorizeDeps,
  authorizeEgressRequest,
  recordRefusedDelivery,
} from "#shared/use-cases/authorize-egress-request.ts";
import { createFakeAuditTrail } from "../../fakes/fake-audit-trail.ts";
import { createFakeEnsClient } from "../../fakes/fake-ens-client.ts";
import { createMemoryLogger } from "../../fakes/fake-logger.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const credentials = { accessKeyId: "ak", accessKeySecret: "secret" };
const budget = { ensDeadline: NOW + 10_000, auditDeadline: NOW + 11_000 };
const delivery: Delivery = {
  trigger: "http:/rules",
  origin: "operator",
  deliveryId: null,
  fcRequestId: "fc-1",
};
const rule = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
};

function setup(answer?: Parameters<typeof createFakeEnsClient>[0], overrides: Partial<AuthorizeDeps> = {}) {
  const ens = createFakeEnsClient(answer);
  const audit = createFakeAuditTrail();
  const deps: AuthorizeDeps = {
    ens,
    audit,
    policy: DEFAULT_POLICY,
    policyMode: "enforce",
    clock: { now: () => NOW },
    logger: createMemoryLogger(),
    auditSource: "test",
    ...overrides,
  };
  return { ens, audit, deps };
}

describe("authorizeEgressRequest", () => {
  it("creates a valid rule with one ENS call and one audit event", async () => {
    const { ens, audit, deps } = setup();
    const result = await authorizeEgressRequest({ body: rule, delivery, credentials }, deps, budget);
    expect(ens.calls).toHaveLength(1);
    expect(ens.calls[0]?.rule).toEqual({
      ...rule,
      Policy: "accept",
      Priority: 1,
      SourcePortRange: "1/65535",
    });
    expect(ens.calls[0]?.options.deadline).toBe(budget.ensDeadline);
    expect(result.results.map((r) => r.outcome)).toEqual(["created"]);
    expect(result.results[0]?.ensRequestId).toBe("fake-request-0");
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]?.type).toBe("ens.egress_rule.created");
    expect(audit.events[0]?.id).toBe(result.results[0]?.auditId);
    expect(audit.events[0]?.data.attempts).toBe(1);
  });

  it("logs each settled rule with the same correlation id as its audit event", async () => {
    const logger = createMemoryLogger({ fcRequestId: "fc-1" });
    const { audit, deps } = setup(undefined, { logger });
    await authorizeEgressRequest(
      { body: { ...rule, TicketId: "NET-7" }, delivery, credentials },
      deps,
      budget,
    );
    const line = logger.lines.find((l) => l.message === "rule settled");
    expect(line?.fields).toMatchObject({ correlationId: "NET-7", fcRequestId: "fc-1", outcome: "created" });
    expect(audit.events[0]?.correlationid).toBe("NET-7");
    expect(line?.fields.auditId).toBe(audit.events[0]?.id);
  });

  it("refuses an invalid request without calling ENS and audits it as rejected", async () => {
    const { ens, audit, deps } = setup();
    const result = await authorizeEgressRequest(
      { body: { ...rule, PortRange: "22/21" }, delivery, credentials },
      deps,
      budget,
    );
    expect(ens.calls).toHaveLength(0);
    expect(result.issues.map((i) => i.path)).toContain("PortRange");
    expect(audit.events.map((e) => e.data.outcome)).toEqual(["rejected"]);
    expect(audit.events[0]?.data.errorCode).toBe("InvalidRequest");
    expect(audit.events[0]?.data.attempts).toBe(0);
  });

  it("refuses world-open egress on every port under the default policy, naming the guardrail", async () => {
    const { ens, audit, deps } = setup();
    const body = {
      SecurityGroupId: "sg-demo0001",
      IpProtocol: "all",
      PortRange: "-1/-1",
      DestCidrIp: "0.0.0.0/0",
    };
    const result = await authorizeEgressRequest({ body, delivery, credentials }, deps, budget);
    expect(ens.calls).toHaveLength(0);
    expect(result.results[0]?.outcome).toBe("rejected");
    expect(result.results[0]?.errorCode).toMatch(/^Policy\./);
    expect(audit.events[0]?.data.policy?.allowed).toBe(false);
  });

  it("in audit-only mode applies a refused rule and records the verdict", async () => {
    const { ens, audit, deps } = setup(undefined, { policyMode: "audit-only" });
    const body = {
      SecurityGroupId: "sg-demo0001",
      IpProtocol: "all",
      PortRange: "-1/-1",
      DestCidrIp: "0.0.0.0/0",
    };
    const result = await authorizeEgressRequest({ body, delivery, credentials }, deps, budget);
    expect(ens.calls).toHaveLength(1);
    expect(result.results[0]?.outcome).toBe("created");
    expect(audit.events[0]?.data.policy?.violations.length).toBeGreaterThan(0);
  });

  it("is atomic: one refused rule keeps its siblings from being applied", async () => {
    const { ens, deps } = setup();
    const body = {
      Rules: [
        rule,
        { SecurityGroupId: "sg-demo0001", IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "0.0.0.0/0" },
      ],
    };
    const result = await authorizeEgressRequest({ body, delivery, credentials }, deps, budget);
    expect(ens.calls).toHaveLength(0);
    expect(result.results.map((r) => r.errorCode)).toEqual([
      "Policy.RequestRefused",
      expect.stringMatching(/^Policy\./),
    ]);
  });

  it("DryRun makes no ENS call and records exactly what would have been sent", async () => {
    const { ens, audit, deps } = setup();
    const result = await authorizeEgressRequest(
      { body: { ...rule, DryRun: true }, delivery, credentials },
      deps,
      budget,
    );
    expect(ens.calls).toHaveLength(0);
    expect(result.results[0]?.outcome).toBe("dry_run");
    expect(audit.events[0]?.data.rule).toEqual({
      ...rule,
      Policy: "accept",
      Priority: 1,
      SourcePortRange: "1/65535",
    });
  });

  it("asks for redelivery after a transient failure, and not after a permanent one", async () => {
    const failure = (redeliver: boolean): EnsCallResult => ({
      outcome: "failed",
      attempts: redeliver ? 5 : 1,
      ensRequestIds: ["r1"],
      error: {
        code: redeliver ? "ens.interface.error" : "NoPermission",
        message: "m",
        requestId: "r1",
        httpStatus: 400,
        redeliver,
      },
    });
    for (const redeliver of [true, false]) {
      const { deps } = setup(() => failure(redeliver));
      const result = await authorizeEgressRequest({ body: rule, delivery, credentials }, deps, budget);
      expect(result.results[0]?.redeliver).toBe(redeliver);
      expect(result.results[0]?.failedRequestId).toBe("r1");
      expect(result.results[0]?.ensRequestId).toBeNull();
    }
  });

  it("gives the same audit id to the same delivery of the same rule, and a different id to another delivery", async () => {
    const first = setup();
    const second = setup();
    const webhook: Delivery = {
      trigger: "http:/webhooks/generic",
      origin: "webhook",
      deliveryId: "msg_1",
      fcRequestId: "fc-a",
    };
    const again: Delivery = { ...webhook, fcRequestId: "fc-b" };
    const a = await authorizeEgressRequest(
      { body: rule, delivery: webhook, credentials },
      first.deps,
      budget,
    );
    const b = await authorizeEgressRequest({ body: rule, delivery: again, credentials }, second.deps, budget);
    const c = await authorizeEgressRequest(
      { body: rule, delivery: { ...webhook, deliveryId: "msg_2" }, credentials },
      second.deps,
      budget,
    );
    expect(a.results[0]?.auditId).toBe(b.results[0]?.auditId);
    expect(c.results[0]?.auditId).not.toBe(a.results[0]?.auditId);
  });

  it("fails without calling ENS when there are no credentials", async () => {
    const { ens, deps } = setup();
    const result = await authorizeEgressRequest({ body: rule, delivery, credentials: null }, deps, budget);
    expect(ens.calls).toHaveLength(0);
    expect(result.results[0]).toMatchObject({
      outcome: "failed",
      errorCode: "MissingCredentials",
      redeliver: true,
    });
  });

  it("reports an undelivered audit event", async () => {
    const { audit, deps } = setup();
    audit.failing = true;
    const result = await authorizeEgressRequest({ body: rule, delivery, credentials }, deps, budget);
    expect(result.auditDelivered).toBe(false);
    expect(result.results[0]?.outcome).toBe("created");
  });
});

describe("recordRefusedDelivery", () => {
  it("writes one rejected event with a null rule", async () => {
    const { audit, deps } = setup();
    const result = await recordRefusedDelivery(
      { code: "Unauthorized", message: "authentication failed", delivery },
      deps,
      budget,
    );
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]?.data).toMatchObject({
      outcome: "rejected",
      rule: null,
      errorCode: "Unauthorized",
    });
    expect(result.results[0]?.auditId).toBe(audit.events[0]?.id);
  });
});

describe("authorizeEgressRequest: read before write", () => {
  const stored: EgressRule = {
    SecurityGroupId: rule.SecurityGroupId,
    IpProtocol: "tcp",
    PortRange: rule.PortRange,
    DestCidrIp: rule.DestCidrIp,
    Policy: "accept",
    Priority: 1,
    SourcePortRange: "1/65535",
  };

  it("reads each group once, even for several rules on it, before any write", async () => {
    const { ens, deps } = setup();
    const body = {
      Rules: [rule, { ...rule, PortRange: "8443/8443" }, { ...rule, SecurityGroupId: "sg-demo0002" }],
    };
    await authorizeEgressRequest({ body, delivery, credentials }, deps, budget);
    expect(ens.reads.map((r) => r.securityGroupId)).toEqual(["sg-demo0001", "sg-demo0002"]);
    expect(ens.reads[0]?.options).toEqual({ credentials, deadline: budget.ensDeadline });
    expect(ens.calls).toHaveLength(3);
  });

  it("settles a rule already in the group as already_exists without a write", async () => {
    const { ens, audit, deps } = setup();
    ens.groups.set("sg-demo0001", [{ ...stored, DestCidrIp: "10.0.0.0/8" }]);
    const result = await authorizeEgressRequest({ body: rule, delivery, credentials }, deps, budget);
    expect(ens.calls).toHaveLength(0);
    expect(result.results[0]).toMatchObject({ outcome: "already_exists", attempts: 0, errorCode: null });
    expect(audit.events[0]?.data).toMatchObject({ outcome: "already_exists", mayHaveCreated: false });
  });

  it("writes the second of two identical rules of one request not at all: the first one's write put it there", async () => {
    const { ens, deps } = setup();
    const result = await authorizeEgressRequest(
      { body: { Rules: [rule, rule] }, delivery, credentials },
      deps,
      budget,
    );
    expect(ens.calls).toHaveLength(1);
    expect(result.results.map((r) => r.outcome)).toEqual(["created", "already_exists"]);
  });

  it("judges each rule on the group plus the earlier rules of the request, and refuses the whole request", async () => {
    const { ens, audit, deps } = setup();
    ens.groups.set("sg-demo0001", [
      { ...stored, IpProtocol: "all", PortRange: "-1/-1", SourcePortRange: "-1/-1", DestCidrIp: "0.0.0.0/8" },
    ]);
    const all = (cidr: string) => ({ ...rule, IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: cidr });
    const result = await authorizeEgressRequest(
      { body: { Rules: [all("10.0.0.0/8"), all("1.0.0.0/8")] }, delivery, credentials },
      deps,
      budget,
    );
    expect(ens.calls).toHaveLength(0);
    expect(result.results.map((r) => r.errorCode)).toEqual([
      "Policy.RequestRefused",
      "Policy.WorldOpenEgress",
    ]);
    expect(result.results[1]?.message).toContain(
      "together with 2 other rules of sg-demo0001 (all to 0.0.0.0/8, all to 10.0.0.0/8)",
    );
    expect(audit.events.map((e) => e.type)).toEqual(["ens.egress_rule.rejected", "ens.egress_rule.rejected"]);
  });

  it("does not read a group for a request the guardrails refuse on its own", async () => {
    const { ens, deps } = setup();
    const world = { ...rule, IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "0.0.0.0/0" };
    const result = await authorizeEgressRequest({ body: world, delivery, credentials }, deps, budget);
    expect(ens.reads).toHaveLength(0);
    expect(result.results[0]?.errorCode).toBe("Policy.WorldOpenEgress");
  });

  it("fails every rule of the request with the read's error when the group cannot be read, and writes nothing", async () => {
    const error = {
      code: "ens.interface.error",
      message: "busy",
      requestId: "r-9",
      httpStatus: 500,
      redeliver: true,
    };
    const ens = createFakeEnsClient(undefined, () => ({
      ok: false,
      attempts: 5,
      ensRequestIds: ["r-9"],
      error,
    }));
    const { audit, deps } = setup(undefined, { ens });
    const result = await authorizeEgressRequest(
      { body: { Rules: [rule, rule] }, delivery, credentials },
      deps,
      budget,
    );
    expect(ens.calls).toHaveLength(0);
    expect(result.results.map((r) => [r.outcome, r.errorCode, r.redeliver])).toEqual([
      ["failed", "ens.interface.error", true],
      ["failed", "ens.interface.error", true],
    ]);
    expect(audit.events[0]?.data).toMatchObject({ attempts: 5, ensRequestIds: ["r-9"] });
  });

  it("dry-runs against the group's state too, and writes nothing", async () => {
    const { ens, deps } = setup();
    ens.groups.set("sg-demo0001", [
      { ...stored, IpProtocol: "all", PortRange: "-1/-1", SourcePortRange: "-1/-1", DestCidrIp: "2.0.0.0/8" },
    ]);
    const body = { ...rule, IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "3.0.0.0/8", DryRun: true };
    const result = await authorizeEgressRequest({ body, delivery, credentials }, deps, budget);
    expect(ens.calls).toHaveLength(0);
    expect(result.results[0]?.errorCode).toBe("Policy.WorldOpenEgress");
  });

  it("reports a duplicate after a lost answer as already_exists that this delivery may have created", async () => {
    const { audit, deps } = setup(() => ({
      outcome: "already_exists",
      attempts: 2,
      ensRequestIds: ["r-2"],
      error: null,
      mayHaveCreated: true,
    }));
    const result = await authorizeEgressRequest({ body: rule, delivery, credentials }, deps, budget);
    expect(result.results[0]?.outcome).toBe("already_exists");
    expect(audit.events[0]?.data).toMatchObject({
      outcome: "already_exists",
      mayHaveCreated: true,
      attempts: 2,
    });
  });
});
