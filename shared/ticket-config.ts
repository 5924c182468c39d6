/**
 * The ticket notifier's own settings (docs/tickets.md, configuration): where Jira and ServiceNow are, how to sign in,
 * what kind of comment to write and which transitions to make. A table of its own, read like `CONFIG_VARIABLES`
 * (`readVariables`), rather than rows in that table: only the ticket-notifier bundle reads these variables and only
 * it receives them in `template.yml`, so the other two functions neither parse nor hold ticket credentials, and each
 * function's environment stays well under FC's 4 KB. What each variable means is in `ticket-config-docs.ts`, out of
 * the bundle. A bad value fails the cold start with a message that names the variable, never its value.
 */
import { describeSecretProblem } from "./adapters/redaction.ts";
import { ConfigError, integer, oneOf, optional, type Reader, readVariables, url } from "./config.ts";

/** A credential: refused when too short to be redacted safely; null when unset. */
const credential: Reader<string | null> = (text, name) => {
  if (text === "") return null;
  const problem = describeSecretProblem(text);
  if (problem !== null) throw new ConfigError(`${name}: ${problem}`, name);
  return text;
};

/** A base URL: an http(s) URL without credentials, query or fragment. */
const baseUrl: Reader<string | null> = (text, name) => {
  const value = url(text, name);
  if (value === null) return null;
  const parsed = new URL(value);
  if (parsed.username !== "" || parsed.password !== "" || parsed.search !== "" || parsed.hash !== "") {
    throw new ConfigError(`${name} must be a base URL without credentials, query or fragment`, name);
  }
  return value;
};

/** A Jira transition id, a number the workflow assigns. */
const transitionId: Reader<string | null> = (text, name) => {
  if (text === "") return null;
  if (!/^[0-9]{1,12}$/.test(text)) throw new ConfigError(`${name} must be a transition id (digits)`, name);
  return text;
};

/** A ServiceNow user name: it goes into the encoded query that finds the notifier's own journal entries. */
const userName: Reader<string | null> = (text, name) => {
  if (text === "") return null;
  if (!/^[A-Za-z0-9._@+-]{1,128}$/.test(text)) {
    throw new ConfigError(`${name} must be a user name (letters, digits, . _ @ + -)`, name);
  }
  return text;
};

/** Every variable the notifier reads besides the shared ones of `config.ts` (LOG_LEVEL, AUDIT_*). */
export const TICKET_VARIABLES = {
  TICKET_JIRA_URL: { default: "", read: baseUrl },
  TICKET_JIRA_API: { default: "cloud", read: oneOf(["cloud", "datacenter"] as const) },
  TICKET_JIRA_EMAIL: { default: "", read: optional },
  TICKET_JIRA_TOKEN: { default: "", secret: true, read: credential },
  TICKET_JIRA_COMMENT: {
    default: "issue",
    read: oneOf(["issue", "servicedesk-public", "servicedesk-internal"] as const),
  },
  TICKET_JIRA_TRANSITION_APPLIED: { default: "", read: transitionId },
  TICKET_JIRA_TRANSITION_REFUSED: { default: "", read: transitionId },
  TICKET_SERVICENOW_URL: { default: "", read: baseUrl },
  TICKET_SERVICENOW_USER: { default: "", read: userName },
  TICKET_SERVICENOW_PASSWORD: { default: "", secret: true, read: credential },
  TICKET_SERVICENOW_FIELD: { default: "work_notes", read: oneOf(["work_notes", "comments"] as const) },
  TICKET_EXCEPTION_CONTACT: {
    default: "the owners of the guardrail policy",
    read: (text: string) => text.slice(0, 200),
  },
  TICKET_TIMEOUT_MS: { default: "5000", read: integer(100, 120_000) },
  TICKET_RETRY_MAX_ATTEMPTS: { default: "4", read: integer(1, 20) },
  TICKET_RETRY_BASE_MS: { default: "200", read: integer(0, 60_000) },
  TICKET_RETRY_MAX_DELAY_MS: { default: "5000", read: integer(0, 300_000) },
} as const;

