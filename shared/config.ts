/**
 * Environment -> typed configuration, parsed once at cold start. One table (`CONFIG_ENV_VARS`) names every
 * variable with its default and meaning; the README's configuration table and `template.yml` are checked against
 * it by tests, so the docs cannot drift from the code. A bad value fails the cold start with a message that names
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

/**
 * Every environment variable the functions read, in README order. Only docs, tests and `template.yml` checks use
 * this table; the runtime reads `ENV_DEFAULTS`, so the meanings are tree-shaken out of the function bundles
 * (test/unit/config.test.ts keeps the two in step).
 */
export const CONFIG_ENV_VARS: readonly EnvVarSpec[] = [
  { name: "ENS_ENDPOINT", default: "https://ens.aliyuncs.com", meaning: "ENS API endpoint (URL)." },
  {
    name: "ENS_SIGNATURE_VERSION",
    default: "v3",
    meaning: "`v3` (ACS3-HMAC-SHA256 header) or `v1` (HMAC-SHA1 query signature).",
  },
  {
    name: "ENS_ATTEMPT_TIMEOUT_MS",
    default: "5000",
    meaning: "Timeout of one ENS HTTP attempt; the attempt is aborted and counts as transient.",
  },
  {
    name: "ALIBABA_CLOUD_ACCESS_KEY_ID",
    default: "",
    meaning: "Fallback credentials when FC provides none in `context.credentials` (local use).",
  },
  {
    name: "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    default: "",
    meaning:
      "Fallback access key secret (issued by Alibaba Cloud, 30 characters: the 16-character rule does not apply).",
    secret: true,
  },
  {
    name: "ALIBABA_CLOUD_SECURITY_TOKEN",
    default: "",
    meaning: "Fallback STS security token.",
    secret: true,
  },
  { name: "RETRY_MAX_ATTEMPTS", default: "5", meaning: "Maximum ENS calls per rule (1 = never retry)." },
  { name: "RETRY_BASE_MS", default: "100", meaning: "Base of the exponential backoff (full jitter)." },
  { name: "RETRY_MAX_DELAY_MS", default: "2000", meaning: "Cap on one backoff delay." },
  {
    name: "AUDIT_MARGIN_MS",
    default: "1500",
    meaning:
      "Time kept free before the invocation deadline for writing audit events; ENS retries stop earlier.",
  },
  {
    name: "API_TOKENS",
    default: "",
    meaning:
      "Bearer tokens for `POST /rules`, comma-separated (two at once during a rotation). At least 16 characters each; use a random 32-byte value (`openssl rand -base64 32`).",
    secret: true,
  },
  {
    name: "JIRA_WEBHOOK_SECRETS",
    default: "",
    meaning:
      "HMAC secrets for `POST /webhooks/jira` (`X-Hub-Signature: sha256=...`), comma-separated. At least 16 characters each; use a random 32-byte value (`openssl rand -base64 32`).",
    secret: true,
  },
  {
    name: "JIRA_AUTOMATION_TOKENS",
    default: "",
    meaning:
      "Bearer tokens accepted on `POST /webhooks/jira` from Jira Automation, which cannot sign; comma-separated. At least 16 characters each; use a random 32-byte value (`openssl rand -base64 32`).",
    secret: true,
  },
  {
    name: "JIRA_FIELD_MAP",
    default: "",
    meaning: 'JSON map from ENS parameter to Jira field id, e.g. `{"SecurityGroupId":"customfield_10100"}`.',
  },
  {
    name: "SERVICENOW_TOKENS",
    default: "",
    meaning:
      "Bearer tokens for `POST /webhooks/servicenow`, comma-separated. At least 16 characters each; use a random 32-byte value (`openssl rand -base64 32`).",
    secret: true,
  },
  {
    name: "STANDARD_WEBHOOK_SECRETS",
    default: "",
    meaning:
      "`whsec_...` secrets for `POST /webhooks/generic` (Standard Webhooks), comma-separated. Each key at least 16 bytes; use a random 32-byte key (`whsec_$(openssl rand -base64 32)`).",
    secret: true,
  },
  {
    name: "WEBHOOK_TOLERANCE_SECONDS",
    default: "300",
    meaning: "Standard Webhooks timestamp tolerance (replay window), both directions.",
  },
  {
    name: "MAX_BODY_BYTES",
    default: "65536",
    meaning: "Largest request or message body accepted (413 above).",
  },
  {
    name: "QUEUE_CONCURRENCY",
    default: "8",
    meaning:
      "ENS calls in flight at once per batch; twice as many messages are validated or audited meanwhile (serialised per security group).",
  },
  {
    name: "AUDIT_SOURCE",
    default: "",
    meaning:
      "CloudEvents `source`; unset = the function's ARN, `acs:fc:<region>:<account>:functions/<function>` (`...:services/<service>/functions/<function>` when FC names a service).",
  },
  { name: "AUDIT_FILE", default: "", meaning: "Append audit events to this file, one per line (local use)." },
  {
    name: "AUDIT_HTTP_URL",
    default: "",
    meaning: "POST each audit event here (`application/cloudevents+json`, Standard Webhooks signed).",
  },
  {
    name: "AUDIT_HTTP_SECRET",
    default: "",
    meaning:
      "`whsec_...` secret that signs audit events sent to `AUDIT_HTTP_URL`. Its key at least 16 bytes; use a random 32-byte key (`whsec_$(openssl rand -base64 32)`).",
    secret: true,
  },
  {
    name: "AUDIT_EVENTBRIDGE_BUS",
    default: "",
    meaning: "EventBridge custom bus that receives audit events.",
  },
  {
    name: "AUDIT_EVENTBRIDGE_ENDPOINT",
    default: "",
    meaning: "EventBridge endpoint; unset = `https://<account>.eventbridge.<region>.aliyuncs.com`.",
  },
  {
    name: "AUDIT_EVENTBRIDGE_REGION",
    default: "",
    meaning: "Region of the EventBridge bus; unset = the function's region.",
  },
  {
    name: "AUDIT_SINK_TIMEOUT_MS",
    default: "3000",
    meaning: "Timeout of one delivery attempt to a remote audit sink.",
  },
  {
    name: "POLICY_JSON",
    default: "",
    meaning:
      "Guardrail policy document (JSON); unset = `policy/policy.json` bundled at build time, else the default policy.",
  },
  {
    name: "POLICY_MODE",
    default: "enforce",
    meaning: "`enforce` refuses what the policy refuses; `audit-only` applies it and records the verdict.",
  },
  { name: "LOG_LEVEL", default: "info", meaning: "`debug`, `info`, `warn` or `error`." },
];

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

