/**
 * The local webhook secrets and a re-signer for the FC 3.0 HTTP fixtures in `events/http/`. The Standard Webhooks
 * fixture carries a timestamp, so it is stale a few minutes after it was signed; re-sign it with the current time
 * before replaying it against a running stack:
 *
 *   node --import tsx test/helpers/sign-fixture.ts events/http/generic-standard-webhook.json --now > /tmp/e.json
 *   npm run invoke -- http-intake /tmp/e.json
 *
 * `--write` rewrites the file in place instead (after editing a fixture body; keeps its timestamp unless `--now`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { HttpIntakeSecrets } from "#shared/triggers/http-intake-decoder.ts";
import { signJiraBody } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";

/** The secrets the fixtures are signed with; the local stack's defaults must match them (events/README.md). */
export const LOCAL_SECRETS = {
  apiToken: "local-operator-token",
  jiraSecret: "local-jira-secret",
  jiraAutomationToken: "local-jira-automation-token",
  serviceNowToken: "local-servicenow-token",
  standardWebhookSecret: `whsec_${Buffer.from("local-standard-webhook-secret").toString("base64")}`,
} as const;

/** The `JIRA_FIELD_MAP` that `events/http/jira-native.json` is written for. */
export const LOCAL_JIRA_FIELD_MAP: Readonly<Record<string, string>> = {
  SecurityGroupId: "customfield_10100",
  IpProtocol: "customfield_10101",
  PortRange: "customfield_10102",
  DestCidrIp: "customfield_10103",
  Policy: "customfield_10104",
  Priority: "customfield_10105",
  Reason: "summary",
};

/** `HttpIntakeSecrets` holding the local secrets; override single fields for a test. */
export function localIntakeSecrets(overrides: Partial<HttpIntakeSecrets> = {}): HttpIntakeSecrets {
  return {
    apiTokens: [LOCAL_SECRETS.apiToken],
    jiraSecrets: [LOCAL_SECRETS.jiraSecret],
    jiraAutomationTokens: [LOCAL_SECRETS.jiraAutomationToken],
    serviceNowTokens: [LOCAL_SECRETS.serviceNowToken],
    standardWebhookSecrets: [LOCAL_SECRETS.standardWebhookSecret],
    webhookToleranceSeconds: 300,
    maxBodyBytes: 65536,
    jiraFieldMap: { ...LOCAL_JIRA_FIELD_MAP },
    ...overrides,
  };
}

/** The subset of an FC 3.0 HTTP event the signer touches. */
export interface SignableEvent {
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  requestContext: { timeEpoch: string; time: string; [key: string]: unknown };
  [key: string]: unknown;
}

function headerName(headers: Record<string, string>, lowerCaseName: string): string {
  return Object.keys(headers).find((name) => name.toLowerCase() === lowerCaseName) ?? lowerCaseName;
}

/**
 * Recomputes the signature headers of an FC 3.0 HTTP fixture with the local secrets: `X-Hub-Signature` on
 * `/webhooks/jira`, `webhook-signature` on `/webhooks/generic`. With `nowMs`, the Standard Webhooks timestamp and
 * the request time are moved to that instant first. Other routes are returned unchanged (bearer tokens).
 */
export function resignFixture<T extends SignableEvent>(event: T, options: { nowMs?: number } = {}): T {
  const copy = structuredClone(event);
  const body = copy.isBase64Encoded ? Buffer.from(copy.body, "base64") : Buffer.from(copy.body, "utf8");
  if (copy.rawPath === "/webhooks/jira") {
    copy.headers[headerName(copy.headers, "x-hub-signature")] = signJiraBody(body, LOCAL_SECRETS.jiraSecret);
  }
  if (copy.rawPath === "/webhooks/generic") {
    const timestampName = headerName(copy.headers, "webhook-timestamp");
    if (options.nowMs !== undefined) {
      copy.headers[timestampName] = String(Math.floor(options.nowMs / 1000));
      copy.requestContext.timeEpoch = String(options.nowMs);
      copy.requestContext.time = `${new Date(options.nowMs).toISOString().slice(0, 19)}Z`;
    }
    const id = copy.headers[headerName(copy.headers, "webhook-id")] ?? "";
    const timestamp = Number(copy.headers[timestampName]);
    copy.headers[headerName(copy.headers, "webhook-signature")] = signStandardWebhook(
      id,
      timestamp,
      body,
      LOCAL_SECRETS.standardWebhookSecret,
    );
  }
  return copy;
}

function main(argv: string[]): void {
  const file = argv.find((arg) => !arg.startsWith("--"));
  if (file === undefined) {
    console.error("usage: sign-fixture.ts <events/http/file.json> [--now] [--write]");
    process.exit(2);
  }
  const event = JSON.parse(readFileSync(file, "utf8")) as SignableEvent;
  const signed = resignFixture(event, argv.includes("--now") ? { nowMs: Date.now() } : {});
  const text = `${JSON.stringify(signed, null, 2)}\n`;
  if (argv.includes("--write")) writeFileSync(file, text);
  else process.stdout.write(text);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
