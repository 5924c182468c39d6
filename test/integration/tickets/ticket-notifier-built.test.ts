/**
 * The ticket notifier as FC runs it (dist/ticket-notifier/index.js) against the Jira and ServiceNow emulators over
 * loopback: one comment per summary on each ticket system, with its authentication; exactly one comment when a
 * summary is pushed twice, when the ticket system is down and comes back, and when a write is stored but its answer
 * is lost; a missing ticket and refused credentials recorded once and not retried; and hostile text that stays text.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSettledEvent } from "#shared/domain/request-summary.ts";
import {
  type RunningEmulator,
  startJiraEmulator,
  startServiceNowEmulator,
} from "../../../local/ticket-emulators/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../../helpers/built-function.ts";
import { captureStdout } from "../../helpers/capture-stdout.ts";
import { CREATED, FAILED, META, REFUSED, settledEvent } from "../../unit/tickets/fixtures.ts";

const JIRA_EMAIL = "notifier@example.com";
const JIRA_TOKEN = "jira-api-token-3c9d7e1f5a";
const JIRA_PAT = "jira-personal-token-8b2f4d6a1c";
const SNOW_USER = "ens-notifier";
const SNOW_PASSWORD = "snow-password-7e5c3a1b9d";
const SYS_ID = "9d385017c611228701d22104cc95c371";

let cloud: RunningEmulator;
let datacenter: RunningEmulator;
let snow: RunningEmulator;
let auditDir: string;

type Json = Record<string, any>;
async function control(base: string, method: string, route: string, body?: unknown): Promise<Json> {
  const answer = await fetch(`${base}/__emulator/${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await answer.json()) as Json;
}

const context = () => createFcContext({ functionName: "ticket-notifier", timeoutSeconds: 20 });
const push = (handler: BuiltHandler, event: unknown) =>
  handler(Buffer.from(JSON.stringify(event)), context()) as Promise<Json>;

const common = (auditFile: string) => ({
  AUDIT_FILE: auditFile,
  TICKET_RETRY_BASE_MS: "1",
  TICKET_RETRY_MAX_DELAY_MS: "5",
  TICKET_TIMEOUT_MS: "2000",
  TICKET_EXCEPTION_CONTACT: "the network security team",
});
const cloudEnv = (extra: Record<string, string> = {}) => ({
  ...common(join(auditDir, "cloud.jsonl")),
  TICKET_JIRA_URL: cloud.url,
  TICKET_JIRA_EMAIL: JIRA_EMAIL,
  TICKET_JIRA_TOKEN: JIRA_TOKEN,
  ...extra,
});

function records(file: string): Json[] {
  try {
    return readFileSync(join(auditDir, file), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Json);
  } catch {
    return [];
  }
}

/** Runs a handler with stdout captured (the function log), returning what it resolved or threw. */
async function quietly<T>(run: () => Promise<T>): Promise<{ value?: T; error?: Error; lines: string[] }> {
  const captured = captureStdout();
  const lines = () => captured.text().split("\n").filter(Boolean);
  try {
    const value = await run();
    return { value, lines: lines() };
  } catch (error) {
    return { error: error as Error, lines: lines() };
  } finally {
    captured.stop();
  }
}

beforeAll(async () => {
  auditDir = mkdtempSync(join(tmpdir(), "ticket-notifier-"));
  cloud = await startJiraEmulator({
    mode: "cloud",
    accounts: [{ email: JIRA_EMAIL, token: JIRA_TOKEN }],
    serviceDeskProjects: ["HELP"],
  });
  datacenter = await startJiraEmulator({ mode: "datacenter", accounts: [{ token: JIRA_PAT }] });
  snow = await startServiceNowEmulator({ users: [{ user: SNOW_USER, password: SNOW_PASSWORD }] });
});

afterAll(async () => {
  await Promise.all([cloud?.close(), datacenter?.close(), snow?.close()]);
});

