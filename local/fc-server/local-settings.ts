/**
 * The local stack's own settings (PORT and the LOCAL_FC_* variables) and the demo environment it gives the
 * functions. User-set variables always win over these defaults.
 */
import { isAbsolute, resolve } from "node:path";
import { LocalStackError } from "./errors.ts";

/** Local defaults, documented in local/fc-server/README.md (docs/interfaces.md names the first three). */
export const LOCAL_DEFAULTS = {
  LOCAL_FC_ACCESS_KEY_ID: "local-fc-ak",
  LOCAL_FC_ACCESS_KEY_SECRET: "local-fc-secret",
  LOCAL_FC_ACCOUNT_ID: "1234567890123456",
  LOCAL_FC_REGION: "cn-hangzhou",
  PORT: "9000",
  AUDIT_FILE: ".local/audit.jsonl",
} as const;

/**
 * The demo credentials the functions' routes accept locally (the README's curl uses the first). The fixtures in
 * `events/http/` are signed with these; a unit test keeps them equal to `test/helpers/sign-fixture.ts`.
 */
export const DEMO_FUNCTION_ENV: Readonly<Record<string, string>> = {
  API_TOKENS: "local-operator-token",
  JIRA_WEBHOOK_SECRETS: "local-jira-secret",
  JIRA_AUTOMATION_TOKENS: "local-jira-automation-token",
  SERVICENOW_TOKENS: "local-servicenow-token",
  STANDARD_WEBHOOK_SECRETS: `whsec_${Buffer.from("local-standard-webhook-secret").toString("base64")}`,
  JIRA_FIELD_MAP: JSON.stringify({
    SecurityGroupId: "customfield_10100",
    IpProtocol: "customfield_10101",
    PortRange: "customfield_10102",
    DestCidrIp: "customfield_10103",
    Policy: "customfield_10104",
    Priority: "customfield_10105",
    Reason: "summary",
  }),
};

/** Security groups the embedded emulator starts with (the README's demo uses the first). */
export const DEMO_SECURITY_GROUPS: readonly string[] = ["sg-demo0001", "sg-demo0002"];

/** Settings of one local stack run. */
export interface LocalSettings {
  port: number;
  fcAccessKeyId: string;
  fcAccessKeySecret: string;
  accountId: string;
  region: string;
  /** LOCAL_FC_TIMEOUT_SECONDS: overrides every function's timeout when set. */
  timeoutOverrideSeconds: number | null;
  /** ENS_ENDPOINT when the user set it: then no emulator runs. */
  ensEndpoint: string | null;
  /** Absolute path of the audit file. */
  auditFile: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A variable counts as set when it is non-blank, the same rule `shared/config.ts` applies. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function wholeNumber(env: Env, name: string, fallback: string, min: number, max: number): number {
  const text = envValue(env, name) ?? fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new LocalStackError(
      "LocalConfig",
      `${name} must be a whole number from ${min} to ${max} (got "${text}")`,
    );
  }
  return value;
}

/** Reads the local stack's settings; throws a `LocalConfig` error naming the bad variable. */
export function readLocalSettings(env: Env, cwd: string): LocalSettings {
  const ensEndpoint = envValue(env, "ENS_ENDPOINT") ?? null;
  if (
    ensEndpoint !== null &&
    (!URL.canParse(ensEndpoint) || !/^https?:$/.test(new URL(ensEndpoint).protocol))
  ) {
    throw new LocalStackError("LocalConfig", "ENS_ENDPOINT must be an http(s) URL");
  }
  const accountId = envValue(env, "LOCAL_FC_ACCOUNT_ID") ?? LOCAL_DEFAULTS.LOCAL_FC_ACCOUNT_ID;
  if (!/^\d+$/.test(accountId))
    throw new LocalStackError("LocalConfig", "LOCAL_FC_ACCOUNT_ID must be digits only");
  const timeout = envValue(env, "LOCAL_FC_TIMEOUT_SECONDS");
  const auditFile = envValue(env, "AUDIT_FILE") ?? LOCAL_DEFAULTS.AUDIT_FILE;
  return {
    port: wholeNumber(env, "PORT", LOCAL_DEFAULTS.PORT, 0, 65535),
    fcAccessKeyId: envValue(env, "LOCAL_FC_ACCESS_KEY_ID") ?? LOCAL_DEFAULTS.LOCAL_FC_ACCESS_KEY_ID,
    fcAccessKeySecret:
      envValue(env, "LOCAL_FC_ACCESS_KEY_SECRET") ?? LOCAL_DEFAULTS.LOCAL_FC_ACCESS_KEY_SECRET,
    accountId,
    region: envValue(env, "LOCAL_FC_REGION") ?? LOCAL_DEFAULTS.LOCAL_FC_REGION,
    timeoutOverrideSeconds:
      timeout === undefined ? null : wholeNumber(env, "LOCAL_FC_TIMEOUT_SECONDS", "", 1, 86_400),
    ensEndpoint,
    auditFile: isAbsolute(auditFile) ? auditFile : resolve(cwd, auditFile),
  };
}
