/**
 * The JSON logger: one line per call, `{time, level, message, ...base, ...fields}`, every value passed through
 * `redact` so that no credential, token, signature or webhook secret reaches the FC log (and from there Log
 * Service). Redaction works three ways because each alone has holes: known secret values (configured tokens,
 * the invocation's STS credentials), sensitive key names (`authorization`, `accessKeySecret`, ...), and the shapes
 * secrets take inside free text (`Bearer ...`, `whsec_...`, `Signature=...`, STS tokens).
 */
import type { Logger } from "../ports.ts";

/** The text that replaces a redacted value. */
export const REDACTED = "[REDACTED]";

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
  /** Values that must never appear in a line, nor any string containing them. */
  secrets?: readonly string[];
  /** Fields on every line (e.g. the function name). */
  base?: Record<string, unknown>;
  /** Clock for the `time` field; injectable for tests. */
  now?: () => number;
}

// Key names are compared lowercased with separators removed, so `x-acs-security-token`, `accessKeySecret` and
// `ACCESS_KEY_SECRET` all match. Suffix matching catches `clientSecret`, `apiToken`, `webhookSignature` ...
const SENSITIVE_KEY_SUFFIXES = [
  "secret",
  "secrets",
  "token",
  "tokens",
  "password",
  "passwd",
  "signature",
  "signatures",
  "authorization",
  "cookie",
  "cookies",
  "apikey",
  "privatekey",
  "credential",
  "credentials",
];

// Audit events and log fields use a small, fixed set of names, so the verdicts are remembered: the audit trail
// asks about every key of every event. The bound keeps hostile key names (a parsed webhook body) from growing it.
const KEY_VERDICT_LIMIT = 1024;
const keyVerdicts = new Map<string, boolean>();

/** True when a field with this name holds a secret whatever its value. */
export function isSensitiveKey(key: string): boolean {
  const known = keyVerdicts.get(key);
  if (known !== undefined) return known;
  const normalised = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  const verdict = SENSITIVE_KEY_SUFFIXES.some((suffix) => normalised.endsWith(suffix));
  if (keyVerdicts.size < KEY_VERDICT_LIMIT) keyVerdicts.set(key, verdict);
  return verdict;
}

