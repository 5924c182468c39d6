/**
 * Environment -> typed configuration, parsed once at cold start. One table (`CONFIG_VARIABLES`) names every
 * variable with its default, whether it is a secret and how it is read; `config-docs.ts` says what each means, and
 * `docs/configuration.md` and `template.yml` are generated from or checked against both by tests. A bad value fails the cold start with a message that names
 * the variable (never its value: it may be a secret). Tokens and secrets an operator chooses must be at least 16
 * characters (docs/security.md, "Secrets and redaction"). Plain code rather than zod: this runs at every cold start,
 * and building a dozen zod schemas here would cost cold start (bench/BENCH.md).
 */

import { describeSecretProblem } from "./adapters/redaction.ts";
import { ProductError } from "./domain/product-error.ts";

/** One environment variable the functions read. */
export interface EnvVarSpec {
  name: string;
  /** Default as documented; `""` means "unset". */
  default: string;
  meaning: string;
  /** True when the value is a secret: never logged, `NoEcho` in template.yml. */
  secret?: boolean;
}

/** Configuration the functions run with. Secrets stay in memory only; never log this object whole. */
export interface Config {
  ensEndpoint: string;
  ensSignatureVersion: "v3" | "v1";
  ensAttemptTimeoutMs: number;
  fallbackCredentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string } | null;
  retry: { maxAttempts: number; baseMs: number; maxDelayMs: number };
  auditMarginMs: number;
  apiTokens: string[];
  jiraWebhookSecrets: string[];
  jiraAutomationTokens: string[];
  jiraFieldMap: Record<string, string> | null;
  serviceNowTokens: string[];
  standardWebhookSecrets: string[];
  webhookToleranceSeconds: number;
  maxBodyBytes: number;
  queueConcurrency: number;
  auditSource: string | null;
  auditFile: string | null;
  auditHttp: { url: string; secret: string } | null;
  auditEventBridge: { bus: string; endpoint: string | null; region: string | null } | null;
  auditSinkTimeoutMs: number;
  policyJson: string | null;
  policyMode: "enforce" | "audit-only";
  logLevel: "debug" | "info" | "warn" | "error";
  /** The values of every secret variable, for the redaction list. */
  secrets: readonly string[];
}

/** A configuration mistake found at cold start; names the variable, never echoes a secret value. */
export class ConfigError extends ProductError {
  override readonly code = "ConfigError";
  constructor(
    message: string,
    readonly variable: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable's text (its default when unset or blank) into a typed value, or throws a ConfigError. */
export type Reader<T> = (text: string, name: string) => T;

/** One variable: its default (`""` = unset), whether it is a secret, and how it is read. */
export interface VariableSpec<T> {
  default: string;
  secret?: true;
  read: Reader<T>;
}

/** A whole number from `min` to `max`. */
export const integer =
  (min: number, max: number): Reader<number> =>
  (text, name) => {
    const value = Number(text);
    if (!/^\d{1,9}$/.test(text) || value < min || value > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${text}")`, name);
    }
    return value;
  };

/** One of `values`, spelt exactly. */
export const oneOf =
  <const T extends readonly string[]>(values: T): Reader<T[number]> =>
  (text, name) => {
    if (!values.includes(text)) {
      throw new ConfigError(
        `${name} must be one of ${values.map((v) => `"${v}"`).join(", ")} (got "${text}")`,
        name,
      );
    }
    return text as T[number];
  };

/** Any text; null when unset. */
export const optional: Reader<string | null> = (text) => (text === "" ? null : text);

const list = (text: string): string[] =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** An http(s) URL without its trailing slashes; null when unset. */
export const url: Reader<string | null> = (text, name) => {
  if (text === "") return null;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new ConfigError(`${name} must be an http(s) URL`, name);
  }
  return text.replace(/\/+$/, "");
};

const jiraFieldMap: Reader<Record<string, string> | null> = (text, name) => {
  if (text === "") return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${name} is not valid JSON`, name, { cause });
  }
  const entries =
    typeof json === "object" && json !== null && !Array.isArray(json) ? Object.entries(json) : null;
  if (entries === null || entries.some(([, field]) => typeof field !== "string" || field === "")) {
    throw new ConfigError(
      `${name} must be a JSON object of strings, e.g. {"SecurityGroupId":"customfield_10100"}`,
      name,
    );
  }
  // A null-prototype copy: a key such as "__proto__" stays an ordinary (and harmless) entry.
  return Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(entries));
};

/**
 * Refuses a configured token or secret that is too short to be redacted without mangling ordinary text (see
 * `describeSecretProblem`); the message says which value of the list, never the value.
 */
function checkSecrets(name: string, secrets: readonly string[]): void {
  secrets.forEach((secret, index) => {
    const problem = describeSecretProblem(secret);
    if (problem === null) return;
    const which = secrets.length > 1 ? ` (value ${index + 1} of ${secrets.length})` : "";
    throw new ConfigError(
      `${name}${which}: ${problem}; use a random 32-byte value, e.g. \`openssl rand -base64 32\``,
      name,
    );
  });
}

