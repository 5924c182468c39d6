/**
 * Fuzzes the configured secrets of the built functions (fast-check): random short ones must stop the cold start
 * with a message naming the variable; with random 16+ character ones (random text, digits, JSON literals and
 * punctuation, pieces of the event type, of `source` and of other output values), every answer, log line and audit
 * event must still parse as JSON, keep its CloudEvents attributes (type, subject, data), and hold no spelling of a
 * secret in any of its values.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJiraBody } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { startHttpAuditReceiver } from "../helpers/audit-receivers.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout, type StdoutCapture } from "../helpers/capture-stdout.ts";
import { emulatorControl } from "../helpers/emulator-client.ts";
import { fc3HttpEvent } from "../helpers/fc3-http-event.ts";
import {
  cloudEventProblems,
  FIXED_VALUES,
  isAuditEvent,
  leakedSpellings,
  parseLines,
  spellingsOf,
} from "../helpers/secret-spellings.ts";

/** STS credentials as FC passes them (long, random): they must not appear either. */
const credentials = {
  accessKeyId: "STS.FuzzAk7Hq2",
  accessKeySecret: "Fz8Kq3Lm7Pn2Rs6Tv1Wx5Yz9Ab4Cd0",
  securityToken: `CAIS${Buffer.from("fuzz-sts-token/with+special=chars and more bytes").toString("base64")}`,
};
const SOURCE = "acs:fc:cn-hangzhou:1234567890123456:services/ens-egress/functions/http-intake";
const GROUP = "sg-demo0001";

/** Text the outputs carry anyway: a secret made of it is the hardest case for redaction. */
const PIECES = [
  "ens.egress_rule.created",
  "ens.egress_rule.already_exists",
  "ens.egress_rule.rejected",
  "application/json",
  "urn:ens-egress:events:audit:v1",
  SOURCE,
  GROUP,
  "10.0.0.0/8",
  "1234567890123456",
  "InvalidRequest",
  "authentication failed",
  "null",
  "true",
  "false",
  "0",
  "1.0",
  '{"',
  '":"',
  '","',
  '":',
  ',"',
  '"}',
  "[]",
  "{}",
  ":",
  "\\",
  '"type":"ens.egress_rule.',
  '"subject":"sg-demo0001"',
  "specversion",
  "results",
  "outcome",
];

/** A comma splits a list and blanks around a value are trimmed: the value the function sees. */
const asConfigured = (text: string) => text.replaceAll(",", ";").trim();

const plainSecret = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constantFrom("t", "e", "1", "null", "rule", "demo", "true", "type", "0", "ens"),
    fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }).map((parts) => parts.join("")),
    fc
      .tuple(
        fc.constantFrom(...PIECES.filter((p) => p.length > 16)),
        fc.nat(),
        fc.integer({ min: 1, max: 40 }),
      )
      .map(([piece, start, length]) => piece.slice(start % piece.length, (start % piece.length) + length)),
    fc.stringMatching(/^[0-9]{12,20}$/),
    fc.uint8Array({ minLength: 8, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("base64")),
  )
  .map(asConfigured)
  .filter((s) => s !== "");

/** A bearer token is one word (`Authorization: Bearer <token>`): white space becomes `-`. */
const bearerToken = plainSecret.map((s) => s.replace(/\s/g, "-"));

const whsecSecret = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(...PIECES).map((piece) => Buffer.from(piece.padEnd(16, piece))),
    fc.constantFrom(...PIECES).map((piece) => Buffer.from(piece)),
  )
  .map((key) => `whsec_${key.toString("base64")}`);

const longEnough = (secret: string) => ruleLength(secret) >= 16;
const longList = (secret: fc.Arbitrary<string>) =>
  fc.array(secret.filter(longEnough), { minLength: 1, maxLength: 2 });

/** A configuration whose every secret passes the length rule. */
const longConfig = fc.record(
  {
    API_TOKENS: longList(bearerToken),
    JIRA_WEBHOOK_SECRETS: longList(plainSecret),
    JIRA_AUTOMATION_TOKENS: longList(bearerToken),
    SERVICENOW_TOKENS: longList(bearerToken),
    STANDARD_WEBHOOK_SECRETS: longList(whsecSecret),
    AUDIT_HTTP_SECRET: whsecSecret.filter(longEnough).map((s) => [s]),
  },
  { requiredKeys: ["API_TOKENS"] },
);
/** The variables the length rule applies to, each with its list of values. */
type Config = Partial<
  Record<
    | "API_TOKENS"
    | "JIRA_WEBHOOK_SECRETS"
    | "JIRA_AUTOMATION_TOKENS"
    | "SERVICENOW_TOKENS"
    | "STANDARD_WEBHOOK_SECRETS"
    | "AUDIT_HTTP_SECRET",
    string[]
  >