// Shapes of secrets inside free text (error messages, echoed requests). Each keeps a harmless prefix so a reader
// still sees what kind of value was there.
// Each pattern is narrow on purpose: the audit trail runs them over every string of an audit event too, and a
// ticket's free text ("Basic checks", a `source` like `acs:fc:cn-hangzhou:...`) must come through unchanged.
const TEXT_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // Standard Webhooks secrets and signatures.
  [/whsec_[A-Za-z0-9+/=_-]+/g, REDACTED],
  [/\bv1,[A-Za-z0-9+/]{16,}={0,2}/g, `v1,${REDACTED}`],
  // A whole Authorization header in a dump (`authorization: Basic ...`, `"Authorization":"..."`).
  [/\b(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${REDACTED}`],
  // Bearer tokens anywhere; EventBridge / FC `acs:<id>:<base64 HMAC>` signatures.
  [/\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi, `Bearer ${REDACTED}`],
  [/\b(acs|FC)([: ])([A-Za-z0-9._-]+):[A-Za-z0-9+/]{20,}={0,2}/g, `$1$2$3:${REDACTED}`],
  // key=value pairs in query strings, form bodies and header dumps (V1 `Signature=`, ACS3 `Signature=<hex>`).
  [
    /\b(Signature|SecurityToken|AccessKeySecret|access_token|token|password|secret)(=|:\s*|"\s*:\s*")([^&\s",;]+)/gi,
    `$1$2${REDACTED}`,
  ],
  // Jira `X-Hub-Signature: sha256=<hex>`.
  [/\bsha256=[0-9a-fA-F]{40,}/g, `sha256=${REDACTED}`],
  // Alibaba Cloud STS security tokens start with CAIS and are long base64.
  [/\bCAIS[A-Za-z0-9+/=]{20,}/g, REDACTED],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Every invocation redacts with the same few secret sets (configuration + its STS credentials), so the compiled
// matcher is kept for reuse; the bound keeps rotating STS credentials from growing it.
const MATCHER_CACHE_LIMIT = 16;
const matcherCache = new Map<string, RegExp | null>();

/** The replacer for a set of secrets, compiled once per distinct set (see `buildSecretMatcher`). */
function secretMatcher(secrets: readonly string[]): RegExp | null {
  const key = secrets.join("\u0000");
  const cached = matcherCache.get(key);
  if (cached !== undefined || matcherCache.has(key)) return cached ?? null;
  const matcher = buildSecretMatcher(secrets);
  if (matcherCache.size >= MATCHER_CACHE_LIMIT)
    matcherCache.delete(matcherCache.keys().next().value as string);
  matcherCache.set(key, matcher);
  return matcher;
}

/** Builds one replacer for a set of secrets (longest first, so a secret containing another goes whole). */
function buildSecretMatcher(secrets: readonly string[]): RegExp | null {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret === "") continue;
    variants.add(secret);
    // A Standard Webhooks secret's key is the base64 after the prefix; it may be logged on its own.
    const prefixed = /^wh(?:sec|sk|pk)_(.+)$/.exec(secret);
    if (prefixed?.[1]) variants.add(prefixed[1]);
    // A secret may travel URL-encoded (query strings, form bodies).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) variants.add(encoded);
  }
  if (variants.size === 0) return null;
  const sorted = [...variants].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(sorted.join("|"), "g");
}

/** Replaces known secret values and secret-shaped substrings in a piece of text. */
export function redactText(text: string, secrets: readonly string[]): string {
  return redactWith(text, secretMatcher(secrets));
}

/**
 * One cheap test that every match of TEXT_PATTERNS also matches: most strings (ids, CIDRs, ports) match none. The
 * `acs`/`FC` signature shape is spelled out whole, because `acs:fc:<region>:...` (every event's `source`) is not one.
 */
const MAY_HOLD_SECRET =
  /whsec_|v1,|authorization|bearer|\b(?:acs|fc)[: ][a-z0-9._-]+:[a-z0-9+/]{20}|signature|securitytoken|accesskeysecret|access_token|token|password|secret|sha256=|cais/i;

function redactWith(text: string, matcher: RegExp | null): string {
  let out = matcher === null ? text : text.replace(matcher, REDACTED);
  if (!MAY_HOLD_SECRET.test(out)) return out;
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 12;

/** Sets an own property even for names like `__proto__`, which plain assignment would turn into a prototype. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function redactValue(value: unknown, matcher: RegExp | null, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === "string") return redactWith(value, matcher);
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "undefined" || typeof value === "function" || typeof value === "symbol")
    return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  // Bytes may hold a raw request body or a key; never print them.
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  // URL, and any class that knows its JSON form, would otherwise print as `{}`.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && !(value instanceof Error)) {
    return redactValue(toJSON.call(value), matcher, seen, depth + 1);
  }
  if (seen.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      return [...value].map((item) => redactValue(item, matcher, seen, depth + 1) ?? null);
    }
    const source: Record<string, unknown> =
      value instanceof Error
        ? errorFields(value)
        : value instanceof Map
          ? Object.fromEntries(value)
          : { ...value };
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      // A key can itself carry a secret (a header dump keyed by token); redact names as text too.
      const safeKey = redactWith(key, matcher);
      const redacted = isSensitiveKey(key)
        ? item === null || item === undefined || typeof item === "boolean"
          ? item
          : REDACTED
        : redactValue(item, matcher, seen, depth + 1);
      if (redacted !== undefined) defineField(out, safeKey, redacted);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** An Error's useful fields (JSON.stringify would print `{}`), `cause` included so chains stay readable. */
function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [key, item] of Object.entries(error)) defineField(fields, key, item);
  if (error.cause !== undefined) fields.cause = error.cause;
  if (error.stack !== undefined) fields.stack = error.stack;
  return fields;
}

/**
 * Returns a JSON-safe deep copy of `value` with every known secret value (and any string containing one)
 * replaced by `[REDACTED]`, every value under a sensitive key (authorization, accessKeySecret, securityToken,
 * signature, secret, token, password, ...) replaced, and secret-shaped text (Bearer tokens, `whsec_` keys,
 * signatures, STS tokens) masked. Errors become plain objects, cycles `[Circular]`, bytes a length.
 * @example redact({ authorization: "Bearer abc", note: "key=abc" }, ["abc"]) // { authorization: "[REDACTED]", note: "key=[REDACTED]" }
 */
export function redact(value: unknown, secrets: readonly string[]): unknown {
  return redactValue(value, secretMatcher(secrets), new WeakSet(), 0);
}

/** True when `redactValue` would change the structure: a sensitive key at any depth, or nesting it truncates. */
function hasSensitiveKey(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((item) => hasSensitiveKey(item, depth + 1));
  const record = value as Record<string, unknown>;
  // for...in over own keys rather than Object.entries: no array of pairs per object on the hot path.
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (isSensitiveKey(key) || hasSensitiveKey(record[key], depth + 1)) return true;
  }
  return false;
}

/**
 * `redact` for plain JSON data (audit events), also returning `JSON.stringify` of the result. When the serialised
 * value holds no known secret, no text a redaction pattern reacts to and no sensitive key, the value comes back as
 * it is, without the deep copy, and with the JSON the check made anyway, so the audit sinks need not serialise it
 * again. Same value as `redact` either way (a property test checks it); most events take this fast path, which
 * matters on every invocation's hot path. `json` is undefined only for a value JSON cannot represent at all.
 */
export function redactJsonText<T>(
  value: T,
  secrets: readonly string[],
): { value: T; json: string | undefined } {
  const text = JSON.stringify(value);
  if (text !== undefined) {
    const matcher = secretMatcher(secrets);
    // A secret that JSON escapes (quotes, backslashes, control characters) would hide from a search of the text.
    const searchable = secrets.every((secret) => JSON.stringify(secret) === `"${secret}"`);
    const clean =
      searchable &&
      (matcher === null || text.search(matcher) === -1) &&
      !MAY_HOLD_SECRET.test(text) &&
      !hasSensitiveKey(value);
    if (clean) return { value, json: text };
  }
  const redacted = redact(value, secrets) as T;
  return { value: redacted, json: JSON.stringify(redacted) };
}

function defaultWrite(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface LoggerState {
  threshold: number;
  write: (line: string) => void;
  now: () => number;
  secrets: readonly string[];
  matcher: RegExp | null;
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
      return build({ ...state, secrets: all, matcher: secretMatcher(all) });
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
  const safeMessage = redactWith(message, state.matcher);
  try {
    const body = redactValue({ ...state.base, ...fields }, state.matcher, new WeakSet(), 0) as Record<
      string,
      unknown
    >;
    // time, level and message come first and a field of the same name cannot overwrite them.
    const line: Record<string, unknown> = { time, level, message: safeMessage };
    for (const [key, item] of Object.entries(body)) {
      if (key !== "time" && key !== "level" && key !== "message") defineField(line, key, item);
    }
    return JSON.stringify(line);
  } catch (cause) {
    // Logging must never throw into the caller; keep the message, say why the fields were dropped.
    const reason = cause instanceof Error ? cause.message : String(cause);
    return JSON.stringify({ time, level, message: safeMessage, logError: redactWith(reason, state.matcher) });
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
    write: options.write ?? defaultWrite,
    now: options.now ?? Date.now,
    secrets,
    matcher: secretMatcher(secrets),
    base: { ...(options.base ?? {}) },
  });
}
