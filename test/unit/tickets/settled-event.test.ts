/**
 * What the notifier accepts from EventBridge: every summary the builder makes decodes back to itself (one event or a
 * batch, as a Buffer, text or a parsed value), and anything of another shape is refused by name, so that the comment
 * is only ever written from a summary of the documented shape.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SettledRuleInput } from "#shared/domain/request-summary.ts";
import { decodeSettledEvents, MAX_SUMMARIES } from "#shared/triggers/settled-event.ts";
import { CREATED, FAILED, META, REFUSED, settledEvent } from "./fixtures.ts";

const SYS_ID = "9d385017c611228701d22104cc95c371";

describe("decodeSettledEvents", () => {
  it("decodes what the builder makes back to the same summary, whatever its rules and text (property)", () => {
    const rule = fc.constantFrom<SettledRuleInput>(CREATED, REFUSED, FAILED);
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 20 }),
        fc.option(fc.string({ minLength: 1, maxLength: 300 }), { nil: undefined }),
        fc.boolean(),
        (rules, reason, snow) => {
          const event = settledEvent(
            rules.map((r, i) => ({ ...r, ruleIndex: i })),
            { ...META, ...(reason === undefined ? {} : { Reason: reason }) },
            snow ? { system: "servicenow", table: "change_request", sysId: SYS_ID, number: null } : undefined,
          );
          const text = JSON.stringify(event);
          for (const form of [Buffer.from(text), text, JSON.parse(text) as unknown]) {
            expect(decodeSettledEvents(form)).toEqual([{ ok: true, event }]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("takes a batch, and drops members of the envelope it does not know", () => {
    const event = settledEvent();
    const decoded = decodeSettledEvents([{ ...event, aliyuneventbusname: "audit" }, event]);
    expect(decoded).toEqual([
      { ok: true, event },
      { ok: true, event },
    ]);
  });

  it.each([
    [
      "a rule event",
      (e: any) => ({ ...e, type: "ens.egress_rule.created" }),
      "type: not ens.egress_request.settled",
    ],
    [
      "a Jira key that is no issue key",
      (e: any) => ({ ...e, data: { ...e.data, ticket: { system: "jira", key: "NET-1/../x" } } }),
      "key: not of the documented form",
    ],
    [
      "a ServiceNow sys_id of the wrong form",
      (e: any) => ({
        ...e,
        data: { ...e.data, ticket: { system: "servicenow", table: "incident", sysId: "x", number: null } },
      }),
      "sysId",
    ],
    [
      "an unknown ticket system",
      (e: any) => ({ ...e, data: { ...e.data, ticket: { system: "github", key: "1" } } }),
      "data.ticket.system",
    ],
    ["no rules", (e: any) => ({ ...e, data: { ...e.data, rules: [] } }), "data.rules"],
    [
      "a rule without an audit id",
      (e: any) => ({ ...e, data: { ...e.data, rules: [{ ...e.data.rules[0], auditId: "x" }] } }),
      "auditId",
    ],
    ["an id that is no UUID", (e: any) => ({ ...e, id: "abc" }), "id: not of the documented form"],
  ])("refuses %s, by name, and keeps the envelope's id for the log", (_, change, problem) => {
    const event = change(JSON.parse(JSON.stringify(settledEvent())));
    const [decoded] = decodeSettledEvents(Buffer.from(JSON.stringify(event)));
    expect(decoded).toMatchObject({ ok: false });
    expect(decoded?.ok === false && decoded.message).toContain(problem);
  });

  it("refuses what is not JSON, keys that reach a prototype, and an oversized batch", () => {
    expect(decodeSettledEvents(Buffer.from("<html>"))).toEqual([
      { ok: false, id: null, message: "the event is not valid JSON" },
    ]);
    expect(decodeSettledEvents(Buffer.from('{"__proto__":{"x":1}}'))[0]).toMatchObject({ ok: false });
    expect(decodeSettledEvents(Array.from({ length: MAX_SUMMARIES + 1 }, () => ({})))[0]).toMatchObject({
      ok: false,
      message: expect.stringContaining("at most"),
    });
  });
});
