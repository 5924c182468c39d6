/**
 * The ticket-system emulators are oracles for the notifier, so they are held to the vendors' rules here: each checks
 * credentials the way its vendor does (Jira Cloud basic auth with e-mail and API token, Data Center a bearer token
 * and REST v2 only, ServiceNow basic auth), Jira refuses a v3 body that is not ADF, ServiceNow ignores unknown fields
 * of an encoded query, the control API answers only what it documents, and faults fire as configured. The adapter's
 * search reads every page of a long comment list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJiraApi } from "#shared/adapters/tickets/jira-api.ts";
import { createTicketSystem } from "#shared/adapters/tickets/ticket-system.ts";
import { buildTicketComment } from "#shared/domain/ticket-comment.ts";
import {
  type RunningEmulator,
  startJiraEmulator,
  startServiceNowEmulator,
} from "../../../local/ticket-emulators/index.ts";
import { CREATED, settledEvent } from "../../unit/tickets/fixtures.ts";

const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const EMAIL = "bot@example.com";
const TOKEN = "token-7f3e1c9a5b2d";
const SYS_ID = "0123456789abcdef0123456789abcdef";

let cloud: RunningEmulator;
let dc: RunningEmulator;
let snow: RunningEmulator;

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const answer = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await answer.text();
  return { status: answer.status, body: text === "" ? null : (JSON.parse(text) as any) };
}

beforeAll(async () => {
  cloud = await startJiraEmulator({
    mode: "cloud",
    accounts: [{ email: EMAIL, token: TOKEN }],
    issues: ["NET-1"],
  });
  dc = await startJiraEmulator({ mode: "datacenter", accounts: [{ token: TOKEN }], issues: ["OPS-1"] });
  snow = await startServiceNowEmulator({
    users: [{ user: "bot", password: TOKEN }],
    records: [{ table: "incident", sys_id: SYS_ID, number: "INC0010001" }],
  });
});

afterAll(async () => {
  await Promise.all([cloud?.close(), dc?.close(), snow?.close()]);
});

const doc = (text: string) => ({
  version: 1,
  type: "doc",
  content: [{ type: "paragraph", content: [{ type: "text", text }] }],
});

describe("Jira Cloud emulator", () => {
  const comments = "/rest/api/3/issue/NET-1/comment";

  it("accepts basic auth with the account e-mail and API token, and nothing else", async () => {
    expect((await call(cloud.url, "GET", comments, { authorization: basic(EMAIL, TOKEN) })).status).toBe(200);
    for (const authorization of [
      basic(EMAIL, "wrong"),
      basic("other@example.com", TOKEN),
      `Bearer ${TOKEN}`,
      "",
    ]) {
      const answer = await call(cloud.url, "GET", comments, { authorization });
      expect(answer.status).toBe(401);
      expect(answer.body.errorMessages).toHaveLength(1);
    }
  });

  it("takes only an ADF document as a v3 body, and stores comment properties given with it", async () => {
    const auth = { authorization: basic(EMAIL, TOKEN) };
    for (const body of ["plain text", { type: "doc", version: 1, content: [{ type: "script" }] }, doc("")]) {
      expect((await call(cloud.url, "POST", comments, auth, { body })).status).toBe(400);
    }
    const created = await call(cloud.url, "POST", comments, auth, {
      body: doc("hello"),
      properties: [{ key: "k", value: { a: 1 } }],
    });
    expect(created.status).toBe(201);
    const page = await call(cloud.url, "GET", `${comments}?expand=properties&orderBy=-created`, auth);
    expect(page.body.comments[0]).toMatchObject({
      id: created.body.id,
      properties: [{ key: "k", value: { a: 1 } }],
    });
    expect((await call(cloud.url, "GET", `${comments}?orderBy=author`, auth)).status).toBe(400);
  });

  it("a missing issue is 404; an unknown transition is 400; a known one moves the issue", async () => {
    const auth = { authorization: basic(EMAIL, TOKEN) };
    expect((await call(cloud.url, "GET", "/rest/api/3/issue/NET-9/comment", auth)).status).toBe(404);
    const transitions = "/rest/api/3/issue/NET-1/transitions";
    expect((await call(cloud.url, "POST", transitions, auth, { transition: { id: "99" } })).status).toBe(400);
    expect((await call(cloud.url, "POST", transitions, auth, { transition: { id: "31" } })).status).toBe(204);
    // From Done, Done is no longer offered.
    expect((await call(cloud.url, "POST", transitions, auth, { transition: { id: "31" } })).status).toBe(400);
  });

  it("the control API answers on loopback and refuses a fault it does not know", async () => {
    const bad = await fetch(`${cloud.url}/__emulator/faults`, {
      method: "PUT",
      body: JSON.stringify({ faults: [{ kind: "explode" }] }),
    });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${cloud.url}/__emulator/faults`, {
      method: "PUT",
      body: JSON.stringify({ faults: [{ kind: "error", status: 502, count: 1 }] }),
    });
    expect(ok.status).toBe(200);
    const auth = { authorization: basic(EMAIL, TOKEN) };
    expect((await call(cloud.url, "GET", comments, auth)).status).toBe(502);
    expect((await call(cloud.url, "GET", comments, auth)).status).toBe(200);
  });

  it("the adapter reads every page of a long comment list (the summary is the oldest of 230)", async () => {
    await fetch(`${cloud.url}/__emulator/reset`, { method: "POST" });
    await fetch(`${cloud.url}/__emulator/issues`, { method: "POST", body: JSON.stringify({ key: "NET-2" }) });
    const system = createTicketSystem(
      createJiraApi({
        settings: {
          url: cloud.url,
          api: "cloud",
          authorization: basic(EMAIL, TOKEN),
          comment: "issue",
          transitions: { applied: null, refused: null },
        },
        timeoutMs: 2000,
        secrets: [],
      }),
      { retry: { maxAttempts: 1, baseMs: 0, maxDelayMs: 0 } },
    );
    const ticket = { system: "jira" as const, key: "NET-2" };
    const comment = buildTicketComment(settledEvent([CREATED]), { exceptionContact: "x" });
    const first = await system.ensureComment(ticket, comment, { deadline: Date.now() + 10_000 });
    expect(first).toMatchObject({ ok: true, value: { state: "written" } });
    const auth = { authorization: basic(EMAIL, TOKEN) };
    for (let i = 0; i < 229; i++)
      await call(cloud.url, "POST", "/rest/api/3/issue/NET-2/comment", auth, { body: doc(`note ${i}`) });
    const again = await system.ensureComment(ticket, comment, { deadline: Date.now() + 10_000 });
    expect(again).toMatchObject({ ok: true, value: { state: "present" } });
    const stats = (await (await fetch(`${cloud.url}/__emulator/stats`)).json()) as any;
    // 1 page before the write, then 3 pages of 100 to reach the oldest comment.
    expect(stats.calls["GET /rest/api/3/issue/{key}/comment"].total).toBe(4);
  });
});

describe("Jira Data Center emulator", () => {
  it("accepts the personal access token as bearer only, and serves REST v2 only", async () => {
    const path = "/rest/api/2/issue/OPS-1/comment";
    expect((await call(dc.url, "GET", path, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await call(dc.url, "GET", path, { authorization: basic("bot", TOKEN) })).status).toBe(401);
    expect(
      (await call(dc.url, "GET", "/rest/api/3/issue/OPS-1/comment", { authorization: `Bearer ${TOKEN}` }))
        .status,
    ).toBe(404);
    expect(
      (await call(dc.url, "POST", path, { authorization: `Bearer ${TOKEN}` }, { body: doc("x") })).status,
    ).toBe(400);
  });
});

describe("ServiceNow emulator", () => {
  const auth = { authorization: basic("bot", TOKEN) };
  const record = `/api/now/table/incident/${SYS_ID}`;

  it("accepts basic auth only, answering with the instance's error body", async () => {
    const answer = await call(
      snow.url,
      "PATCH",
      record,
      { authorization: `Bearer ${TOKEN}` },
      { work_notes: "x" },
    );
    expect(answer).toEqual({
      status: 401,
      body: {
        error: { message: "User Not Authenticated", detail: "Required to provide Auth information" },
        status: "failure",
      },
    });
    expect(
      (await call(snow.url, "PATCH", `/api/now/table/incident/${"f".repeat(32)}`, auth, { work_notes: "x" }))
        .status,
    ).toBe(404);
  });

  it("turns work_notes and comments into journal entries, and refuses one over 4,000 characters", async () => {
    expect(
      (await call(snow.url, "PATCH", record, auth, { work_notes: "first note", comments: "for the caller" }))
        .status,
    ).toBe(200);
    expect((await call(snow.url, "PATCH", record, auth, { work_notes: "x".repeat(4001) })).status).toBe(400);
    const query = `element_id=${SYS_ID}^name=incident^sys_created_by=bot^valueLIKEfirst`;
    const found = await call(
      snow.url,
      "GET",
      `/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=sys_id,element`,
      auth,
    );
    expect(found.body.result).toEqual([
      { sys_id: expect.stringMatching(/^[0-9a-f]{32}$/), element: "work_notes" },
    ]);
  });

  it("ignores a condition on a field the table does not have, as an instance does", async () => {
    const query = `element_id=${SYS_ID}^no_such_field=1`;
    const found = await call(
      snow.url,
      "GET",
      `/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(query)}`,
      auth,
    );
    expect(found.body.result.length).toBeGreaterThanOrEqual(2);
  });
});
