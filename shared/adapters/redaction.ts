/**
 * The redaction engine: removes credentials from everything the functions write (log lines, audit events, HTTP
 * answers, error texts) without ever changing the shape of JSON. It works three ways because each alone has holes:
 * known secret values in every spelling they travel in (configured tokens, the invocation's STS credentials: raw,
 * percent-encoded once or twice, form-encoded, Base64 standard and URL-safe), sensitive key names (`authorization`, `accessKeySecret`,
 * ...), and the shapes secrets take inside free text (`Bearer ...`, `whsec_...`, `Signature=...`, STS tokens).
 *
 * It only ever rewrites string values: keys, numbers, booleans and null are left as they are, so the result is
 * still valid JSON with the same members. The function's own fixed vocabulary (the CloudEvents `type` values,
 * `specversion`, `datacontenttype`, `dataschema`) is never rewritten either: it is written whatever the request,
 * so it cannot carry anything secret. docs/security.md ("Secrets and redaction") states the rules.
 */
import { AUDIT_DATASCHEMA, AUDIT_TYPE_PREFIX } from "../domain/audit-event.ts";
import type { Outcome } from "../domain/types.ts";
import { percentEncode } from "./ens/sign-v1.ts";

/** The text that replaces a redacted value. */
export const REDACTED = "[REDACTED]";

/** Shortest configured token or secret accepted at cold start (for `whsec_` secrets: bytes of the decoded key). */
export const MIN_SECRET_LENGTH = 16;

// Exhaustive by construction: adding an outcome without its type here fails the typecheck.
const OUTCOME_NAMES: Record<Outcome, true> = {
  created: true,
  already_exists: true,
  dry_run: true,
  rejected: true,
  failed: true,
};

/**
 * String values the function writes whatever the request: the CloudEvents `type` of every outcome, `specversion`,
 * `datacontenttype` and `dataschema`. Redaction leaves a value equal to one of them untouched, so no secret, however
 * chosen, can alter an event's type.
 */
export const FIXED_VOCABULARY: ReadonlySet<string> = new Set([
  ...Object.keys(OUTCOME_NAMES).map((outcome) => `${AUDIT_TYPE_PREFIX}${outcome}`),
  "1.0",
  "application/json",
  AUDIT_DATASCHEMA,
]);

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
  // Bearer tokens and Basic credentials anywhere; EventBridge / FC `acs:<id>:<base64 HMAC>` signatures.
  [/\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi, `Bearer ${REDACTED}`],
  [/\bBasic\s+[A-Za-z0-9+/]{12,}={0,2}/g, `Basic ${REDACTED}`],
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

/**
 * One cheap test that every match of TEXT_PATTERNS also matches: most strings (ids, CIDRs, ports) match none. The
 * `acs`/`FC` signature shape is spelled out whole, because `acs:fc:<region>:...` (every event's `source`) is not one.
 */
const MAY_HOLD_SECRET =
  /whsec_|v1,|authorization|bearer|basic\s+[a-z0-9+/]{12}|\b(?:acs|fc)[: ][a-z0-9._-]+:[a-z0-9+/]{20}|signature|securitytoken|accesskeysecret|access_token|token|password|secret|sha256=|cais/i;

/** Whether JSON.stringify writes some character of the text as an escape sequence (a spelling could straddle one). */
function hasJsonEscape(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c) return true;
  }
  return false;
}

// A spelling derived from a secret (an encoding, a fragment) shorter than this would hide ordinary text.
const MIN_DERIVED_SPELLING = 8;

/** `application/x-www-form-urlencoded` (URLSearchParams): space is `+`, `*-._` stay, the rest is `%XX`. */
function formEncode(text: string): string {
  return new URLSearchParams([["", text]]).toString().slice(1);
}

function lowerHex(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (code) => code.toLowerCase());
}

/**
 * The percent-encoded spellings of a text: once and twice, RFC 3986 (`%20`, what Alibaba Cloud signs with; a V1
 * string to sign holds every parameter twice encoded), `encodeURIComponent` and form encoding (`+`), hex in
 * either case.
 */
function percentSpellings(text: string): Set<string> {
  const once = new Set([percentEncode(text), encodeURIComponent(text), formEncode(text)]);
  for (const spelling of [...once]) once.add(lowerHex(spelling));
  const all = new Set(once);
  for (const spelling of once) {
    all.add(percentEncode(spelling));
    all.add(formEncode(spelling));
  }
  return all;
}

/**
 * The Base64 spellings of some bytes, standard and URL-safe, without the padding and without the last character
 * when it also holds bits of whatever follows (the same bytes at the start of a longer Base64 text). Base64 of a
 * secret embedded after other bytes (a Basic credential) is left to the `Basic` text pattern.
 */
