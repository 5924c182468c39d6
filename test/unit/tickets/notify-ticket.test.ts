/**
 * The notifier's use case with in-memory fakes: what becomes of a summary for each answer of the ticket-system port
 * (written, present, a permanent refusal, a transient failure left for redelivery), the transition made only when the
 * result calls for it and only once, and the record it writes.
 */
import { describe, expect, it } from "vitest";
import type { TicketCommentState, TicketStep, TicketSystemPort } from "#shared/ports.ts";
import { type NotifyDeps, notifyTicket } from "#shared/use-cases/notify-ticket.ts";
import { createMemoryLogger } from "../../fakes/fake-logger.ts";
import { CREATED, REFUSED, settledEvent } from "./fixtures.ts";

type Ensure = Awaited<ReturnType<TicketSystemPort["ensureComment"]>>;

/** A ticket system that answers from a script and records the calls. */
function fakeSystem(ensure: Ensure, transition?: TicketStep<{ recorded: boolean }>) {
  const calls: string[] = [];
  const system: TicketSystemPort = {
    kind: "jira-cloud",
    async ensureComment(ticket, comment) {
      calls.push(`ensure ${ticket.system} ${comment.marker}`);
      return ensure;
    },
    ...(transition
      ? {
          async transition(request) {
            calls.push(`transition ${request.transitionId}`);
            return transition;
          },
        }
      : {}),
  };
  return { system, calls };
}

function deps(system: TicketSystemPort | null, delivered = true) {
  const emitted: unknown[] = [];
  const value: NotifyDeps = {
    systemFor: () => system,
    transitions: { applied: "31", refused: "41" },
    comment: { exceptionContact: "netsec" },
    audit: {
      async emit(events) {
        emitted.push(...events);
        return { delivered, failures: [] };
      },
    },
    clock: { now: () => Date.parse("2025-03-01T10:00:00Z") },
    logger: createMemoryLogger(),
    source: "acs:fc:cn-hangzhou:1:functions/ticket-notifier",
  };
  return { value, emitted };
}

const BUDGET = { ticketDeadline: Number.MAX_SAFE_INTEGER, auditDeadline: Number.MAX_SAFE_INTEGER };
const COMMENT: TicketCommentState = { commentId: "10001", transitioned: false };
const written: Ensure = { ok: true, value: { state: "written", comment: COMMENT }, attempts: 1 };

