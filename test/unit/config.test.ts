import { describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS, ConfigError, configSecrets, envDefaults, loadConfig } from "../../shared/config.ts";

describe("loadConfig", () => {
  it("keeps the runtime defaults equal to the documented ones", () => {
    expect(envDefaults()).toEqual(
      Object.fromEntries(CONFIG_ENV_VARS.map((spec) => [spec.name, spec.default])),
    );
  });

  it("gives the documented defaults for an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      ensEndpoint: "https://ens.aliyuncs.com",
      ensSignatureVersion: "v3",
      retry: { maxAttempts: 5, baseMs: 100, maxDelayMs: 2000 },
      maxBodyBytes: 65536,
      queueConcurrency: 8,
      webhookToleranceSeconds: 300,
      policyMode: "enforce",
      apiTokens: [],
      fallbackCredentials: null,
      auditHttp: null,
      auditEventBridge: null,
    });
  });

  it("reads comma-separated lists for rotation and trims blanks", () => {
    const config = loadConfig({ API_TOKENS: " a , b,,", STANDARD_WEBHOOK_SECRETS: "whsec_eA==,whsec_eQ==" });
    expect(config.apiTokens).toEqual(["a", "b"]);
    expect(config.standardWebhookSecrets).toHaveLength(2);
  });

  it.each([
    ["RETRY_MAX_ATTEMPTS", "0"],
    ["RETRY_MAX_ATTEMPTS", "2.5"],
    ["MAX_BODY_BYTES", "lots"],
    ["POLICY_MODE", "permissive"],
    ["ENS_ENDPOINT", "ftp://x"],
    ["JIRA_FIELD_MAP", "{not json"],
    ["JIRA_FIELD_MAP", '{"SecurityGroupId":5}'],
    ["STANDARD_WEBHOOK_SECRETS", "plain-secret"],
    ["AUDIT_HTTP_URL", "http://127.0.0.1:1/audit"],
  ])("refuses %s=%s with an error naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect((error as ConfigError).variable).toMatch(
        name === "AUDIT_HTTP_URL" ? /AUDIT_HTTP_SECRET/ : new RegExp(name),
      );
    }
  });

  it("never echoes a secret value in its errors", () => {
    const secret = "whsec-looking-but-wrong-value";
    expect(() => loadConfig({ AUDIT_HTTP_URL: "https://x.example", AUDIT_HTTP_SECRET: secret })).toThrow(
      /AUDIT_HTTP_SECRET/,
    );
    try {
      loadConfig({ AUDIT_HTTP_URL: "https://x.example", AUDIT_HTTP_SECRET: secret });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(secret);
    }
    expect(() => loadConfig({ STANDARD_WEBHOOK_SECRETS: "not-whsec-secret" })).toThrow(
      /STANDARD_WEBHOOK_SECRETS/,
    );
  });

  it("needs both halves of fallback credentials", () => {
    expect(() => loadConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: "id" })).toThrow(
      /ALIBABA_CLOUD_ACCESS_KEY_SECRET/,
    );
    expect(
      loadConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: "id", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "s" })
        .fallbackCredentials,
    ).toEqual({
      accessKeyId: "id",
      accessKeySecret: "s",
    });
  });

  it("lists every secret for redaction", () => {
    const config = loadConfig({
      API_TOKENS: "t1",
      JIRA_WEBHOOK_SECRETS: "j1",
      JIRA_AUTOMATION_TOKENS: "ja",
      SERVICENOW_TOKENS: "s1",
      STANDARD_WEBHOOK_SECRETS: "whsec_eA==",
      AUDIT_HTTP_URL: "https://audit.example",
      AUDIT_HTTP_SECRET: "whsec_eQ==",
      ALIBABA_CLOUD_ACCESS_KEY_ID: "id",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "aks",
      ALIBABA_CLOUD_SECURITY_TOKEN: "sts",
    });
    expect(configSecrets(config).sort()).toEqual(
      ["aks", "j1", "ja", "s1", "sts", "t1", "whsec_eA==", "whsec_eQ=="].sort(),
    );
    for (const spec of CONFIG_ENV_VARS.filter((s) => s.secret)) {
      expect(spec.name).toMatch(/SECRET|TOKEN/);
    }
  });
});