function base64Spellings(bytes: Buffer): string[] {
  const text = bytes.toString("base64").slice(0, Math.floor((bytes.length * 8) / 6));
  return [text, text.replace(/\+/g, "-").replace(/\//g, "_")];
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Every spelling in which a secret may travel; the secret itself always, derived ones when not too short. */
export function secretSpellings(secret: string): string[] {
  const spellings = new Set<string>([secret]);
  const add = (spelling: string) => {
    if (spelling.length >= MIN_DERIVED_SPELLING) spellings.add(spelling);
  };
  const texts = [secret];
  const byteForms = [Buffer.from(secret, "utf8")];
  // A Standard Webhooks secret's key is the Base64 after the prefix; it, or the key itself, may be printed alone.
  const key = /^wh(?:sec|sk|pk)_(.+)$/.exec(secret)?.[1];
  if (key !== undefined) {
    const bytes = Buffer.from(key, "base64");
    add(key);
    texts.push(key);
    byteForms.push(bytes);
    const decoded = bytes.toString("latin1");
    if (PRINTABLE_ASCII.test(decoded)) {
      add(decoded);
      texts.push(decoded);
    }
  }
  for (const text of texts) for (const spelling of percentSpellings(text)) add(spelling);
  for (const bytes of byteForms) for (const spelling of base64Spellings(bytes)) add(spelling);
  return [...spellings];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A set of secrets compiled for redaction: two matchers of the same spellings, longest first so that a secret
 * containing another goes whole. Text without a `%` cannot hold a percent-encoded spelling, so it is searched with
 * the smaller `plain` one: most text has none, and the cost of a search grows with the number of spellings.
 */
interface CompiledSecrets {
  /** Every spelling without a `%`; null if none. */
  plain: RegExp | null;
  /** Every spelling; null if none. */
  all: RegExp | null;
  /** False when a spelling holds a character JSON escapes: then a search of serialised JSON could miss it. */
  searchable: boolean;
}

/** The matcher that finds every spelling a text can hold. */
function matcherFor(text: string, compiled: CompiledSecrets): RegExp | null {
  return text.includes("%") ? compiled.all : compiled.plain;
}

function alternation(spellings: readonly string[]): RegExp | null {
  return spellings.length === 0 ? null : new RegExp(spellings.map(escapeRegExp).join("|"), "g");
}

// Every invocation redacts with the same few secret sets (configuration + its STS credentials), so the compiled
// matcher is kept for reuse; the bound keeps rotating STS credentials from growing it.
const COMPILED_CACHE_LIMIT = 16;
const compiledCache = new Map<string, CompiledSecrets>();

function compile(secrets: readonly string[]): CompiledSecrets {
  const cacheKey = secrets.join("\u0000");
  const cached = compiledCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const spellings = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret === "") continue;
    for (const spelling of secretSpellings(secret)) spellings.add(spelling);
  }
  const sorted = [...spellings].sort((a, b) => b.length - a.length);
  const compiled: CompiledSecrets = {
    plain: alternation(sorted.filter((spelling) => !spelling.includes("%"))),
    all: alternation(sorted),
    searchable: sorted.every((spelling) => !hasJsonEscape(spelling)),
  };
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) {
    compiledCache.delete(compiledCache.keys().next().value as string);
  }
  compiledCache.set(cacheKey, compiled);
  return compiled;
}

/** Redacts one string value: every spelling of a secret and every secret-shaped substring. */
function redactString(text: string, compiled: CompiledSecrets): string {
  if (FIXED_VOCABULARY.has(text)) return text;
  const matcher = matcherFor(text, compiled);
  let out = matcher === null ? text : text.replace(matcher, REDACTED);
  if (MAY_HOLD_SECRET.test(out)) {
    for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  }
  // `\nabc...` serialises as `\\nabc...`: a spelling may appear only once the value is written as JSON.
  if (compiled.all !== null && hasJsonEscape(out) && JSON.stringify(out).search(compiled.all) !== -1) {
    return REDACTED;
  }
  return out;
}

/** True when serialised text holds no spelling of a secret and nothing a text pattern reacts to. */
function isCleanText(text: string, compiled: CompiledSecrets): boolean {
  const matcher = matcherFor(text, compiled);
  return (
    compiled.searchable && (matcher === null || text.search(matcher) === -1) && !MAY_HOLD_SECRET.test(text)
  );
}

const MAX_DEPTH = 12;

/** Sets an own property even for names like `__proto__`, which plain assignment would turn into a prototype. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
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
 * The redacted, JSON-safe copy of a value. Under a sensitive key (`masked`) every string is replaced whole; numbers,
 * booleans and null stay, and so do arrays and objects, whose strings are replaced one by one.
 */
function redactValue(
  value: unknown,
  compiled: CompiledSecrets,
  seen: WeakSet<object>,
  depth: number,
  masked: boolean,
): unknown {
  if (typeof value === "string") return masked ? REDACTED : redactString(value, compiled);
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return masked ? REDACTED : value.toString();
  if (typeof value === "undefined" || typeof value === "function" || typeof value === "symbol")
    return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  // Bytes may hold a raw request body or a key; never print them.
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  // URL, and any class that knows its JSON form, would otherwise print as `{}`.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && !(value instanceof Error)) {
    return redactValue(toJSON.call(value), compiled, seen, depth + 1, masked);
  }
  if (seen.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      return [...value].map((item) => redactValue(item, compiled, seen, depth + 1, masked) ?? null);
    }
    const source: Record<string, unknown> =
      value instanceof Error
        ? errorFields(value)
        : value instanceof Map
          ? Object.fromEntries(value)
          : { ...value };
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      // Keys are never rewritten: the functions' field names are fixed by the code, and a rewritten key would
      // change the structure every consumer relies on.
      const redacted = redactValue(item, compiled, seen, depth + 1, masked || isSensitiveKey(key));
      if (redacted !== undefined) defineField(out, key, redacted);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** True when `redactValue` would change more than strings: a sensitive key at any depth, or nesting it truncates. */
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

/** A set of secrets ready to redact with; build it once (`createRedactor`) where one set serves many calls. */
export interface Redactor {
  /** Redacts a piece of free text (an error message, a log message). */
  text(text: string): string;
  /** Redacts a value into a JSON-safe copy (see `redact`). */
  value(value: unknown): unknown;
}

/**
 * Compiles a set of secrets into a `Redactor`.
 * @example createRedactor(["tok-3f9a1c2b7d8e9f00"]).text("Bearer tok-3f9a1c2b7d8e9f00") // "Bearer [REDACTED]"
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const compiled = compile(secrets);
  return {
    text: (text) => redactString(text, compiled),
    value: (value) => redactValue(value, compiled, new WeakSet(), 0, false),
  };
}

/** Replaces every spelling of the known secrets and every secret-shaped substring in a piece of text. */
export function redactText(text: string, secrets: readonly string[]): string {
  return redactString(text, compile(secrets));
}

/**
 * Returns a JSON-safe deep copy of `value` in which no string holds a known secret in any spelling, every string
 * under a sensitive key (authorization, accessKeySecret, securityToken, signature, secret, token, password, ...)
 * is replaced, and secret-shaped text (Bearer tokens, `whsec_` keys, signatures, STS tokens) is masked. Keys,
 * numbers, booleans and null are kept. Errors become plain objects, cycles `[Circular]`, bytes a length.
 * @example redact({ authorization: "Bearer abc", note: "key=abc" }, ["abc"]) // { authorization: "[REDACTED]", note: "key=[REDACTED]" }
 */
export function redact(value: unknown, secrets: readonly string[]): unknown {
  return redactValue(value, compile(secrets), new WeakSet(), 0, false);
}

/**
 * `redact` for plain JSON data (audit events), also returning `JSON.stringify` of the result. When the serialised
 * value holds no spelling of a secret, no text a redaction pattern reacts to and no sensitive key, the value comes
 * back as it is, without the deep copy, and with the JSON the check made anyway, so the audit sinks need not
 * serialise it again. Same value as `redact` either way (a property test checks it); most events take this fast
 * path, which matters on every invocation's hot path. `json` is undefined only for a value JSON cannot represent.
 */
export function redactJsonText<T>(
  value: T,
  secrets: readonly string[],
): { value: T; json: string | undefined } {
  const compiled = compile(secrets);
  const text = JSON.stringify(value);
  if (text !== undefined && isCleanText(text, compiled) && !hasSensitiveKey(value))
    return { value, json: text };
  const redacted = redactValue(value, compiled, new WeakSet(), 0, false) as T;
  return { value: redacted, json: JSON.stringify(redacted) };
}

/**
 * Redacts a serialised JSON document (an HTTP answer body) value by value, so it stays the same JSON with the same
 * members. Clean text (the usual case) comes back as it is, unparsed; text that is not JSON is redacted as text.
 */
export function redactJsonDocument(text: string, secrets: readonly string[]): string {
  const compiled = compile(secrets);
  if (isCleanText(text, compiled)) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return redactString(text, compiled);
  }
  return JSON.stringify(redactValue(parsed, compiled, new WeakSet(), 0, false));
}

/**
 * Why a configured token or secret is refused at cold start, or null when it is accepted: it must be at least
 * `MIN_SECRET_LENGTH` characters (a `whsec_` secret: its key at least that many bytes), because a short one also
 * occurs in ordinary text, which redaction would then have to mangle. The value itself is never part of the answer.
 */
export function describeSecretProblem(secret: string): string | null {
  const key = /^whsec_(.*)$/.exec(secret)?.[1];
  if (key !== undefined) {
    return Buffer.from(key, "base64").length < MIN_SECRET_LENGTH
      ? `its key (the Base64 after "whsec_") decodes to fewer than ${MIN_SECRET_LENGTH} bytes`
      : null;
  }
  return secret.length < MIN_SECRET_LENGTH ? `it is shorter than ${MIN_SECRET_LENGTH} characters` : null;
}