/** Defaults of the variables; `""` means unset. Kept apart from the documentation so the bundle stays small. */
const ENV_DEFAULTS: Readonly<Record<string, string>> = {
  ENS_ENDPOINT: "https://ens.aliyuncs.com",
  ENS_SIGNATURE_VERSION: "v3",
  ENS_ATTEMPT_TIMEOUT_MS: "5000",
  ALIBABA_CLOUD_ACCESS_KEY_ID: "",
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: "",
  ALIBABA_CLOUD_SECURITY_TOKEN: "",
  RETRY_MAX_ATTEMPTS: "5",
  RETRY_BASE_MS: "100",
  RETRY_MAX_DELAY_MS: "2000",
  AUDIT_MARGIN_MS: "1500",
  API_TOKENS: "",
  JIRA_WEBHOOK_SECRETS: "",
  JIRA_AUTOMATION_TOKENS: "",
  JIRA_FIELD_MAP: "",
  SERVICENOW_TOKENS: "",
  STANDARD_WEBHOOK_SECRETS: "",
  WEBHOOK_TOLERANCE_SECONDS: "300",
  MAX_BODY_BYTES: "65536",
  QUEUE_CONCURRENCY: "8",
  AUDIT_SOURCE: "",
  AUDIT_FILE: "",
  AUDIT_HTTP_URL: "",
  AUDIT_HTTP_SECRET: "",
  AUDIT_EVENTBRIDGE_BUS: "",
  AUDIT_EVENTBRIDGE_ENDPOINT: "",
  AUDIT_EVENTBRIDGE_REGION: "",
  AUDIT_SINK_TIMEOUT_MS: "3000",
  POLICY_JSON: "",
  POLICY_MODE: "enforce",
  LOG_LEVEL: "info",
};