beforeEach(async () => {
  for (const file of ["cloud.jsonl", "dc.jsonl", "snow.jsonl"]) rmSync(join(auditDir, file), { force: true });
  for (const emulator of [cloud, datacenter, snow]) await control(emulator.url, "POST", "reset");
  await control(cloud.url, "POST", "issues", { key: "NET-42" });
  await control(cloud.url, "POST", "issues", { key: "HELP-7" });
  await control(datacenter.url, "POST", "issues", { key: "OPS-3" });
  await control(snow.url, "POST", "records", {
    table: "change_request",
    sys_id: SYS_ID,
    number: "CHG0030001",
  });
});

const snowTicket = {
  system: "servicenow" as const,
  table: "change_request",
  sysId: SYS_ID,
  number: "CHG0030001",
};

describe("Jira Cloud (REST v3, ADF, basic auth with e-mail and API token)", () => {
  it("writes one ADF comment that carries the summary as a property, then makes the configured transition", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv({ TICKET_JIRA_TRANSITION_APPLIED: "31" }));
    const event = settledEvent([CREATED]);
    const { value } = await quietly(() => push(handler, event));
    expect(value?.summaries).toEqual([
      expect.objectContaining({ summaryId: event.id, ticket: "NET-42", outcome: "written", errorCode: null }),
    ]);
    const issue = await control(cloud.url, "GET", "issues/NET-42");
    expect(issue.comments).toHaveLength(1);
    const [comment] = issue.comments;
    expect(comment.body).toMatchObject({ version: 1, type: "doc" });
    expect(comment.properties["ens-egress.summary"]).toEqual({ summaryId: event.id, transitioned: true });
    expect(comment.text).toContain("Egress rules applied");
    expect(comment.text).toContain(`Audit id ${CREATED.auditId}.`);
    expect(comment.text).toContain(`ENS request ${CREATED.ensRequestId}`);
    expect(issue.status).toBe("Done");
    const [record] = records("cloud.jsonl");
    expect(record).toMatchObject({
      type: "ens.ticket_comment.written",
      correlationid: event.id,
      data: { system: "jira-cloud", commentId: comment.id, transition: { id: "31", outcome: "made" } },
    });
  });

  it("a summary pushed twice leaves one comment and one transition", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv({ TICKET_JIRA_TRANSITION_REFUSED: "41" }));
    const event = settledEvent([CREATED, REFUSED]);
    await quietly(() => push(handler, event));
    const second = await quietly(() => push(handler, event));
    expect(second.value?.summaries[0]).toMatchObject({ outcome: "present" });
    const issue = await control(cloud.url, "GET", "issues/NET-42");
    expect(issue.comments).toHaveLength(1);
    expect(issue.status).toBe("Rejected");
    const stats = await control(cloud.url, "GET", "stats");
    expect(stats.calls["POST /rest/api/3/issue/{key}/comment"].total).toBe(1);
    expect(stats.calls["POST /rest/api/3/issue/{key}/transitions"].total).toBe(1);
    // Both pushes record the same fact under one id.
    const ids = records("cloud.jsonl").map((r) => r.id);
    expect(new Set(ids).size).toBe(1);
  });

  it("a Jira that is down, then back, gets exactly one comment", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv({ TICKET_RETRY_MAX_ATTEMPTS: "3" }));
    const event = settledEvent([CREATED]);
    await control(cloud.url, "PUT", "faults", { faults: [{ kind: "error", status: 503, count: 3 }] });
    const down = await quietly(() => push(handler, event));
    expect(down.error?.name).toBe("TicketRedeliveryError");
    expect(down.error?.message).toContain("Ticket.Unavailable");
    expect((await control(cloud.url, "GET", "issues/NET-42")).comments).toHaveLength(0);
    const back = await quietly(() => push(handler, event));
    expect(back.value?.summaries[0]).toMatchObject({ outcome: "written" });
    expect((await control(cloud.url, "GET", "issues/NET-42")).comments).toHaveLength(1);
  });

  it.each([
    ["an error after the comment was stored", "commit-then-error"],
    ["a connection reset after the comment was stored", "commit-then-reset"],
  ])("%s: the retry finds the comment instead of writing it again", async (_, kind) => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv());
    await control(cloud.url, "PUT", "faults", {
      faults: [{ kind, method: "POST", path: "/rest/api/3/issue/NET-42/comment", count: 1 }],
    });
    const { value } = await quietly(() => push(handler, settledEvent([CREATED])));
    // The answer was lost, so this invocation cannot claim it wrote the comment: it found it.
    expect(value?.summaries[0]).toMatchObject({ outcome: "present" });
    expect((await control(cloud.url, "GET", "issues/NET-42")).comments).toHaveLength(1);
  });

  it("a 429 is retried with backoff; a write slower than the timeout is not written twice", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv({ TICKET_TIMEOUT_MS: "300" }));
    await control(cloud.url, "PUT", "faults", {
      faults: [
        { kind: "error", status: 429, method: "GET", count: 1 },
        { kind: "slow", delayMs: 700, method: "POST", count: 1 },
      ],
    });
    const event = settledEvent([CREATED]);
    // The write times out, the next look does not see it yet: the summary is left for the next push.
    const first = await quietly(() => push(handler, event));
    expect(first.error?.name).toBe("TicketRedeliveryError");
    expect(first.error?.message).toContain("Ticket.WriteUnconfirmed");
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = await quietly(() => push(handler, event));
    expect(second.value?.summaries[0]).toMatchObject({ outcome: "present" });
    const stats = await control(cloud.url, "GET", "stats");
    expect(stats.calls["GET (fault)"]).toEqual({ total: 1, statuses: { "429": 1 } });
    expect((await control(cloud.url, "GET", "issues/NET-42")).comments).toHaveLength(1);
  });

  it("a ticket that does not exist is recorded once and acknowledged, not retried", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv());
    const event = settledEvent(
      [CREATED],
      { ...META, TicketId: "NET-404" },
      { system: "jira", key: "NET-404" },
    );
    const { value, lines } = await quietly(() => push(handler, event));
    expect(value?.summaries[0]).toMatchObject({
      outcome: "failed",
      errorCode: "Ticket.NotFound",
      redeliver: false,
    });
    const stats = await control(cloud.url, "GET", "stats");
    expect(stats.calls["GET /rest/api/3/issue/{key}/comment"]).toEqual({ total: 1, statuses: { "404": 1 } });
    expect(records("cloud.jsonl")).toEqual([
      expect.objectContaining({
        type: "ens.ticket_comment.failed",
        data: expect.objectContaining({ errorCode: "Ticket.NotFound" }),
      }),
    ]);
    expect(lines.some((line) => line.includes('"message":"ticket comment given up"'))).toBe(true);
  });

  it("refused credentials are recorded once, never retried, and never written to the log", async () => {
    const handler = loadBuiltFunction(
      "ticket-notifier",
      cloudEnv({ TICKET_JIRA_TOKEN: "wrong-api-token-0000000" }),
    );
    const { value, lines } = await quietly(() => push(handler, settledEvent([CREATED])));
    expect(value?.summaries[0]).toMatchObject({ outcome: "failed", errorCode: "Ticket.Unauthorized" });
    const stats = await control(cloud.url, "GET", "stats");
    expect(stats.calls["GET /rest/api/3/issue/{key}/comment"].total).toBe(1);
    const everything = [...lines, readFileSync(join(auditDir, "cloud.jsonl"), "utf8")].join("\n");
    expect(everything).not.toContain("wrong-api-token-0000000");
    expect(everything).not.toContain(Buffer.from(`${JIRA_EMAIL}:wrong-api-token-0000000`).toString("base64"));
  });

  it("a ticket credential pasted into the Reason never reaches the ticket", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv());
    await quietly(() =>
      push(handler, settledEvent([CREATED], { ...META, Reason: `token is ${JIRA_TOKEN}, oops` })),
    );
    const [comment] = (await control(cloud.url, "GET", "issues/NET-42")).comments;
    expect(comment.text).toContain("Reason given: token is [REDACTED], oops");
    expect(JSON.stringify(comment)).not.toContain(JIRA_TOKEN);
  });

  it("a malicious Reason stays text: ADF text nodes, no link, mention or macro", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv());
    const attack = "[click|https://evil.example] [~admin] {html}<script>x</script>{html} *fake*";
    const event = settledEvent([{ ...FAILED, ruleIndex: 0, message: attack }], { ...META, Reason: attack });
    await quietly(() => push(handler, event));
    const [comment] = (await control(cloud.url, "GET", "issues/NET-42")).comments;
    const json = JSON.stringify(comment.body);
    expect(json).not.toMatch(/"type":"(link|mention|inlineCard|media)"/);
    expect(comment.text).toContain(`Reason given: ${attack}`);
  });
});

