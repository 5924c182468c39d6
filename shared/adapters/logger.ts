/**
 * The JSON logger: one line per call, `{time, level, message, ...base, ...fields}`, every value passed through the
 * redaction engine (`redaction.ts`) so that no credential, token, signature or webhook secret reaches the FC log
 * (and from there Log Service), and every line stays valid JSON whatever the secrets are.
 */
import type { Logger } from "../ports.ts";
import { createRedactor, type Redactor } from "./redaction.ts";
import { writeStdoutLine } from "./stdout-line.ts";

// Where these were defined before the engine moved to redaction.ts; new code imports them from there.
export { isSensitiveKey, REDACTED, redact, redactJsonText, redactText } from "./redaction.ts";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger that also accepts secrets learned later (e.g. an invocation's STS credentials). */
export interface RedactingLogger extends Logger {
  child(fields: Record<string, unknown>): RedactingLogger;
  /** Returns a logger that also redacts these values; the receiver is unchanged (no shared per-request state). */
  withSecrets(secrets: readonly string[]): RedactingLogger;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Lines below this level are dropped; default `info`. */
  level?: LogLevel;
  /** Receives each line without its newline; default writes to stdout, which FC ships to Log Service. */
  write?: (line: string) => void;
  /** Values that must never appear in a line, in any spelling. */
  secrets?: readonly string[];
  /** Fields on every line (e.g. the function name). */
  base?: Record<string, unknown>;
  /** Clock for the `time` field; injectable for tests. */
  now?: () => number;
}

interface LoggerState {
  threshold: number;
  write: (line: string) => void;
  now: () => number;
  secrets: readonly string[];
  redactor: Redactor;
  base: Record<string, unknown>;
}

function build(state: LoggerState): RedactingLogger {
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < state.threshold) return;
    state.write(formatLine(state, level, message, fields));
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => build({ ...state, base: { ...state.base, ...fields } }),
    withSecrets: (secrets) => {
      const all = [...state.secrets, ...secrets];
      return build({ ...state, secrets: all, redactor: createRedactor(all) });
    },
  };
}

function formatLine(
  state: LoggerState,
  level: LogLevel,
  message: string,
  fields?: Record<string, unknown>,
): string {
  const time = new Date(state.now()).toISOString();
  const safeMessage = state.redactor.text(message);
  try {
    const body = state.redactor.value({ ...state.base, ...fields }) as Record<string, unknown>;
    // time, level and message come first and a field of the same name cannot overwrite them. Rest and spread
    // define own properties, so a field named `__proto__` stays data.
    const { time: _time, level: _level, message: _message, ...rest } = body;
    return JSON.stringify({ time, level, message: safeMessage, ...rest });
  } catch (cause) {
    // Logging must never throw into the caller; keep the message, say why the fields were dropped.
    const reason = cause instanceof Error ? cause.message : String(cause);
    return JSON.stringify({ time, level, message: safeMessage, logError: state.redactor.text(reason) });
  }
}

/**
 * Creates the JSON logger; `child` merges fields (fcRequestId, correlationId) into every later line.
 * @example createLogger({ level: "info", secrets: configSecrets(config) }).child({ fcRequestId }).info("rule created", { auditId })
 */
export function createLogger(options: LoggerOptions = {}): RedactingLogger {
  const secrets = [...(options.secrets ?? [])];
  return build({
    threshold: LEVELS[options.level ?? "info"],
    write: options.write ?? writeStdoutLine,
    now: options.now ?? Date.now,
    secrets,
    redactor: createRedactor(secrets),
    base: { ...(options.base ?? {}) },
  });
}