/** The name of a ticket notifier variable. */
export type TicketVariable = keyof typeof TICKET_VARIABLES;

/** Jira, as configured. */
export interface JiraSettings {
  url: string;
  api: "cloud" | "datacenter";
  /** The `Authorization` header value: `Basic <email:token>` (cloud) or `Bearer <PAT>` (datacenter). */
  authorization: string;
  comment: "issue" | "servicedesk-public" | "servicedesk-internal";
  transitions: { applied: string | null; refused: string | null };
}

/** ServiceNow, as configured. */
export interface ServiceNowSettings {
  url: string;
  user: string;
  /** `Basic <user:password>`. */
  authorization: string;
  field: "work_notes" | "comments";
}

/** The ticket notifier's settings. Secrets stay in memory only; never log this object whole. */
export interface TicketConfig {
  jira: JiraSettings | null;
  serviceNow: ServiceNowSettings | null;
  exceptionContact: string;
  timeoutMs: number;
  retry: { maxAttempts: number; baseMs: number; maxDelayMs: number };
  /** The credentials and the header values built from them, for the redaction list. */
  secrets: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

function required<T>(value: T | null, name: TicketVariable, because: string): T {
  if (value === null) throw new ConfigError(`${name} must be set when ${because}`, name);
  return value;
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;

/** Parses the notifier's environment; throws `ConfigError` naming the first bad variable. */
export function loadTicketConfig(env: Env): TicketConfig {
  const { values: v, secrets } = readVariables(TICKET_VARIABLES, env);
  let jira: JiraSettings | null = null;
  if (v.TICKET_JIRA_URL !== null) {
    const token = required(v.TICKET_JIRA_TOKEN, "TICKET_JIRA_TOKEN", "TICKET_JIRA_URL is set");
    jira = {
      url: v.TICKET_JIRA_URL,
      api: v.TICKET_JIRA_API,
      authorization:
        v.TICKET_JIRA_API === "cloud"
          ? basic(required(v.TICKET_JIRA_EMAIL, "TICKET_JIRA_EMAIL", "TICKET_JIRA_API is cloud"), token)
          : `Bearer ${token}`,
      comment: v.TICKET_JIRA_COMMENT,
      transitions: { applied: v.TICKET_JIRA_TRANSITION_APPLIED, refused: v.TICKET_JIRA_TRANSITION_REFUSED },
    };
  }
  let serviceNow: ServiceNowSettings | null = null;
  if (v.TICKET_SERVICENOW_URL !== null) {
    const because = "TICKET_SERVICENOW_URL is set";
    const user = required(v.TICKET_SERVICENOW_USER, "TICKET_SERVICENOW_USER", because);
    const password = required(v.TICKET_SERVICENOW_PASSWORD, "TICKET_SERVICENOW_PASSWORD", because);
    serviceNow = {
      url: v.TICKET_SERVICENOW_URL,
      user,
      authorization: basic(user, password),
      field: v.TICKET_SERVICENOW_FIELD,
    };
  }
  // A header value and its encoded part are spellings of the credentials too.
  for (const header of [jira?.authorization, serviceNow?.authorization]) {
    if (header !== undefined) secrets.push(header, header.slice(header.indexOf(" ") + 1));
  }
  return {
    jira,
    serviceNow,
    exceptionContact: v.TICKET_EXCEPTION_CONTACT,
    timeoutMs: v.TICKET_TIMEOUT_MS,
    retry: {
      maxAttempts: v.TICKET_RETRY_MAX_ATTEMPTS,
      baseMs: v.TICKET_RETRY_BASE_MS,
      maxDelayMs: v.TICKET_RETRY_MAX_DELAY_MS,
    },
    secrets,
  };
}
