import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUDIT_DATASCHEMA,
  type AuditIdInput,
  buildAuditEvent,
  deriveAuditEventId,
} from "#shared/domain/audit-event.ts";
import type { EgressRule } from "#shared/domain/types.ts";
import type { AuditData } from "#shared/ports.ts";
import { DECISIONS, DELIVERY, OUTCOMES, RULE } from "./fixtures.ts";

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const ruleArb: fc.Arbitrary<EgressRule> = fc.record({
  SecurityGroupId: fc.stringMatching(/^sg-[a-z0-9]{1,20}$/),
  IpProtocol: fc.constantFrom("tcp", "udp", "icmp", "gre", "all"),
  PortRange: fc.constantFrom("-1/-1", "22/22", "1/65535", "443/443"),
  DestCidrIp: fc.constantFrom("10.0.0.0/8", "192.168.1.1", "172.16.0.0/12"),
  Policy: fc.constantFrom("accept", "drop"),
  Priority: fc.integer({ min: 1, max: 100 }),
  SourcePortRange: fc.constantFrom("-1/-1", "1/65535"),
});

const idInputArb: fc.Arbitrary<AuditIdInput> = fc.record({
  deliveryId: fc.option(fc.string({ minLength: 1 }), { nil: null }),
  fcRequestId: fc.string({ minLength: 1 }),
  trigger: fc.constantFrom("http:/rules", "http:/webhooks/jira", "queue:mns", "invoke"),
  ruleIndex: fc.nat({ max: 19 }),
  rule: fc.option(ruleArb, { nil: null }),
  outcome: fc.constantFrom(...OUTCOMES),
});

describe("deriveAuditEventId", () => {
  it("is a version-8 UUID and the same for the same input", () => {
    fc.assert(
      fc.property(idInputArb, (input) => {
        const id = deriveAuditEventId(input);
        expect(id).toMatch(UUID_V8);
        expect(deriveAuditEventId(structuredClone(input))).toBe(id);
      }),
    );
  });

  it("does not depend on the key order of the rule object", () => {
    fc.assert(
      fc.property(idInputArb, ruleArb, (input, rule) => {
        const reversed = Object.fromEntries(Object.entries(rule).reverse()) as unknown as EgressRule;
        expect(deriveAuditEventId({ ...input, rule: reversed })).toBe(deriveAuditEventId({ ...input, rule }));
      }),
    );
  });

  it("never gives two different deliveries the same id", () => {
    fc.assert(
      fc.property(idInputArb, fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (input, a, b) => {
        fc.pre(a !== b);
        expect(deriveAuditEventId({ ...input, deliveryId: a })).not.toBe(
          deriveAuditEventId({ ...input, deliveryId: b }),
        );
      }),
    );
  });

  it("keys an ad hoc call on its FC request id, distinct from a delivery id with the same text", () => {
    fc.assert(
      fc.property(idInputArb, fc.string({ minLength: 1 }), (input, text) => {
        const adHoc = deriveAuditEventId({ ...input, deliveryId: null, fcRequestId: text });
        expect(deriveAuditEventId({ ...input, deliveryId: text })).not.toBe(adHoc);
        // The FC request id is ignored once there is a delivery id: a redelivery has a new FC request id.
        expect(deriveAuditEventId({ ...input, deliveryId: "d-1", fcRequestId: `${text}x` })).toBe(
          deriveAuditEventId({ ...input, deliveryId: "d-1", fcRequestId: text }),
        );
      }),
    );
  });

  it("gives created and already_exists one id (one decision) and every other outcome its own", () => {
    fc.assert(
      fc.property(idInputArb, (input) => {
        const id = (outcome: AuditIdInput["outcome"]) => deriveAuditEventId({ ...input, outcome });
        expect(id("already_exists")).toBe(id("created"));
        const distinct = new Set([id("created"), id("dry_run"), id("rejected"), id("failed")]);
        expect(distinct.size).toBe(4);
      }),
    );
  });

  it("tells apart rule index, rule, trigger", () => {
    fc.assert(
      fc.property(idInputArb, ruleArb, ruleArb, (input, r1, r2) => {
        const base = deriveAuditEventId(input);
        expect(deriveAuditEventId({ ...input, ruleIndex: input.ruleIndex + 1 })).not.toBe(base);
        expect(deriveAuditEventId({ ...input, trigger: `${input.trigger}/other` })).not.toBe(base);
        if (JSON.stringify(r1) !== JSON.stringify(r2)) {
          expect(deriveAuditEventId({ ...input, rule: r1 })).not.toBe(
            deriveAuditEventId({ ...input, rule: r2 }),
          );
        }
        expect(deriveAuditEventId({ ...input, rule: r1 })).not.toBe(
          deriveAuditEventId({ ...input, rule: null }),
        );
      }),
    );
  });

  it("is pinned: changing the canonical form would break deduplication across a deployment", () => {
    expect(
      deriveAuditEventId({
        deliveryId: "msg_1",
        fcRequestId: "r-1",
        trigger: "queue:mns",
        ruleIndex: 0,
        rule: RULE,
        outcome: "created",
      }),
    ).toBe(PINNED_ID);
  });
});

