import { describe, expect, it } from "vitest";
import { AuditSinkError } from "#shared/adapters/audit/audit-sink-error.ts";
import { type AuditTrailOptions, createAuditTrail } from "#shared/adapters/audit/audit-trail.ts";
import { createLogSink } from "#shared/adapters/audit/log-sink.ts";
import { buildAuditEvent } from "#shared/domain/audit-event.ts";
import type { AuditEvent, AuditRecord, AuditSink } from "#shared/ports.ts";
import { createMemoryLogger } from "../../fakes/fake-logger.ts";
import { DECISIONS, DELIVERY } from "./fixtures.ts";

const EVENTS: AuditEvent[] = [
  buildAuditEvent({ source: "s", time: new Date(0), delivery: DELIVERY, data: DECISIONS.created }),
  buildAuditEvent({
    source: "s",
    time: new Date(0),
    delivery: DELIVERY,
    data: { ...DECISIONS.created, ruleIndex: 1 },
  }),
];

/** A virtual clock: sleeping advances it, so backoff and deadlines are exercised without real waiting. */
function virtualClock(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

/** A sink driven by a script of results, one per call; records every call in a shared journal. */
function scriptedSink(
  name: string,
  journal: string[],
  script: Array<"ok" | Error | ((event: AuditRecord) => Promise<void>)>,
) {
  let call = 0;
  const sink: AuditSink & { calls: number } = {
    name,
    calls: 0,
    async write(event) {
      sink.calls += 1;
      journal.push(`${name}:${event.id.slice(0, 8)}`);
      const step = script[Math.min(call++, script.length - 1)] ?? "ok";
      if (step === "ok") return;
      if (step instanceof Error) throw step;
      await step(event);
    },
  };
  return sink;
}

const retryable = (sink = "http") =>
  new AuditSinkError("AuditSinkHttpStatus", `${sink} sink: HTTP 500 from http://127.0.0.1:1`, {
    sink,
    retryable: true,
    status: 500,
  });
const permanent = (sink = "http") =>
  new AuditSinkError("AuditSinkHttpStatus", `${sink} sink: HTTP 401 from http://127.0.0.1:1`, {
    sink,
    retryable: false,
    status: 401,
  });

function setup(sinks: AuditSink[], extra: Partial<AuditTrailOptions> = {}, journal: string[] = []) {
  const clock = virtualClock();
  const logLines: string[] = [];
  const logSink = createLogSink((line) => {
    logLines.push(line);
    journal.push(`log:${(JSON.parse(line) as AuditEvent).id.slice(0, 8)}`);
  });
  const logger = createMemoryLogger();
  const trail = createAuditTrail({
    logSink,
    sinks,
    logger,
    retry: { maxAttempts: 3, baseMs: 100, maxDelayMs: 1000 },
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...extra,
  });
  return { clock, journal, logLines, logger, trail };
}

describe("createAuditTrail", () => {
  it("writes every log line before the first remote attempt", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, ["ok"]);
    const ctx = setup([http], {}, journal);
    const result = await ctx.trail.emit(EVENTS, { deadline: ctx.clock.now() + 10_000 });
    expect(result).toEqual({ delivered: true, failures: [] });
    const [a, b] = EVENTS.map((e) => e.id.slice(0, 8));
    expect(journal).toEqual([`log:${a}`, `log:${b}`, `http:${a}`, `http:${b}`]);
    expect(ctx.logLines.map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(EVENTS.map((e) => e.id));
  });

  it("writes the log line even when every remote sink fails", async () => {
    const journal: string[] = [];
    const ctx = setup([scriptedSink("http", journal, [permanent()])]);
    await ctx.trail.emit(EVENTS, { deadline: ctx.clock.now() + 10_000 });
    expect(ctx.logLines).toHaveLength(2);
  });

  it("retries a retryable failure with full-jitter backoff, then succeeds", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, [retryable(), retryable(), "ok"]);
    const ctx = setup([http], { random: () => 0.999 });
    const result = await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline: ctx.clock.now() + 10_000 });
    expect(result.delivered).toBe(true);
    expect(http.calls).toBe(3);
    // Delay n is drawn from [0, min(cap, base * 2^n)): 100 then 200 at most.
    expect(ctx.clock.sleeps).toHaveLength(2);
    expect(ctx.clock.sleeps[0]).toBeLessThan(100);
    expect(ctx.clock.sleeps[1]).toBeLessThan(200);
    expect(ctx.clock.sleeps[1]).toBeGreaterThan(ctx.clock.sleeps[0] ?? 0);
  });

  it("caps each delay at maxDelayMs", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, [retryable()]);
    const ctx = setup([http], {
      retry: { maxAttempts: 8, baseMs: 1000, maxDelayMs: 1500 },
      random: () => 0.999,
    });
    await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline: ctx.clock.now() + 1_000_000 });
    expect(http.calls).toBe(8);
    expect(Math.max(...ctx.clock.sleeps)).toBeLessThan(1500);
  });

  it("reports a failure after maxAttempts and logs the whole event", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, [retryable()]);
    const ctx = setup([http]);
    const event = EVENTS[0] as AuditEvent;
    const result = await ctx.trail.emit([event], { deadline: ctx.clock.now() + 10_000 });
    expect(http.calls).toBe(3);
    expect(result.delivered).toBe(false);
    expect(result.failures).toEqual([
      {
        sink: "http",
        eventId: event.id,
        error: "AuditSinkHttpStatus: http sink: HTTP 500 from http://127.0.0.1:1",
      },
    ]);
    const errors = ctx.logger.lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ sink: "http", eventId: event.id, attempts: 3 });
    expect(errors[0]?.fields.event).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it("does not retry a permanent failure", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, [permanent()]);
    const ctx = setup([http]);
    const result = await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline: ctx.clock.now() + 10_000 });
    expect(http.calls).toBe(1);
    expect(result.failures[0]?.error).toContain("HTTP 401");
  });

  it("retries errors of unknown type (a custom sink throwing anything)", async () => {
    const journal: string[] = [];
    const odd = scriptedSink("custom", journal, [
      async () => {
        throw "a string, not an Error";
      },
      "ok",
    ]);
    const ctx = setup([odd]);
    const result = await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline: ctx.clock.now() + 10_000 });
    expect(result.delivered).toBe(true);
    expect(odd.calls).toBe(2);
  });

  it("stops before the deadline instead of sleeping past it", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, [retryable()]);
    const ctx = setup([http], {
      retry: { maxAttempts: 10, baseMs: 400, maxDelayMs: 400 },
      random: () => 0.99,
    });
    const deadline = ctx.clock.now() + 1000;
    const result = await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline });
    expect(result.delivered).toBe(false);
    // 3 attempts fit (sleeps of 396 ms each reach 792 ms); a third sleep would cross the deadline.
    expect(http.calls).toBe(3);
    expect(ctx.clock.now()).toBeLessThan(deadline);
  });

  it("makes no remote attempt when the deadline has passed, and says so", async () => {
    const journal: string[] = [];
    const http = scriptedSink("http", journal, ["ok"]);
    const ctx = setup([http]);
    const result = await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline: ctx.clock.now() - 1 });
    expect(http.calls).toBe(0);
    expect(ctx.logLines).toHaveLength(1);
    expect(result.failures[0]?.error).toMatch(/^DeadlineExceeded/);
  });

  it("cuts a sink that ignores the deadline", async () => {
    const journal: string[] = [];
    const hanging = scriptedSink("hanging", journal, [() => new Promise<void>(() => {})]);
    // Real clock here: the trail's own deadline timer must fire. 30 ms keeps the test quick.
    const ctx = setup([hanging], { now: Date.now, sleep: async () => {} });
    const result = await ctx.trail.emit([EVENTS[0] as AuditEvent], { deadline: Date.now() + 30 });
    expect(result.delivered).toBe(false);
    expect(result.failures[0]?.error).toMatch(/^DeadlineExceeded/);
    expect(hanging.calls).toBe(1);
  });

  it("keeps going with other sinks and events when one fails", async () => {
    const journal: string[] = [];
    const broken = scriptedSink("http", journal, [permanent()]);
    const file = scriptedSink("file", journal, ["ok"]);
    const ctx = setup([broken, file]);
    const result = await ctx.trail.emit(EVENTS, { deadline: ctx.clock.now() + 10_000 });
    expect(file.calls).toBe(2);
    expect(result.failures.map((f) => f.sink)).toEqual(["http", "http"]);
  });

  it("never throws, even when the log sink does", async () => {
    const logger = createMemoryLogger();
    const trail = createAuditTrail({
      logSink: {
        name: "log",
        write: () => {
          throw new Error("stdout closed");
        },
      },
      sinks: [],
      logger,
    });
    const result = await trail.emit([EVENTS[0] as AuditEvent], { deadline: Date.now() + 1000 });
    expect(result.delivered).toBe(false);
    expect(result.failures[0]).toMatchObject({ sink: "log", error: "Error: stdout closed" });
  });

  it("reports delivered for an empty batch", async () => {
    const ctx = setup([]);
    expect(await ctx.trail.emit([], { deadline: ctx.clock.now() + 1 })).toEqual({
      delivered: true,
      failures: [],
    });
  });

  it("removes known secrets from events before any sink sees them", async () => {
    const journal: string[] = [];
    const seen: string[] = [];
    const http = scriptedSink("http", journal, [
      async (event) => {
        seen.push(JSON.stringify(event));
      },
    ]);
    const ctx = setup([http], { secrets: ["tok-9f8e7d6c"] });
    const leaky = buildAuditEvent({
      source: "s",
      time: new Date(0),
      delivery: DELIVERY,
      data: { ...DECISIONS.failed, errorMessage: "gateway said: bad token tok-9f8e7d6c" },
    });
    await ctx.trail.emit([leaky], { deadline: ctx.clock.now() + 1000 });
    expect(seen[0]).toContain("[REDACTED]");
    expect(seen[0]).not.toContain("tok-9f8e7d6c");
    expect(ctx.logLines[0]).not.toContain("tok-9f8e7d6c");
    expect(JSON.parse(seen[0] ?? "{}").id).toBe(leaky.id);
  });
  it("hands every sink the JSON of the event it receives, redacted or not, so none serialises it again", async () => {
    const received: Array<{ event: AuditRecord; json: string | undefined }> = [];
    const recorder: AuditSink = {
      name: "recorder",
      async write(event, options) {
        received.push({ event, json: options.json });
      },
    };
    const ctx = setup([recorder], { secrets: ["tok-9f8e7d6c"] });
    const leaky = buildAuditEvent({
      source: "s",
      time: new Date(0),
      delivery: DELIVERY,
      data: { ...DECISIONS.failed, errorMessage: "gateway said: bad token tok-9f8e7d6c" },
    });
    await ctx.trail.emit([EVENTS[0] as AuditEvent, leaky], { deadline: ctx.clock.now() + 1000 });
    expect(received).toHaveLength(2);
    for (const { event, json } of received) expect(json).toBe(JSON.stringify(event));
    // The clean event goes through untouched (the fast path); the leaky one is a redacted copy.
    expect(received[0]?.event).toBe(EVENTS[0]);
    expect(received[1]?.json).not.toContain("tok-9f8e7d6c");
    expect(ctx.logLines).toEqual(received.map(({ json }) => json));
  });
});