describe("Jira Service Management request comments", () => {
  it.each([
    ["servicedesk-public", true],
    ["servicedesk-internal", false],
  ])("%s: one request comment, marked with the summary property, public %s", async (mode, isPublic) => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv({ TICKET_JIRA_COMMENT: mode }));
    const event = settledEvent([REFUSED], { ...META, TicketId: "HELP-7" }, { system: "jira", key: "HELP-7" });
    await quietly(() => push(handler, event));
    const again = await quietly(() => push(handler, event));
    expect(again.value?.summaries[0]).toMatchObject({ outcome: "present" });
    const { comments } = await control(cloud.url, "GET", "issues/HELP-7");
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ public: isPublic });
    expect(comments[0].properties["ens-egress.summary"]).toEqual({
      summaryId: event.id,
      transitioned: false,
    });
    expect(comments[0].text).toContain(
      "To ask for an exception to the WorldOpenEgress guardrail, contact the network security team",
    );
  });

  it("a request comment whose property was never set is still found by the summary id in its text", async () => {
    const handler = loadBuiltFunction(
      "ticket-notifier",
      cloudEnv({ TICKET_JIRA_COMMENT: "servicedesk-public" }),
    );
    await control(cloud.url, "PUT", "faults", {
      faults: [{ kind: "error", status: 500, method: "PUT", path: "/rest/api/3/comment/", count: 10 }],
    });
    const event = settledEvent([CREATED], { ...META, TicketId: "HELP-7" }, { system: "jira", key: "HELP-7" });
    const { value } = await quietly(() => push(handler, event));
    expect(value?.summaries[0]).toMatchObject({ outcome: "present" });
    expect((await control(cloud.url, "GET", "issues/HELP-7")).comments).toHaveLength(1);
  });
});