// Pinned value, checked independently (Python: sha256 of the canonical JSON, version/variant bits set). If this
// changes, every consumer's deduplication breaks across a deployment: that needs a new id namespace and a major.
const PINNED_ID = "b999eb92-2090-889a-9378-78996ced8d92";

describe("deriveAuditEventId with an Idempotency-Key", () => {
  const digestArb = fc.stringMatching(/^[0-9a-f]{64}$/);
  const keyedArb = fc.record({
    input: idInputArb,
    deliveryId: fc.string({ minLength: 1 }),
    bodySha256: digestArb,
  });

  it("never gives two bodies sent under one key the same id, whatever their rules, indexes and outcomes", () => {
    fc.assert(
      fc.property(
        keyedArb,
        idInputArb,
        digestArb,
        ({ input, deliveryId, bodySha256 }, other, otherSha256) => {
          fc.pre(otherSha256 !== bodySha256);
          const first = deriveAuditEventId({ ...input, deliveryId, bodySha256 });
          // The second request shares only the key and the route: anything else may differ or not.
          const second = deriveAuditEventId({
            ...other,
            trigger: input.trigger,
            deliveryId,
            bodySha256: otherSha256,
          });
          expect(second).not.toBe(first);
        },
      ),
    );
  });

  it("keeps one id for one body under one key, as a retry needs", () => {
    fc.assert(
      fc.property(keyedArb, fc.string({ minLength: 1 }), ({ input, deliveryId, bodySha256 }, fcRequestId) => {
        expect(deriveAuditEventId({ ...input, deliveryId, bodySha256, fcRequestId })).toBe(
          deriveAuditEventId({ ...input, deliveryId, bodySha256 }),
        );
      }),
    );
  });

  it("is never the id of the same text as a webhook or queue id, nor of an ad hoc call", () => {
    fc.assert(
      fc.property(keyedArb, ({ input, deliveryId, bodySha256 }) => {
        const keyed = deriveAuditEventId({ ...input, deliveryId, bodySha256 });
        expect(keyed).not.toBe(deriveAuditEventId({ ...input, deliveryId }));
        expect(keyed).not.toBe(deriveAuditEventId({ ...input, deliveryId: null, fcRequestId: deliveryId }));
      }),
    );
  });

  it("leaves every id without a digest as schema 1.0.0 derived it", () => {
    fc.assert(
      fc.property(idInputArb, (input) => {
        expect(deriveAuditEventId({ ...input, bodySha256: undefined })).toBe(deriveAuditEventId(input));
      }),
    );
  });

  it("is pinned", () => {
    // Python: sha256 of the canonical JSON with the "idempotency-key" tag and the body digest, bits set as above.
    const bodySha256 = "884ad338f5f1e63a379a6804da2e7a7257fd9f96d23206e70fd60e02ca91d549";
    expect(
      deriveAuditEventId({
        deliveryId: "order-7",
        fcRequestId: "r-1",
        bodySha256,
        trigger: "http:/rules",
        ruleIndex: 0,
        rule: RULE,
        outcome: "created",
      }),
    ).toBe("bbbb987b-de26-8269-8d07-7b966217440d");
  });

  it("takes the digest from the delivery when building an event", () => {
    const bodySha256 = "884ad338f5f1e63a379a6804da2e7a7257fd9f96d23206e70fd60e02ca91d549";
    const build = (digest: string | undefined) =>
      buildAuditEvent({
        source: "acs:fc:test",
        time: new Date("2025-03-01T10:00:00.123Z"),
        delivery: { ...DELIVERY, trigger: "http:/rules", origin: "operator", bodySha256: digest },
        data: DECISIONS.created,
      });
    expect(build(bodySha256).id).not.toBe(build(undefined).id);
    expect(build(bodySha256).id).not.toBe(build(bodySha256.replace("8", "9")).id);
    // The digest chooses the id only; the record keeps the key the sender sent.
    expect(build(bodySha256).data.deliveryId).toBe(DELIVERY.deliveryId);
    expect(build(bodySha256).data).not.toHaveProperty("bodySha256");
  });
});

