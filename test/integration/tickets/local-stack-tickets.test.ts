/**
 * The loop closed on the local stack (`npm start`, in process): a signed Jira webhook for NET-231 creates its rule in
 * the ENS emulator, http-intake puts the request summary on the local audit bus, the bus's rule pushes it to the
 * built ticket-notifier, and the local Jira shows one comment on NET-231 that names the rule's audit id. The same
 * webhook delivered again leaves that one comment.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { TICKET_CONFIG_ENV_VARS } from "#shared/ticket-config-docs.ts";
import { type LocalStack, startLocalStack } from "../../../local/fc-server/stack.ts";

const dir = mkdtempSync(join(tmpdir(), "stack-tickets-"));
const saved = { ...process.env };
let stack: LocalStack;

type Json = Record<string, any>;
const fixture = JSON.parse(readFileSync("events/http/jira-native.json", "utf8")) as {
  body: string;
  headers: Record<string, string>;
};

async function deliverWebhook(): Promise<Json> {
  const headers = Object.fromEntries(
    Object.entries(fixture.headers).filter(([name]) => name !== "Content-Length"),
  );
  const answer = await fetch(`${stack.http}/webhooks/jira`, { method: "POST", headers, body: fixture.body });
  return { status: answer.status, ...((await answer.json()) as Json) };
}

async function issue(key: string): Promise<Json> {
  return (await (await fetch(`${stack.jira}/__emulator/issues/${key}`)).json()) as Json;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  for (const spec of [...CONFIG_ENV_VARS, ...TICKET_CONFIG_ENV_VARS]) delete process.env[spec.name];
  for (const name of Object.keys(process.env))
    if (/^(LOCAL_FC_|ENS_EMULATOR_)/.test(name)) delete process.env[name];
  process.env.PORT = "0";
  process.env.AUDIT_FILE = join(dir, "audit.jsonl");
  stack = await startLocalStack({ log: () => {}, writeFunctionLog: () => {} });
});

afterAll(async () => {
  await stack?.close();
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  rmSync(dir, { recursive: true, force: true });
});

describe("npm start closes the loop", () => {
  it("a Jira webhook produces a rule and one comment on its ticket, also when Jira delivers it twice", async () => {
    expect(stack.jira).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await deliverWebhook();
    expect(first.status).toBe(200);
    const [rule] = first.results;
    expect(rule).toMatchObject({ outcome: "created" });
    const commented = await until(
      () => issue("NET-231"),
      (value) => value.comments.length > 0,
    );
    expect(commented.comments).toHaveLength(1);
    expect(commented.comments[0].text).toContain("Egress rules applied");
    expect(commented.comments[0].text).toContain(`Audit id ${rule.auditId}.`);

    const again = await deliverWebhook();
    expect(again.results[0]).toMatchObject({ outcome: "already_exists" });
    const records = await until(
      async () =>
        readFileSync(join(dir, "audit.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as Json),
      (lines) => lines.filter((line) => line.type?.startsWith("ens.ticket_comment.")).length >= 2,
    );
    const summaries = records.filter((line) => line.type === "ens.egress_request.settled");
    expect(summaries).toHaveLength(2);
    expect(new Set(summaries.map((s) => s.id)).size).toBe(1);
    expect(
      records
        .filter((line) => line.type?.startsWith("ens.ticket_comment."))
        .map((l) => l.type)
        .sort(),
    ).toEqual(["ens.ticket_comment.present", "ens.ticket_comment.written"]);
    expect((await issue("NET-231")).comments).toHaveLength(1);
  });
});
