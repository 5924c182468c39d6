/**
 * The request summary (docs/tickets.md): which ticket a delivery names, when a delivery counts as settled, an id
 * that depends on the delivery alone (so a redelivery cannot comment twice), and an event that matches its schema.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildSettledEvent,
  deriveSettledId,
  isSettled,
  MAX_SUMMARY_CHARS,
  oneLine,
  SETTLED_DATASCHEMA,
  SETTLED_TYPE,
  type TicketRef,
  ticketOf,
} from "#shared/domain/request-summary.ts";
import type { Delivery } from "#shared/ports.ts";
import { validateJsonSchema } from "../../helpers/json-schema-lite.ts";
import { CREATED, FAILED, JIRA_DELIVERY, META, REFUSED, settledEvent } from "./fixtures.ts";

const schema = JSON.parse(
  readFileSync(new URL("../../../events/audit/request-settled-v1.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

const SYS_ID = "9d385017c611228701d22104cc95c371";

describe("ticketOf", () => {
  it.each([
    [
      "the Jira route with an issue key",
      "http:/webhooks/jira",
      { TicketId: "NET-42" },
      { system: "jira", key: "NET-42" },
    ],
    ["the Jira route with text that is no issue key", "http:/webhooks/jira", { TicketId: "net 42" }, null],
    ["the Jira route without a ticket", "http:/webhooks/jira", {}, null],
    ["another route with an issue key only", "http:/rules", { TicketId: "NET-42" }, null],
    [
      "a queue message that says TicketSystem jira",
      "queue:mns",
      { TicketId: "OPS_2-7", TicketSystem: "jira" as const },
      { system: "jira", key: "OPS_2-7" },
    ],
    [
      "ServiceNow table and sys_id on any route",
      "queue:mns",
      { TicketId: "CHG0030001", ServiceNowTable: "change_request", ServiceNowSysId: SYS_ID },
      { system: "servicenow", table: "change_request", sysId: SYS_ID, number: "CHG0030001" },
    ],
    [
      "ServiceNow fields on the Jira route",
      "http:/webhooks/jira",
      { TicketId: "NET-1", ServiceNowTable: "incident", ServiceNowSysId: SYS_ID },
      { system: "servicenow", table: "incident", sysId: SYS_ID, number: "NET-1" },
    ],
    [
      "TicketSystem jira wins over ServiceNow fields",
      "http:/webhooks/servicenow",
      {
        TicketId: "NET-1",
        TicketSystem: "jira" as const,
        ServiceNowTable: "incident",
        ServiceNowSysId: SYS_ID,
      },
      { system: "jira", key: "NET-1" },
    ],
    [
      "TicketSystem servicenow without its fields",
      "http:/webhooks/jira",
      { TicketId: "NET-1", TicketSystem: "servicenow" as const },
      null,
    ],
  ])("%s", (_, trigger, meta, expected) => {
    expect(ticketOf(trigger, meta)).toEqual(expected);
  });
});

describe("isSettled", () => {
  it("needs every audit event delivered and no transient failure", () => {
    expect(isSettled([CREATED, REFUSED, FAILED], true)).toBe(true);
    expect(isSettled([CREATED], false)).toBe(false);
    expect(isSettled([CREATED, { ...FAILED, redeliver: true }], true)).toBe(false);
    expect(isSettled([], true)).toBe(false);
  });
});

describe("deriveSettledId", () => {
  const delivery = fc.record({
    trigger: fc.constantFrom("http:/webhooks/jira", "queue:mns", "http:/rules"),
    origin: fc.constant("webhook" as const),
    deliveryId: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
    fcRequestId: fc.string({ minLength: 1, maxLength: 40 }),
  });

  it("is a version 8 UUID that a redelivery (new FC request id, same delivery id) keeps", () => {
    fc.assert(
      fc.property(delivery, fc.string({ minLength: 1 }), (d, otherRequest) => {
        const id = deriveSettledId(d);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        if (d.deliveryId !== null) expect(deriveSettledId({ ...d, fcRequestId: otherRequest })).toBe(id);
      }),
    );
  });

  it("differs between deliveries, triggers, and bodies sent under one Idempotency-Key", () => {
    const base: Delivery = { ...JIRA_DELIVERY };
    const ids = new Set([
      deriveSettledId(base),
      deriveSettledId({ ...base, deliveryId: "other" }),
      deriveSettledId({ ...base, trigger: "http:/webhooks/generic" }),
      deriveSettledId({ ...base, bodySha256: "a".repeat(64) }),
      deriveSettledId({ ...base, bodySha256: "b".repeat(64) }),
      deriveSettledId({ ...base, deliveryId: null }),
    ]);
    expect(ids.size).toBe(6);
  });

  it("does not depend on the outcomes: a failed first try and a later success share the id", () => {
    expect(settledEvent([FAILED]).id).toBe(settledEvent([CREATED]).id);
  });
});

describe("buildSettledEvent", () => {
  it("makes a CloudEvent that matches events/audit/request-settled-v1.json", () => {
    const event = settledEvent([CREATED, REFUSED, FAILED]);
    expect(validateJsonSchema(schema, JSON.parse(JSON.stringify(event)))).toEqual([]);
    expect(event).toMatchObject({
      type: SETTLED_TYPE,
      dataschema: SETTLED_DATASCHEMA,
      subject: "NET-42",
      correlationid: "NET-42",
      data: { result: "refused", requestedBy: "alice@example.com", reason: "payments API egress" },
    });
    expect(schema.$id).toBe(SETTLED_DATASCHEMA);
  });

  it("reports each rule with its outcome, code, audit id, ENS request id, guardrail and one line", () => {
    const [created, refused, failed] = settledEvent([FAILED, CREATED, REFUSED]).data.rules;
    expect(created).toMatchObject({ ruleIndex: 0, outcome: "created", ensRequestId: CREATED.ensRequestId });
    expect(created?.summary).toBe("created in the security group");
    expect(refused).toMatchObject({ guardrail: "WorldOpenEgress", errorCode: "Policy.WorldOpenEgress" });
    expect(refused?.summary).toBe(
      "refused by the WorldOpenEgress guardrail: DestCidrIp 0.0.0.0/0 is the whole internet",
    );
    expect(failed?.summary).toBe(
      "failed (InvalidSecurityGroupId.NotFound): The specified security group does not exist.",
    );
  });

  it("names the worst result: refused, then failed, then applied; dry_run only when every rule was one", () => {
    expect(settledEvent([CREATED]).data.result).toBe("applied");
    expect(settledEvent([CREATED, FAILED]).data.result).toBe("failed");
    expect(settledEvent([FAILED, REFUSED]).data.result).toBe("refused");
    expect(settledEvent([{ ...CREATED, outcome: "dry_run" }]).data.result).toBe("dry_run");
    expect(
      settledEvent([
        { ...CREATED, outcome: "dry_run" },
        { ...CREATED, ruleIndex: 1, outcome: "already_exists" },
      ]).data.result,
    ).toBe("applied");
  });

  it("copies field by field: nothing else the caller holds reaches the event", () => {
    const extra = { ...CREATED, secret: "do-not-copy", rule: { ...CREATED.rule!, Extra: "x" } };
    const meta = { ...META, Token: "do-not-copy" };
    const json = JSON.stringify(
      buildSettledEvent({
        source: "s",
        time: new Date(0),
        delivery: JIRA_DELIVERY,
        ticket: { system: "jira", key: "NET-42", secret: "do-not-copy" } as TicketRef,
        meta,
        rules: [extra],
      }),
    );
    expect(json).not.toContain("do-not-copy");
    expect(json).not.toContain("Extra");
  });

  it("keeps every summary on one line and at most 300 characters, whatever the message (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: "grapheme" }), (message) => {
        const [rule] = settledEvent([{ ...FAILED, ruleIndex: 0, message }]).data.rules;
        expect(rule?.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
        expect(rule?.summary).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      }),
    );
    expect(oneLine("a\r\n\tb\u2028c  d")).toBe("a b c d");
  });
});