/** A comma-separated list of tokens or secrets an operator chose, each checked by `checkSecrets`. */
const secretList: Reader<string[]> = (text, name) => {
  const secrets = list(text);
  checkSecrets(name, secrets);
  return secrets;
};

/** Standard Webhooks secrets (`whsec_<base64 key>`), comma-separated, each key checked by `checkSecrets`. */
const whsecList: Reader<string[]> = (text, name) => {
  const secrets = list(text);
  for (const secret of secrets) {
    if (!secret.startsWith("whsec_"))
      throw new ConfigError(`${name}: each secret must start with "whsec_"`, name);
  }
  checkSecrets(name, secrets);
  return secrets;
};

/**
 * Every environment variable the functions read, in documentation order: its default, whether it is a secret
 * (never logged, redacted from every output, `NoEcho` in template.yml) and how it is read. `config-docs.ts` adds
 * what each one means; `docs/configuration.md` and the template tests are generated from and checked against both.
 */
export const CONFIG_VARIABLES = {
  ENS_ENDPOINT: { default: "https://ens.aliyuncs.com", read: url },
  ENS_SIGNATURE_VERSION: { default: "v3", read: oneOf(["v3", "v1"] as const) },
  ENS_ATTEMPT_TIMEOUT_MS: { default: "5000", read: integer(100, 120_000) },
  ALIBABA_CLOUD_ACCESS_KEY_ID: { default: "", read: optional },
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: { default: "", secret: true, read: optional },
  ALIBABA_CLOUD_SECURITY_TOKEN: { default: "", secret: true, read: optional },
  RETRY_MAX_ATTEMPTS: { default: "5", read: integer(1, 20) },
  RETRY_BASE_MS: { default: "100", read: integer(0, 60_000) },
  RETRY_MAX_DELAY_MS: { default: "2000", read: integer(0, 300_000) },
  AUDIT_MARGIN_MS: { default: "1500", read: integer(0, 60_000) },
  API_TOKENS: { default: "", secret: true, read: secretList },
  JIRA_WEBHOOK_SECRETS: { default: "", secret: true, read: secretList },
  JIRA_AUTOMATION_TOKENS: { default: "", secret: true, read: secretList },
  JIRA_FIELD_MAP: { default: "", read: jiraFieldMap },
  SERVICENOW_TOKENS: { default: "", secret: true, read: secretList },
  STANDARD_WEBHOOK_SECRETS: { default: "", secret: true, read: whsecList },
  WEBHOOK_TOLERANCE_SECONDS: { default: "300", read: integer(1, 3600) },
  MAX_BODY_BYTES: { default: "65536", read: integer(256, 32 * 1024 * 1024) },
  QUEUE_CONCURRENCY: { default: "8", read: integer(1, 256) },
  AUDIT_SOURCE: { default: "", read: optional },
  AUDIT_FILE: { default: "", read: optional },
  AUDIT_HTTP_URL: { default: "", read: url },
  AUDIT_HTTP_SECRET: {
    default: "",
    secret: true,
    read: (text, name) => (text === "" ? null : whsecList(text, name)[0]!),
  },
  AUDIT_EVENTBRIDGE_BUS: { default: "", read: optional },
  AUDIT_EVENTBRIDGE_ENDPOINT: { default: "", read: url },
  AUDIT_EVENTBRIDGE_REGION: { default: "", read: optional },
  AUDIT_SINK_TIMEOUT_MS: { default: "3000", read: integer(100, 60_000) },
  POLICY_JSON: { default: "", read: optional },
  POLICY_MODE: { default: "enforce", read: oneOf(["enforce", "audit-only"] as const) },
  LOG_LEVEL: { default: "info", read: oneOf(["debug", "info", "warn", "error"] as const) },
} satisfies Record<string, VariableSpec<unknown>>;