describe("notifyTicket", () => {
  it("writes, makes the transition of the result, and records both", async () => {
    const { system, calls } = fakeSystem(written, { ok: true, value: { recorded: true }, attempts: 1 });
    const { value, emitted } = deps(system);
    const event = settledEvent([CREATED]);
    const result = await notifyTicket(event, { fcRequestId: "r-1" }, value, BUDGET);
    expect(result).toMatchObject({ outcome: "written", redeliver: false, error: null });
    expect(calls).toEqual([`ensure jira ${event.id}`, "transition 31"]);
    expect(emitted).toEqual([
      expect.objectContaining({
        type: "ens.ticket_comment.written",
        correlationid: event.id,
        data: expect.objectContaining({
          commentId: "10001",
          attempts: 2,
          transition: { id: "31", outcome: "made", errorCode: null },
        }),
      }),
    ]);
  });

  it("does not make a transition again when the comment says it was made, nor on a dry run or a failure", async () => {
    const present: Ensure = {
      ok: true,
      value: { state: "present", comment: { ...COMMENT, transitioned: true } },
      attempts: 1,
    };
    const done = fakeSystem(present, { ok: true, value: { recorded: true }, attempts: 1 });
    const result = await notifyTicket(
      settledEvent([CREATED, REFUSED]),
      { fcRequestId: "r" },
      deps(done.system).value,
      BUDGET,
    );
    expect(result.outcome).toBe("present");
    expect(done.calls.filter((c) => c.startsWith("transition"))).toEqual([]);
    for (const rules of [
      [{ ...CREATED, outcome: "dry_run" as const }],
      [{ ...CREATED, outcome: "failed" as const, errorCode: "X" }],
    ]) {
      const fresh = fakeSystem(written, { ok: true, value: { recorded: true }, attempts: 1 });
      await notifyTicket(settledEvent(rules), { fcRequestId: "r" }, deps(fresh.system).value, BUDGET);
      expect(fresh.calls.filter((c) => c.startsWith("transition"))).toEqual([]);
    }
  });

  it.each([
    ["Ticket.NotFound", false],
    ["Ticket.Unauthorized", false],
    ["Ticket.Forbidden", false],
    ["Ticket.Refused", false],
    ["Ticket.Unavailable", true],
    ["Ticket.Throttled", true],
    ["Ticket.Timeout", true],
    ["Ticket.WriteUnconfirmed", true],
    ["InternalError", true],
  ])(
    "%s: redeliver %s; a permanent failure is recorded once, a transient one is not recorded",
    async (code, again) => {
      const failed: Ensure = {
        ok: false,
        error: { code, message: `${code} happened`, httpStatus: null },
        attempts: 3,
      };
      const { value, emitted } = deps(fakeSystem(failed).system);
      const result = await notifyTicket(settledEvent([CREATED]), { fcRequestId: "r" }, value, BUDGET);
      expect(result.redeliver).toBe(again);
      expect(result.outcome).toBe(again ? "retry" : "failed");
      expect(emitted).toHaveLength(again ? 0 : 1);
      if (!again)
        expect(emitted[0]).toMatchObject({
          type: "ens.ticket_comment.failed",
          data: { errorCode: code, attempts: 3 },
        });
    },
  );

  it("a transition that keeps failing transiently leaves the summary for the next push; a refused one is recorded", async () => {
    const transient = fakeSystem(written, {
      ok: false,
      error: { code: "Ticket.Unavailable", message: "503", httpStatus: 503 },
      attempts: 4,
    });
    const again = await notifyTicket(
      settledEvent([CREATED]),
      { fcRequestId: "r" },
      deps(transient.system).value,
      BUDGET,
    );
    expect(again).toMatchObject({ outcome: "retry", redeliver: true });
    const refused = fakeSystem(written, {
      ok: false,
      error: { code: "Ticket.Refused", message: "400", httpStatus: 400 },
      attempts: 1,
    });
    const { value, emitted } = deps(refused.system);
    const result = await notifyTicket(settledEvent([REFUSED]), { fcRequestId: "r" }, value, BUDGET);
    expect(result).toMatchObject({ outcome: "written", redeliver: false });
    expect(emitted[0]).toMatchObject({
      data: { transition: { id: "41", outcome: "failed", errorCode: "Ticket.Refused" } },
    });
  });

  it("a ticket system without settings is recorded once as Ticket.NotConfigured", async () => {
    const { value, emitted } = deps(null);
    const result = await notifyTicket(settledEvent([CREATED]), { fcRequestId: "r" }, value, BUDGET);
    expect(result).toMatchObject({
      outcome: "failed",
      error: { code: "Ticket.NotConfigured" },
      redeliver: false,
    });
    expect(emitted[0]).toMatchObject({ data: { system: null, errorCode: "Ticket.NotConfigured" } });
  });

  it("a record that did not reach every sink asks for redelivery, with the same record id next time", async () => {
    const { system } = fakeSystem(written);
    const first = deps(system, false);
    const event = settledEvent([CREATED]);
    const result = await notifyTicket(event, { fcRequestId: "r-1" }, first.value, BUDGET);
    expect(result.redeliver).toBe(true);
    const present: Ensure = { ok: true, value: { state: "present", comment: COMMENT }, attempts: 1 };
    const second = await notifyTicket(
      event,
      { fcRequestId: "r-2" },
      deps(fakeSystem(present).system).value,
      BUDGET,
    );
    expect(second.recordId).toBe(result.recordId);
  });
});