/** The runtime defaults, for the test that keeps them equal to `CONFIG_ENV_VARS`. */
export function envDefaults(): Readonly<Record<string, string>> {
  return ENV_DEFAULTS;
}

function raw(env: Env, name: string): string {
  const value = env[name];
  return value === undefined || value.trim() === "" ? (ENV_DEFAULTS[name] ?? "") : value.trim();
}

function integer(env: Env, name: string, min: number, max: number): number {
  const text = raw(env, name);
  const value = Number(text);
  if (!/^\d{1,9}$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${text}")`, name);
  }
  return value;
}

function oneOf<const T extends readonly string[]>(env: Env, name: string, values: T): T[number] {
  const text = raw(env, name);
  if (!values.includes(text)) {
    throw new ConfigError(
      `${name} must be one of ${values.map((v) => `"${v}"`).join(", ")} (got "${text}")`,
      name,
    );
  }
  return text as T[number];
}

function list(env: Env, name: string): string[] {
  return raw(env, name)
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function optional(env: Env, name: string): string | null {
  const text = raw(env, name);
  return text === "" ? null : text;
}

function url(env: Env, name: string): string | null {
  const text = optional(env, name);
  if (text === null) return null;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new ConfigError(`${name} must be an http(s) URL`, name);
  }
  return text.replace(/\/+$/, "");
}

function jiraFieldMap(env: Env): Record<string, string> | null {
  const text = optional(env, "JIRA_FIELD_MAP");
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError("JIRA_FIELD_MAP is not valid JSON", "JIRA_FIELD_MAP", { cause });
  }
  const entries =
    typeof json === "object" && json !== null && !Array.isArray(json) ? Object.entries(json) : null;
  if (entries === null || entries.some(([, field]) => typeof field !== "string" || field === "")) {
    throw new ConfigError(
      'JIRA_FIELD_MAP must be a JSON object of strings, e.g. {"SecurityGroupId":"customfield_10100"}',
      "JIRA_FIELD_MAP",
    );
  }
  // A null-prototype copy: a key such as "__proto__" stays an ordinary (and harmless) entry.
  return Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(entries));
}