describe("buildAuditEvent", () => {
  const time = new Date("2025-03-01T10:00:00.123Z");

  it.each(OUTCOMES)("builds a CloudEvent for %s", (outcome) => {
    const event = buildAuditEvent({
      source: "acs:fc:test",
      time,
      delivery: DELIVERY,
      data: DECISIONS[outcome],
    });
    expect(event.specversion).toBe("1.0");
    expect(event.type).toBe(`ens.egress_rule.${outcome}`);
    expect(event.data.outcome).toBe(outcome);
    expect(event.time).toBe("2025-03-01T10:00:00.123Z");
    expect(event.datacontenttype).toBe("application/json");
    expect(event.dataschema).toBe(AUDIT_DATASCHEMA);
    expect(event.subject).toBe(DECISIONS[outcome].rule?.SecurityGroupId);
    expect(event.fcrequestid).toBe(DELIVERY.fcRequestId);
    expect(event.id).toBe(
      deriveAuditEventId({
        deliveryId: DELIVERY.deliveryId,
        fcRequestId: DELIVERY.fcRequestId,
        trigger: DELIVERY.trigger,
        ruleIndex: 0,
        rule: DECISIONS[outcome].rule,
        outcome,
      }),
    );
  });

  it("gives the same id when the same delivery is processed again later", () => {
    // First run created the rule but its audit write failed; the redelivery finds it in place.
    const first = buildAuditEvent({ source: "s", time, delivery: DELIVERY, data: DECISIONS.created });
    const again = buildAuditEvent({
      source: "s",
      time: new Date("2025-03-01T10:05:00Z"),
      delivery: { ...DELIVERY, fcRequestId: "another-invocation" },
      data: { ...DECISIONS.already_exists, rule: DECISIONS.created.rule },
    });
    expect(again.id).toBe(first.id);
  });

  it("gives a new id when a failed delivery later succeeds, so deduplication cannot hide the success", () => {
    const failed = buildAuditEvent({ source: "s", time, delivery: DELIVERY, data: DECISIONS.failed });
    const created = buildAuditEvent({ source: "s", time, delivery: DELIVERY, data: DECISIONS.created });
    expect(created.id).not.toBe(failed.id);
  });

  it("omits subject when the rule is unknown", () => {
    const event = buildAuditEvent({
      source: "s",
      time,
      delivery: DELIVERY,
      data: {
        ...DECISIONS.rejected,
        rule: null,
        policy: null,
        issues: [{ path: "(root)", message: "not JSON" }],
      },
    });
    expect("subject" in event).toBe(false);
    expect(event.data.rule).toBeNull();
  });

  it("picks correlationid: ticket id, else delivery id, else FC request id", () => {
    const build = (ticketId: string | null, deliveryId: string | null) =>
      buildAuditEvent({
        source: "s",
        time,
        delivery: { ...DELIVERY, deliveryId },
        data: { ...DECISIONS.created, ticketId },
      }).correlationid;
    expect(build("SEC-1", "d-1")).toBe("SEC-1");
    expect(build(null, "d-1")).toBe("d-1");
    expect(build(null, null)).toBe(DELIVERY.fcRequestId);
    expect(build("", "")).toBe(DELIVERY.fcRequestId);
  });

  it("takes delivery fields from the delivery and drops unknown properties", () => {
    const sloppy = {
      ...DECISIONS.created,
      trigger: "forged",
      deliveryId: "forged",
      fcRequestId: "forged",
      origin: "operator",
      rawBody: "Authorization: Bearer x",
      rule: { ...RULE, Extra: "leak" },
    } as unknown as AuditData;
    const event = buildAuditEvent({ source: "s", time, delivery: DELIVERY, data: sloppy });
    expect(event.data.trigger).toBe(DELIVERY.trigger);
    expect(event.data.deliveryId).toBe(DELIVERY.deliveryId);
    expect(event.data.fcRequestId).toBe(DELIVERY.fcRequestId);
    expect(event.data.origin).toBe(DELIVERY.origin);
    expect(JSON.stringify(event)).not.toContain("leak");
    expect(JSON.stringify(event)).not.toContain("rawBody");
    expect(Object.keys(event.data.rule ?? {})).toEqual(Object.keys(RULE));
  });

  it("does not share arrays with the caller", () => {
    const decision = structuredClone(DECISIONS.failed);
    const event = buildAuditEvent({ source: "s", time, delivery: DELIVERY, data: decision });
    decision.ensRequestIds.push("later");
    expect(event.data.ensRequestIds).not.toContain("later");
  });
});
