import { describe, expect, it } from "vitest";
import { LocalStackError } from "../../../local/fc-server/errors.ts";
import { DEMO_FUNCTION_ENV, readLocalSettings } from "../../../local/fc-server/local-settings.ts";
import { LOCAL_JIRA_FIELD_MAP, LOCAL_SECRETS } from "../../helpers/sign-fixture.ts";

describe("readLocalSettings", () => {
  it("uses the documented defaults", () => {
    expect(readLocalSettings({}, "/repo")).toEqual({
      port: 9000,
      fcAccessKeyId: "local-fc-ak",
      fcAccessKeySecret: "local-fc-secret",
      accountId: "1234567890123456",
      region: "cn-hangzhou",
      timeoutOverrideSeconds: null,
      ensEndpoint: null,
      auditFile: "/repo/.local/audit.jsonl",
    });
  });

  it("lets the user's environment win", () => {
    const settings = readLocalSettings(
      {
        PORT: "0",
        LOCAL_FC_ACCOUNT_ID: "42",
        LOCAL_FC_TIMEOUT_SECONDS: "3",
        AUDIT_FILE: "/tmp/a.jsonl",
        ENS_ENDPOINT: "https://ens.aliyuncs.com",
      },
      "/repo",
    );
    expect(settings).toMatchObject({
      port: 0,
      accountId: "42",
      timeoutOverrideSeconds: 3,
      auditFile: "/tmp/a.jsonl",
      ensEndpoint: "https://ens.aliyuncs.com",
    });
  });

  it.each([
    [{ PORT: "http" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ LOCAL_FC_TIMEOUT_SECONDS: "0" }, "LOCAL_FC_TIMEOUT_SECONDS"],
    [{ LOCAL_FC_ACCOUNT_ID: "acct" }, "LOCAL_FC_ACCOUNT_ID"],
    [{ ENS_ENDPOINT: "ftp://x" }, "ENS_ENDPOINT"],
  ])("refuses %o with one line naming %s", (env, variable) => {
    let thrown: unknown;
    try {
      readLocalSettings(env, "/repo");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LocalStackError);
    expect((thrown as LocalStackError).code).toBe("LocalConfig");
    expect((thrown as Error).message).toContain(variable);
    expect((thrown as Error).message).not.toContain("\n");
  });
});

describe("DEMO_FUNCTION_ENV", () => {
  it("holds the secrets and field map the events/ fixtures are signed for", () => {
    expect(DEMO_FUNCTION_ENV).toEqual({
      API_TOKENS: LOCAL_SECRETS.apiToken,
      JIRA_WEBHOOK_SECRETS: LOCAL_SECRETS.jiraSecret,
      JIRA_AUTOMATION_TOKENS: LOCAL_SECRETS.jiraAutomationToken,
      SERVICENOW_TOKENS: LOCAL_SECRETS.serviceNowToken,
      STANDARD_WEBHOOK_SECRETS: LOCAL_SECRETS.standardWebhookSecret,
      JIRA_FIELD_MAP: JSON.stringify(LOCAL_JIRA_FIELD_MAP),
    });
  });

  it("uses the brief's Standard Webhooks secret: whsec_ + Base64 of the phrase", () => {
    expect(DEMO_FUNCTION_ENV.STANDARD_WEBHOOK_SECRETS).toBe("whsec_bG9jYWwtc3RhbmRhcmQtd2ViaG9vay1zZWNyZXQ=");
  });
});
