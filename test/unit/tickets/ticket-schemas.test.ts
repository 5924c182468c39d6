/**
 * Contract of the two records the ticket work adds to the audit trail (docs/audit.md): every summary and every
 * comment record the builders make validates against its published schema, the schemas name the `dataschema` the
 * builders write, and what 1.0.0 promises is frozen here, so a breaking change fails.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SETTLED_DATASCHEMA } from "#shared/domain/request-summary.ts";
import {
  buildTicketCommentEvent,
  TICKET_COMMENT_DATASCHEMA,
  type TicketCommentData,
} from "#shared/domain/ticket-comment-record.ts";
import { validateJsonSchema } from "../../helpers/json-schema-lite.ts";
import { CREATED, FAILED, REFUSED, settledEvent } from "./fixtures.ts";

const load = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../../events/audit/${file}`, import.meta.url), "utf8")) as Record<
    string,
    any
  >;
const settledSchema = load("request-settled-v1.json");
const commentSchema = load("ticket-comment-v1.json");

/** What 1.0.0 promised, frozen: removing any of it needs a v2 schema and a new dataschema. */
const FROZEN = {
  settled: {
    required: [
      "specversion",
      "id",
      "source",
      "type",
      "time",
      "subject",
      "datacontenttype",
      "dataschema",
      "correlationid",
      "fcrequestid",
      "data",
    ],
    data: [
      "ticket",
      "result",
      "trigger",
      "origin",
      "deliveryId",
      "fcRequestId",
      "requestedBy",
      "reason",
      "dryRun",
      "rules",
    ],
    rule: ["ruleIndex", "outcome", "errorCode", "auditId", "ensRequestId", "rule", "guardrail", "summary"],
    results: ["applied", "dry_run", "refused", "failed"],
  },
  comment: {
    data: [
      "summaryId",
      "ticket",
      "system",
      "outcome",
      "commentId",
      "errorCode",
      "errorMessage",
      "attempts",
      "transition",
      "fcRequestId",
    ],
    types: ["ens.ticket_comment.written", "ens.ticket_comment.present", "ens.ticket_comment.failed"],
  },
};

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe("request-settled-v1.json", () => {
  it("still promises everything 1.0.0 promised", () => {
    expect(settledSchema.$id).toBe(SETTLED_DATASCHEMA);
    expect(settledSchema.required).toEqual(expect.arrayContaining(FROZEN.settled.required));
    expect(settledSchema.$defs.data.required).toEqual(expect.arrayContaining(FROZEN.settled.data));
    expect(settledSchema.$defs.settledRule.required).toEqual(expect.arrayContaining(FROZEN.settled.rule));
    expect(settledSchema.$defs.data.properties.result.enum).toEqual(FROZEN.settled.results);
  });

  it("accepts every summary the builder makes, and refuses one with a member of the wrong type (property)", () => {
    const rule = fc.constantFrom(CREATED, REFUSED, FAILED);
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 20 }),
        fc.string({ maxLength: 500 }),
        (rules, reason) => {
          const event = asJson(
            settledEvent(
              rules.map((r, i) => ({ ...r, ruleIndex: i })),
              { Reason: reason || null },
            ),
          );
          expect(validateJsonSchema(settledSchema, event)).toEqual([]);
          const broken = { ...event, data: { ...(event.data as object), dryRun: "no" } };
          expect(validateJsonSchema(settledSchema, broken)).not.toEqual([]);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("ticket-comment-v1.json", () => {
  const base: TicketCommentData = {
    summaryId: settledEvent().id,
    ticket: { system: "jira", key: "NET-42" },
    system: "jira-cloud",
    outcome: "written",
    commentId: "10001",
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    transition: { id: "31", outcome: "made", errorCode: null },
    fcRequestId: "r-1",
  };
  const build = (data: TicketCommentData) =>
    asJson(buildTicketCommentEvent({ source: "acs:fc:cn-hangzhou:1:functions/n", time: new Date(0), data }));

  it("still promises everything 1.0.0 promised", () => {
    expect(commentSchema.$id).toBe(TICKET_COMMENT_DATASCHEMA);
    expect(commentSchema.$defs.data.required).toEqual(expect.arrayContaining(FROZEN.comment.data));
    expect(commentSchema.properties.type.enum).toEqual(FROZEN.comment.types);
  });

  it("accepts every kind of record the builder makes", () => {
    for (const data of [
      base,
      { ...base, outcome: "present" as const, transition: null },
      {
        ...base,
        outcome: "failed" as const,
        system: null,
        commentId: null,
        errorCode: "Ticket.NotConfigured",
        errorMessage: "x",
        transition: null,
      },
    ]) {
      expect(validateJsonSchema(commentSchema, build(data))).toEqual([]);
    }
  });

  it("gives written and present one id (one fact), and failed another", () => {
    const written = build(base);
    expect(build({ ...base, outcome: "present", attempts: 3 }).id).toBe(written.id);
    expect(build({ ...base, outcome: "failed", errorCode: "Ticket.NotFound" }).id).not.toBe(written.id);
  });
});