/** The name of a configuration variable. */
export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/** A table's variables, read. */
export type VariableValues<T extends Record<string, VariableSpec<unknown>>> = {
  [K in keyof T]: ReturnType<T[K]["read"]>;
};

/**
 * Reads every variable of a table from the environment (a blank value counts as unset), plus the values of its
 * secret variables, for the redaction list. Throws a ConfigError naming the first bad variable.
 * @example const { values, secrets } = readVariables(CONFIG_VARIABLES, process.env);
 */
export function readVariables<T extends Record<string, VariableSpec<unknown>>>(
  table: T,
  env: Env,
): { values: VariableValues<T>; secrets: string[] } {
  const values = {} as Record<string, unknown>;
  const secrets: string[] = [];
  for (const [name, spec] of Object.entries(table)) {
    const given = env[name]?.trim() ?? "";
    const value = spec.read(given === "" ? spec.default : given, name);
    values[name] = value;
    if (spec.secret)
      secrets.push(...[value].flat().filter((v): v is string => typeof v === "string" && v !== ""));
  }
  return { values: values as VariableValues<T>, secrets };
}

function fallbackCredentials(v: VariableValues<typeof CONFIG_VARIABLES>): Config["fallbackCredentials"] {
  const accessKeyId = v.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = v.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const securityToken = v.ALIBABA_CLOUD_SECURITY_TOKEN;
  if (accessKeyId === null && accessKeySecret === null) return null;
  if (accessKeyId === null || accessKeySecret === null) {
    throw new ConfigError(
      "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set together",
      accessKeyId === null ? "ALIBABA_CLOUD_ACCESS_KEY_ID" : "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    );
  }
  return securityToken === null
    ? { accessKeyId, accessKeySecret }
    : { accessKeyId, accessKeySecret, securityToken };
}

/** Parses the environment into a `Config`; throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const { values: v, secrets } = readVariables(CONFIG_VARIABLES, env);
  if (v.AUDIT_HTTP_URL !== null && v.AUDIT_HTTP_SECRET === null) {
    throw new ConfigError("AUDIT_HTTP_URL is set but AUDIT_HTTP_SECRET is not", "AUDIT_HTTP_SECRET");
  }
  return {
    ensEndpoint: v.ENS_ENDPOINT ?? CONFIG_VARIABLES.ENS_ENDPOINT.default,
    ensSignatureVersion: v.ENS_SIGNATURE_VERSION,
    ensAttemptTimeoutMs: v.ENS_ATTEMPT_TIMEOUT_MS,
    fallbackCredentials: fallbackCredentials(v),
    retry: { maxAttempts: v.RETRY_MAX_ATTEMPTS, baseMs: v.RETRY_BASE_MS, maxDelayMs: v.RETRY_MAX_DELAY_MS },
    auditMarginMs: v.AUDIT_MARGIN_MS,
    apiTokens: v.API_TOKENS,
    jiraWebhookSecrets: v.JIRA_WEBHOOK_SECRETS,
    jiraAutomationTokens: v.JIRA_AUTOMATION_TOKENS,
    jiraFieldMap: v.JIRA_FIELD_MAP,
    serviceNowTokens: v.SERVICENOW_TOKENS,
    standardWebhookSecrets: v.STANDARD_WEBHOOK_SECRETS,
    webhookToleranceSeconds: v.WEBHOOK_TOLERANCE_SECONDS,
    maxBodyBytes: v.MAX_BODY_BYTES,
    queueConcurrency: v.QUEUE_CONCURRENCY,
    auditSource: v.AUDIT_SOURCE,
    auditFile: v.AUDIT_FILE,
    auditHttp:
      v.AUDIT_HTTP_URL === null || v.AUDIT_HTTP_SECRET === null
        ? null
        : { url: v.AUDIT_HTTP_URL, secret: v.AUDIT_HTTP_SECRET },
    auditEventBridge:
      v.AUDIT_EVENTBRIDGE_BUS === null
        ? null
        : {
            bus: v.AUDIT_EVENTBRIDGE_BUS,
            endpoint: v.AUDIT_EVENTBRIDGE_ENDPOINT,
            region: v.AUDIT_EVENTBRIDGE_REGION,
          },
    auditSinkTimeoutMs: v.AUDIT_SINK_TIMEOUT_MS,
    policyJson: v.POLICY_JSON,
    policyMode: v.POLICY_MODE,
    logLevel: v.LOG_LEVEL,
    secrets,
  };
}

/** Every secret value in the configuration, for the logger's redaction list. */
export function configSecrets(config: Config): string[] {
  return [...config.secrets];
}
