import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, configSecrets, loadConfig } from "#shared/config.ts";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { DEMO_FUNCTION_ENV } from "../../local/fc-server/local-settings.ts";

// Secrets as an operator should make them: at least 16 characters, whsec_ keys of at least 16 bytes.
const TOKEN_A = "tok-a-Jq8Vn2Rx5Lw9Zc4T";
const TOKEN_B = "tok-b-Hm3Ks7Pd1Fy6Gb0N";
const WHSEC_A = `whsec_${Buffer.from("key-a-0123456789abcdef").toString("base64")}`;
const WHSEC_B = `whsec_${Buffer.from("key-b-0123456789abcdef").toString("base64")}`;
/** Every variable that holds secrets an operator chooses, with a value that passes. */
const OPERATOR_SECRETS: Record<string, string> = {
  API_TOKENS: TOKEN_A,
  JIRA_WEBHOOK_SECRETS: "jira-Xv5Qm8Ws2Ep7Ry4U",
  JIRA_AUTOMATION_TOKENS: "jira-auto-Bn6Tc1Lh9Kz3",
  SERVICENOW_TOKENS: "snow-Gf4Wd8Mj2Yq6Pa0S",
  STANDARD_WEBHOOK_SECRETS: WHSEC_A,
  AUDIT_HTTP_SECRET: WHSEC_B,
};
const withAuditUrl = (env: Record<string, string>) => ({ AUDIT_HTTP_URL: "https://audit.example", ...env });

describe("loadConfig", () => {
  it("documents every variable of the one table, with its default, secrecy and a meaning", () => {
    expect(CONFIG_ENV_VARS.map((spec) => spec.name)).toEqual(Object.keys(CONFIG_VARIABLES));
    for (const spec of CONFIG_ENV_VARS) {
      const variable = CONFIG_VARIABLES[spec.name as keyof typeof CONFIG_VARIABLES];
      expect(spec.default).toBe(variable.default);
      expect(spec.secret === true).toBe("secret" in variable);
      expect(spec.meaning.length).toBeGreaterThan(10);
    }
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
    const config = loadConfig({
      API_TOKENS: ` ${TOKEN_A} , ${TOKEN_B},,`,
      STANDARD_WEBHOOK_SECRETS: `${WHSEC_A},${WHSEC_B}`,
    });
    expect(config.apiTokens).toEqual([TOKEN_A, TOKEN_B]);
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
      ...withAuditUrl(OPERATOR_SECRETS),
      ALIBABA_CLOUD_ACCESS_KEY_ID: "id",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "aks",
      ALIBABA_CLOUD_SECURITY_TOKEN: "sts",
    });
    expect(configSecrets(config).sort()).toEqual([...Object.values(OPERATOR_SECRETS), "aks", "sts"].sort());
    for (const spec of CONFIG_ENV_VARS.filter((s) => s.secret)) {
      expect(spec.name).toMatch(/SECRET|TOKEN/);
    }
  });
});

describe("the length of configured secrets", () => {
  const ADVICE = "use a random 32-byte value, e.g. `openssl rand -base64 32`";

  it.each(Object.keys(OPERATOR_SECRETS))(
    "%s: a value shorter than 16 stops the cold start, naming the variable",
    (name) => {
      const isWhsec = OPERATOR_SECRETS[name]?.startsWith("whsec_");
      for (const short of ["rule", "t", "null", "s3cr3t-15-chars"]) {
        const value = isWhsec ? `whsec_${Buffer.from(short).toString("base64")}` : short;
        let error: unknown;
        try {
          loadConfig(withAuditUrl({ ...OPERATOR_SECRETS, [name]: value }));
        } catch (caught) {
          error = caught;
        }
        expect(error, `${name}=${short}`).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).variable).toBe(name);
        // The whole message is the template: no room for the value, whatever it is.
        expect((error as ConfigError).message).toBe(
          isWhsec
            ? `${name}: its key (the Base64 after "whsec_") decodes to fewer than 16 bytes; ${ADVICE}`
            : `${name}: it is shorter than 16 characters; ${ADVICE}`,
        );
      }
    },
  );

  it("says which value of a list is too short, never the value", () => {
    expect(() => loadConfig({ API_TOKENS: `${TOKEN_A},short-token` })).toThrow(
      `API_TOKENS (value 2 of 2): it is shorter than 16 characters; ${ADVICE}`,
    );
  });

  it("counts the decoded key of a whsec_ secret, not the text", () => {
    const fifteenBytes = `whsec_${Buffer.from("fifteen-bytes!!").toString("base64")}`;
    expect(fifteenBytes.length).toBeGreaterThan(16);
    expect(() => loadConfig({ STANDARD_WEBHOOK_SECRETS: fifteenBytes })).toThrow(/STANDARD_WEBHOOK_SECRETS/);
    const sixteenBytes = `whsec_${Buffer.from("sixteen-bytes!!!").toString("base64")}`;
    expect(loadConfig({ STANDARD_WEBHOOK_SECRETS: sixteenBytes }).standardWebhookSecrets).toEqual([
      sixteenBytes,
    ]);
  });

  it("accepts 16 characters and more, whatever they are", () => {
    for (const value of [
      "0123456789abcdef",
      "ens.egress_rule.created",
      "nullnullnullnull",
      '{"type":"x"}:::::',
    ]) {
      expect(loadConfig({ API_TOKENS: value }).apiTokens).toEqual([value]);
    }
  });

  it("accepts the local stack's demo secrets, which the fixtures in events/ are signed with", () => {
    expect(() => loadConfig(DEMO_FUNCTION_ENV)).not.toThrow();
  });

  it("leaves credentials issued by Alibaba Cloud to Alibaba Cloud (no length rule on the fallback key)", () => {
    const config = loadConfig({
      ALIBABA_CLOUD_ACCESS_KEY_ID: "local-ak",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "local-secret",
    });
    expect(config.fallbackCredentials?.accessKeySecret).toBe("local-secret");
  });

  it("documents the rule and the recommendation for every variable it applies to", () => {
    for (const name of Object.keys(OPERATOR_SECRETS)) {
      const spec = CONFIG_ENV_VARS.find((s) => s.name === name);
      expect(spec?.meaning, name).toMatch(/at least 16 (characters|bytes)/i);
      expect(spec?.meaning, name).toContain("openssl rand -base64 32");
    }
  });
});