>;

/** The same with one value of one variable replaced by a short one (a whsec_ key under 16 bytes). */
const shortConfig = fc
  .tuple(
    longConfig,
    fc.constantFrom<keyof Config>(
      "API_TOKENS",
      "JIRA_WEBHOOK_SECRETS",
      "JIRA_AUTOMATION_TOKENS",
      "SERVICENOW_TOKENS",
      "STANDARD_WEBHOOK_SECRETS",
      "AUDIT_HTTP_SECRET",
    ),
    bearerToken.filter((s) => !longEnough(s)),
    whsecSecret.filter((s) => !longEnough(s)),
  )
  .map(([base, name, plain, whsec]): Config => {
    const short = name === "STANDARD_WEBHOOK_SECRETS" || name === "AUDIT_HTTP_SECRET" ? whsec : plain;
    return { ...base, [name]: [...(base[name] ?? []).slice(0, name === "AUDIT_HTTP_SECRET" ? 0 : 1), short] };
  });

/** The length the rule counts: characters, or bytes of the decoded key of a `whsec_` secret. */
function ruleLength(secret: string): number {
  return secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64").length : secret.length;
}

let emulator: EnsEmulator;
let capture: StdoutCapture;
let dir: string;
let port = 20_000;

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    securityGroups: [GROUP],
    accessKeys: [
      {
        id: credentials.accessKeyId,
        secret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), "ens-egress-secrets-fuzz-"));
  capture = captureStdout();
});

