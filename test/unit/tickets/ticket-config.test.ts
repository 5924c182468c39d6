/**
 * The notifier's configuration: its documented table and its runtime defaults agree; each ticket system is off until
 * its URL is set, then needs its credentials; a bad value names the variable, never the value; and every credential,
 * in every spelling that reaches a header, is on the redaction list.
 */
import { describe, expect, it } from "vitest";
import { loadTicketConfig, TICKET_VARIABLES } from "#shared/ticket-config.ts";
import { TICKET_CONFIG_ENV_VARS } from "#shared/ticket-config-docs.ts";

const TOKEN = "jira-api-token-5d1c9e7a3b";
const PASSWORD = "snow-password-2f8a6c4e0d";

function configError(env: Record<string, string>): { message: string; variable: string } {
  try {
    loadTicketConfig(env);
  } catch (error) {
    return error as { message: string; variable: string };
  }
  throw new Error("expected a ConfigError");
}

describe("the table", () => {
  it("documents every variable the code reads, with its default and a meaning", () => {
    expect(TICKET_CONFIG_ENV_VARS.map((spec) => spec.name)).toEqual(Object.keys(TICKET_VARIABLES));
    for (const spec of TICKET_CONFIG_ENV_VARS) expect(spec.meaning.length).toBeGreaterThan(10);
  });

  it("marks the two credentials as secrets, and names only TICKET_* variables", () => {
    expect(TICKET_CONFIG_ENV_VARS.filter((spec) => spec.secret).map((spec) => spec.name)).toEqual([
      "TICKET_JIRA_TOKEN",
      "TICKET_SERVICENOW_PASSWORD",
    ]);
    for (const spec of TICKET_CONFIG_ENV_VARS) expect(spec.name).toMatch(/^TICKET_[A-Z_]+$/);
  });
});

describe("loadTicketConfig", () => {
  it("turns nothing on by default", () => {
    expect(loadTicketConfig({})).toMatchObject({
      jira: null,
      serviceNow: null,
      secrets: [],
      timeoutMs: 5000,
      retry: { maxAttempts: 4, baseMs: 200, maxDelayMs: 5000 },
    });
  });

  it("Jira Cloud: basic auth with the account e-mail and API token; Data Center: the token as bearer", () => {
    const cloud = loadTicketConfig({
      TICKET_JIRA_URL: "https://example.atlassian.net/",
      TICKET_JIRA_EMAIL: "bot@example.com",
      TICKET_JIRA_TOKEN: TOKEN,
      TICKET_JIRA_TRANSITION_APPLIED: "31",
    });
    expect(cloud.jira).toEqual({
      url: "https://example.atlassian.net",
      api: "cloud",
      authorization: `Basic ${Buffer.from(`bot@example.com:${TOKEN}`).toString("base64")}`,
      comment: "issue",
      transitions: { applied: "31", refused: null },
    });
    const dc = loadTicketConfig({
      TICKET_JIRA_URL: "https://jira.example.com",
      TICKET_JIRA_API: "datacenter",
      TICKET_JIRA_TOKEN: TOKEN,
      TICKET_JIRA_COMMENT: "servicedesk-internal",
    });
    expect(dc.jira).toMatchObject({
      api: "datacenter",
      authorization: `Bearer ${TOKEN}`,
      comment: "servicedesk-internal",
    });
  });

  it("ServiceNow: basic auth, work notes unless told otherwise", () => {
    const config = loadTicketConfig({
      TICKET_SERVICENOW_URL: "https://acme.service-now.com",
      TICKET_SERVICENOW_USER: "ens.notifier",
      TICKET_SERVICENOW_PASSWORD: PASSWORD,
    });
    expect(config.serviceNow).toEqual({
      url: "https://acme.service-now.com",
      user: "ens.notifier",
      authorization: `Basic ${Buffer.from(`ens.notifier:${PASSWORD}`).toString("base64")}`,
      field: "work_notes",
    });
  });

  it.each([
    [{ TICKET_JIRA_URL: "https://x.atlassian.net", TICKET_JIRA_TOKEN: TOKEN }, "TICKET_JIRA_EMAIL"],
    [{ TICKET_JIRA_URL: "https://x.atlassian.net", TICKET_JIRA_EMAIL: "a@b.c" }, "TICKET_JIRA_TOKEN"],
    [{ TICKET_JIRA_URL: "https://bot:pw@x.atlassian.net" }, "TICKET_JIRA_URL"],
    [{ TICKET_JIRA_URL: "ftp://x" }, "TICKET_JIRA_URL"],
    [
      { TICKET_JIRA_URL: "https://x", TICKET_JIRA_API: "server", TICKET_JIRA_TOKEN: TOKEN },
      "TICKET_JIRA_API",
    ],
    [
      {
        TICKET_JIRA_URL: "https://x",
        TICKET_JIRA_API: "datacenter",
        TICKET_JIRA_TOKEN: TOKEN,
        TICKET_JIRA_TRANSITION_REFUSED: "Done",
      },
      "TICKET_JIRA_TRANSITION_REFUSED",
    ],
    [
      {
        TICKET_SERVICENOW_URL: "https://x",
        TICKET_SERVICENOW_USER: "a^b",
        TICKET_SERVICENOW_PASSWORD: PASSWORD,
      },
      "TICKET_SERVICENOW_USER",
    ],
    [
      {
        TICKET_SERVICENOW_URL: "https://x",
        TICKET_SERVICENOW_USER: "u",
        TICKET_SERVICENOW_PASSWORD: "short",
      },
      "TICKET_SERVICENOW_PASSWORD",
    ],
    [
      {
        TICKET_SERVICENOW_URL: "https://x",
        TICKET_SERVICENOW_USER: "u",
        TICKET_SERVICENOW_PASSWORD: PASSWORD,
        TICKET_SERVICENOW_FIELD: "description",
      },
      "TICKET_SERVICENOW_FIELD",
    ],
    [{ TICKET_TIMEOUT_MS: "50" }, "TICKET_TIMEOUT_MS"],
  ])("refuses %j, naming %s and never the value", (env, variable) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    for (const value of [TOKEN, PASSWORD, "pw-9x", "bot:pw"]) expect(error.message).not.toContain(value);
  });

  it("puts every credential and every header built from it on the redaction list", () => {
    const env = {
      TICKET_JIRA_URL: "https://x.atlassian.net",
      TICKET_JIRA_EMAIL: "bot@example.com",
      TICKET_JIRA_TOKEN: TOKEN,
      TICKET_SERVICENOW_URL: "https://acme.service-now.com",
      TICKET_SERVICENOW_USER: "u",
      TICKET_SERVICENOW_PASSWORD: PASSWORD,
    };
    const config = loadTicketConfig(env);
    const { secrets } = config;
    expect(secrets).toEqual(
      expect.arrayContaining([
        TOKEN,
        PASSWORD,
        config.jira?.authorization,
        Buffer.from(`bot@example.com:${TOKEN}`).toString("base64"),
        Buffer.from(`u:${PASSWORD}`).toString("base64"),
      ]),
    );
  });
});