describe("Jira Data Center (REST v2, wiki markup, personal access token)", () => {
  const dcEnv = () => ({
    ...common(join(auditDir, "dc.jsonl")),
    TICKET_JIRA_URL: datacenter.url,
    TICKET_JIRA_API: "datacenter",
    TICKET_JIRA_TOKEN: JIRA_PAT,
  });

  it("writes one wiki-markup comment with the bearer token, escaping what the requester typed", async () => {
    const handler = loadBuiltFunction("ticket-notifier", dcEnv());
    const attack = "[click|https://evil.example] {color:red}*APPROVED*{color} [~admin]";
    const event = settledEvent(
      [CREATED],
      { ...META, TicketId: "OPS-3", Reason: attack },
      { system: "jira", key: "OPS-3" },
    );
    await quietly(() => push(handler, event));
    await quietly(() => push(handler, event));
    const { comments } = await control(datacenter.url, "GET", "issues/OPS-3");
    expect(comments).toHaveLength(1);
    expect(typeof comments[0].body).toBe("string");
    expect(comments[0].body).toMatch(/^h3\. Egress rules applied/);
    expect(comments[0].body).toContain(
      "\\[click\\|https://evil.example\\] \\{color:red\\}\\*APPROVED\\*\\{color\\} \\[~admin\\]".replace(
        "~",
        "\\~",
      ),
    );
    expect(comments[0].properties["ens-egress.summary"]).toMatchObject({ summaryId: event.id });
  });
});