afterAll(async () => {
  capture?.stop();
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function httpEvent(path: string, body: string, headers: Record<string, string>): Buffer {
  return fc3HttpEvent({ path, body, headers, sourceIp: "10.9.9.9", requestId: `fuzz-${port}` });
}

/** Drives every route the configuration allows, plus the queue; returns what the caller got back. */
async function drive(http: BuiltHandler, queue: BuiltHandler, secrets: Config) {
  const answers: Array<{ statusCode: number; body: string }> = [];
  const call = async (path: string, body: string, headers: Record<string, string>) => {
    const answer = (await http(
      httpEvent(path, body, headers),
      createFcContext({ credentials, functionName: "http-intake" }),
    )) as { statusCode: number; body: string };
    answers.push(answer);
    return answer;
  };
  const rule = () => ({
    SecurityGroupId: GROUP,
    IpProtocol: "tcp",
    PortRange: `${++port}/${port}`,
    DestCidrIp: "10.0.0.0/8",
  });
  const bearer = (token: string | undefined) => ({ authorization: `Bearer ${token}` });

  const expected = [
    await call(
      "/rules",
      JSON.stringify({ ...rule(), TicketId: "NET-1", Reason: "fuzz" }),
      bearer(secrets.API_TOKENS?.[0]),
    ),
  ];
  expect(
    (await call("/rules", JSON.stringify({ ...rule(), PortRange: "x" }), bearer(secrets.API_TOKENS?.[0])))
      .statusCode,
  ).toBe(400);
  expect((await call("/rules", JSON.stringify(rule()), bearer("not-a-configured-token"))).statusCode).toBe(
    401,
  );
  if (secrets.SERVICENOW_TOKENS) {
    expected.push(
      await call("/webhooks/servicenow", JSON.stringify(rule()), bearer(secrets.SERVICENOW_TOKENS[0])),
    );
  }
  if (secrets.JIRA_AUTOMATION_TOKENS) {
    expected.push(
      await call("/webhooks/jira", JSON.stringify(rule()), bearer(secrets.JIRA_AUTOMATION_TOKENS[0])),
    );
  }
  if (secrets.JIRA_WEBHOOK_SECRETS) {
    const body = JSON.stringify(rule());
    const signature = signJiraBody(body, secrets.JIRA_WEBHOOK_SECRETS[0] ?? "");
    expected.push(await call("/webhooks/jira", body, { "x-hub-signature": signature }));
  }
  if (secrets.STANDARD_WEBHOOK_SECRETS) {
    const body = JSON.stringify(rule());
    const id = `msg_${port}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook(id, timestamp, body, secrets.STANDARD_WEBHOOK_SECRETS[0] ?? "");
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    };
    expected.push(await call("/webhooks/generic", body, headers));
  }
  for (const answer of expected) expect(answer.statusCode, answer.body.slice(0, 300)).toBe(200);
  const summary = await queue(Buffer.from(JSON.stringify(rule())), createFcContext({ credentials }));
  return { answers, summary };
}

describe("configured secrets, fuzzed", () => {
  it("short ones stop the cold start naming the variable; long ones leave every output JSON, whole and clean", async () => {
    let refused = 0;
    let started = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(longConfig, shortConfig), async (secrets: Config) => {
        const names = Object.keys(secrets) as Array<keyof Config>;
        const tooShort = names.filter((name) => secrets[name]?.some((s) => ruleLength(s) < 16));
        const auditFile = join(dir, `audit-${port}.jsonl`);
        const receiver = secrets.AUDIT_HTTP_SECRET?.[0]
          ? await startHttpAuditReceiver({ secret: secrets.AUDIT_HTTP_SECRET[0] })
          : null;
        try {
          const env: Record<string, string> = {
            ENS_ENDPOINT: emulator.url,
            AUDIT_FILE: auditFile,
            AUDIT_SOURCE: SOURCE,
            RETRY_BASE_MS: "1",
            RETRY_MAX_DELAY_MS: "2",
            LOG_LEVEL: "debug",
            ...(receiver ? { AUDIT_HTTP_URL: receiver.url } : {}),
          };
          for (const name of names) env[name] = (secrets[name] ?? []).join(",");

          let http: BuiltHandler;
          let queue: BuiltHandler;
          try {
            http = loadBuiltFunction("http-intake", env);
            queue = loadBuiltFunction("queue-worker", env);
          } catch (error) {
            const { variable, message } = error as Error & { variable?: string };
            expect(tooShort, message).toContain(variable);
            refused += 1;
            expect(message).toMatch(
              new RegExp(
                `^${variable}( \\(value \\d of \\d\\))?: (it is shorter than 16 characters|its key \\(the Base64 after "whsec_"\\) decodes to fewer than 16 bytes); use a random 32-byte value, e\\.g\\. \`openssl rand -base64 32\`$`,
              ),
            );
            return;
          }
          expect(tooShort, "a short secret was accepted").toEqual([]);
          started += 1;

          // A fresh group each run: the emulator enforces the ENS quota of rules per group.
          await emulatorControl(emulator.url).resetWith(GROUP);
          const mark = capture.text().length;
          const { answers, summary } = await drive(http, queue, secrets);
          const bodies = answers.map((a) => JSON.parse(a.body) as unknown);
          const log = parseLines(capture.text().slice(mark));
          const file = parseLines(readFileSync(auditFile, "utf8"));
          const received = (receiver?.requests ?? []).map((r) => JSON.parse(r.body) as unknown);

          const events = [...log, ...file, ...received].filter(isAuditEvent);
          expect(events.length).toBeGreaterThanOrEqual(2 * (answers.length + 1));
          for (const event of events) {
            expect(cloudEventProblems(event), JSON.stringify(event).slice(0, 400)).toEqual([]);
            const data = event.data as { rule: { SecurityGroupId: string } | null };
            if (data.rule !== null) {
              expect(event.subject).toBe(GROUP);
              expect(data.rule.SecurityGroupId).toBe(GROUP);
            }
          }
          // Each accepted delivery's event is there, with its type, subject and rule, in the log and the file.
          const accepted = answers.filter((a) => a.statusCode === 200).map((a) => JSON.parse(a.body));
          for (const body of accepted as Array<{ results: Array<{ auditId: string; rule: unknown }> }>) {
            for (const result of body.results) {
              for (const source of [log, file]) {
                const event = source.filter(isAuditEvent).find((e) => e.id === result.auditId);
                expect(event?.type).toMatch(/^ens\.egress_rule\.(created|already_exists)$/);
                expect(event?.subject).toBe(GROUP);
                expect((event?.data as { rule: unknown } | undefined)?.rule).toEqual(result.rule);
              }
            }
          }

          const all = [
            ...names.flatMap((name) => secrets[name] ?? []),
            credentials.accessKeySecret,
            credentials.securityToken,
          ];
          const outputs = { bodies, log, file, received, summary };
          expect(leakedSpellings(outputs, all)).toEqual([]);
          // A spelling made of token characters that is not part of the fixed vocabulary appears nowhere at all
          const raw = [
            JSON.stringify(answers),
            capture.text().slice(mark),
            readFileSync(auditFile, "utf8"),
          ].join("\n");
          // (JSON punctuation in a spelling could be read across the structure of a line: the value check covers it.)
          const fixed = [...FIXED_VALUES, "application/json; charset=utf-8"];
          const tokenLike = (text: string) => /^[\w+/=.~%-]+$/.test(text);
          for (const secret of all) {
            for (const spelling of spellingsOf(secret).filter(tokenLike)) {
              if (fixed.some((value) => value.includes(spelling))) continue;
              expect(raw.includes(spelling), `leaked ${spelling}`).toBe(false);
            }
          }
        } finally {
          await receiver?.close();
        }
      }),
      { numRuns: 40, seed: 1414 },
    );
    // Both halves of the property really ran.
    expect(refused).toBeGreaterThan(8);
    expect(started).toBeGreaterThan(8);
  });
});