function fallbackCredentials(env: Env): Config["fallbackCredentials"] {
  const accessKeyId = optional(env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
  const accessKeySecret = optional(env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  const securityToken = optional(env, "ALIBABA_CLOUD_SECURITY_TOKEN");
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
function secretList(env: Env, name: string): string[] {
  const secrets = list(env, name);
  checkSecrets(name, secrets);
  return secrets;
}

function whsecList(env: Env, name: string): string[] {
  const secrets = list(env, name);
  for (const secret of secrets) {
    if (!secret.startsWith("whsec_"))
      throw new ConfigError(`${name}: each secret must start with "whsec_"`, name);
  }
  checkSecrets(name, secrets);
  return secrets;
}

/** Parses the environment into a `Config`; throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const auditHttpUrl = url(env, "AUDIT_HTTP_URL");
  const auditHttpSecret = optional(env, "AUDIT_HTTP_SECRET");
  if (auditHttpUrl !== null && auditHttpSecret === null) {
    throw new ConfigError("AUDIT_HTTP_URL is set but AUDIT_HTTP_SECRET is not", "AUDIT_HTTP_SECRET");
  }
  if (auditHttpSecret !== null && !auditHttpSecret.startsWith("whsec_")) {
    throw new ConfigError('AUDIT_HTTP_SECRET must start with "whsec_"', "AUDIT_HTTP_SECRET");
  }
  if (auditHttpSecret !== null) checkSecrets("AUDIT_HTTP_SECRET", [auditHttpSecret]);
  const bus = optional(env, "AUDIT_EVENTBRIDGE_BUS");
  const ensEndpoint = url(env, "ENS_ENDPOINT");
  return {
    ensEndpoint: ensEndpoint ?? "https://ens.aliyuncs.com",
    ensSignatureVersion: oneOf(env, "ENS_SIGNATURE_VERSION", ["v3", "v1"] as const),
    ensAttemptTimeoutMs: integer(env, "ENS_ATTEMPT_TIMEOUT_MS", 100, 120_000),
    fallbackCredentials: fallbackCredentials(env),
    retry: {
      maxAttempts: integer(env, "RETRY_MAX_ATTEMPTS", 1, 20),
      baseMs: integer(env, "RETRY_BASE_MS", 0, 60_000),
      maxDelayMs: integer(env, "RETRY_MAX_DELAY_MS", 0, 300_000),
    },
    auditMarginMs: integer(env, "AUDIT_MARGIN_MS", 0, 60_000),
    apiTokens: secretList(env, "API_TOKENS"),
    jiraWebhookSecrets: secretList(env, "JIRA_WEBHOOK_SECRETS"),
    jiraAutomationTokens: secretList(env, "JIRA_AUTOMATION_TOKENS"),
    jiraFieldMap: jiraFieldMap(env),
    serviceNowTokens: secretList(env, "SERVICENOW_TOKENS"),
    standardWebhookSecrets: whsecList(env, "STANDARD_WEBHOOK_SECRETS"),
    webhookToleranceSeconds: integer(env, "WEBHOOK_TOLERANCE_SECONDS", 1, 3600),
    maxBodyBytes: integer(env, "MAX_BODY_BYTES", 256, 32 * 1024 * 1024),
    queueConcurrency: integer(env, "QUEUE_CONCURRENCY", 1, 256),
    auditSource: optional(env, "AUDIT_SOURCE"),
    auditFile: optional(env, "AUDIT_FILE"),
    auditHttp:
      auditHttpUrl === null || auditHttpSecret === null
        ? null
        : { url: auditHttpUrl, secret: auditHttpSecret },
    auditEventBridge:
      bus === null
        ? null
        : {
            bus,
            endpoint: url(env, "AUDIT_EVENTBRIDGE_ENDPOINT"),
            region: optional(env, "AUDIT_EVENTBRIDGE_REGION"),
          },
    auditSinkTimeoutMs: integer(env, "AUDIT_SINK_TIMEOUT_MS", 100, 60_000),
    policyJson: optional(env, "POLICY_JSON"),
    policyMode: oneOf(env, "POLICY_MODE", ["enforce", "audit-only"] as const),
    logLevel: oneOf(env, "LOG_LEVEL", ["debug", "info", "warn", "error"] as const),
  };
}

/** Every secret value in the configuration, for the logger's redaction list. */
export function configSecrets(config: Config): string[] {
  const secrets = [
    ...config.apiTokens,
    ...config.jiraWebhookSecrets,
    ...config.jiraAutomationTokens,
    ...config.serviceNowTokens,
    ...config.standardWebhookSecrets,
  ];
  if (config.auditHttp) secrets.push(config.auditHttp.secret);
  if (config.fallbackCredentials) {
    secrets.push(config.fallbackCredentials.accessKeySecret);
    if (config.fallbackCredentials.securityToken) secrets.push(config.fallbackCredentials.securityToken);
  }
  return secrets;
}