describe("ServiceNow (Table API, journal)", () => {
  const snowEnv = (extra: Record<string, string> = {}) => ({
    ...common(join(auditDir, "snow.jsonl")),
    TICKET_SERVICENOW_URL: snow.url,
    TICKET_SERVICENOW_USER: SNOW_USER,
    TICKET_SERVICENOW_PASSWORD: SNOW_PASSWORD,
    ...extra,
  });
  const summary = (rules = [CREATED], reason = "bastion access") =>
    settledEvent(rules, { ...META, TicketId: "CHG0030001", Reason: reason }, snowTicket);

  it.each(["work_notes", "comments"])("writes one %s entry, found again on a second push", async (field) => {
    const handler = loadBuiltFunction("ticket-notifier", snowEnv({ TICKET_SERVICENOW_FIELD: field }));
    const event = summary();
    const first = await quietly(() => push(handler, event));
    expect(first.value?.summaries[0]).toMatchObject({
      outcome: "written",
      ticket: `change_request/${SYS_ID}`,
    });
    const second = await quietly(() => push(handler, event));
    expect(second.value?.summaries[0]).toMatchObject({ outcome: "present" });
    const { journal } = await control(snow.url, "GET", `records/change_request/${SYS_ID}`);
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ element: field, sys_created_by: SNOW_USER });
    expect(journal[0].value).toContain(`Summary ${event.id}`);
  });

  it("down then back: one entry; a [code] block and HTML in the Reason stay inert", async () => {
    const handler = loadBuiltFunction("ticket-notifier", snowEnv({ TICKET_RETRY_MAX_ATTEMPTS: "2" }));
    const attack = "[code]<img src=x onerror=alert(1)>[/code] <b>bold</b>";
    const event = summary([CREATED], attack);
    await control(snow.url, "PUT", "faults", { faults: [{ kind: "reset", count: 2 }] });
    const down = await quietly(() => push(handler, event));
    expect(down.error?.name).toBe("TicketRedeliveryError");
    await quietly(() => push(handler, event));
    const { journal } = await control(snow.url, "GET", `records/change_request/${SYS_ID}`);
    expect(journal).toHaveLength(1);
    expect(journal[0].value).not.toMatch(/[[\]<>]/);
    expect(journal[0].value).toContain("code］‹img src=x onerror=alert(1)›");
  });

  it("a record that does not exist, and a user the instance refuses, are recorded once and acknowledged", async () => {
    const handler = loadBuiltFunction("ticket-notifier", snowEnv());
    const missing = settledEvent([CREATED], META, { ...snowTicket, sysId: "0".repeat(32) });
    const { value } = await quietly(() => push(handler, missing));
    // The journal search finds nothing; the update then answers 404.
    expect(value?.summaries[0]).toMatchObject({ outcome: "failed", errorCode: "Ticket.NotFound" });
    const refused = loadBuiltFunction(
      "ticket-notifier",
      snowEnv({ TICKET_SERVICENOW_PASSWORD: "not-the-password-123" }),
    );
    const denied = await quietly(() => push(refused, summary()));
    expect(denied.value?.summaries[0]).toMatchObject({ outcome: "failed", errorCode: "Ticket.Unauthorized" });
    expect((await control(snow.url, "GET", `records/change_request/${SYS_ID}`)).journal).toHaveLength(0);
  });
});

describe("what reaches the notifier", () => {
  it("a batch of summaries for two systems, and something that is no summary, acknowledged", async () => {
    const handler = loadBuiltFunction("ticket-notifier", {
      ...cloudEnv(),
      TICKET_SERVICENOW_URL: snow.url,
      TICKET_SERVICENOW_USER: SNOW_USER,
      TICKET_SERVICENOW_PASSWORD: SNOW_PASSWORD,
    });
    const jira: RequestSettledEvent = settledEvent([CREATED]);
    const servicenow = settledEvent([CREATED], META, snowTicket, {
      trigger: "queue:mns",
      origin: "queue",
      deliveryId: "m-1",
      fcRequestId: "r-1",
    });
    const { value } = await quietly(() =>
      push(handler, [jira, { ...jira, type: "ens.egress_rule.created" }, servicenow]),
    );
    expect(value?.summaries.map((s: Json) => s.outcome)).toEqual(["written", "invalid", "written"]);
  });

  it("a summary for a system the notifier has no settings for is recorded once as Ticket.NotConfigured", async () => {
    const handler = loadBuiltFunction("ticket-notifier", cloudEnv());
    const { value } = await quietly(() => push(handler, settledEvent([CREATED], META, snowTicket)));
    expect(value?.summaries[0]).toMatchObject({ outcome: "failed", errorCode: "Ticket.NotConfigured" });
  });
});
