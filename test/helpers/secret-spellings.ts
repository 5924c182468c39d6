/**
 * A test oracle for redaction, written apart from `shared/adapters/redaction.ts` so that a mistake there cannot
 * hide behind the same mistake here: the spellings in which a secret travels, the function's fixed vocabulary, and
 * readers that parse every output line and walk every string of a JSON value.
 */

/** Alibaba Cloud's percent-encoding (RFC 3986: `!'()*` encoded too, space `%20`). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Form encoding as URLSearchParams writes it (space `+`). */
function form(text: string): string {
  return new URLSearchParams({ v: text }).toString().slice(2);
}

/** Base64 of `bytes`, standard and URL-safe, as it starts any longer Base64 text (the last, shared character cut). */
function base64Of(bytes: Buffer): string[] {
  const encoded = bytes.toString("base64").slice(0, Math.floor((bytes.length * 8) / 6));
  return [encoded, encoded.replaceAll("+", "-").replaceAll("/", "_")];
}

/**
 * Every spelling of a secret that must not survive in any output: raw; percent-encoded once and twice (RFC 3986,
 * lowercase hex, form `+`); Base64 standard and URL-safe; for `whsec_` secrets the key and, when
 * printable, the key's bytes. Spellings under 8 characters are left out (they would match ordinary text).
 */
export function spellingsOf(secret: string): string[] {
  const texts = [secret];
  const blobs = [Buffer.from(secret)];
  const key = /^whsec_(.+)$/.exec(secret)?.[1];
  if (key) {
    texts.push(key);
    const bytes = Buffer.from(key, "base64");
    blobs.push(bytes);
    if (/^[\x20-\x7e]+$/.test(bytes.toString("latin1"))) texts.push(bytes.toString("latin1"));
  }
  const out = new Set<string>([secret]);
  for (const text of texts) {
    const once = [rfc3986(text), form(text)];
    const lower = once.map((s) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    for (const s of [text, ...once, ...lower]) out.add(s).add(rfc3986(s)).add(form(s));
  }
  for (const bytes of blobs) for (const s of base64Of(bytes)) out.add(s);
  return [...out].filter((s) => s === secret || s.length >= 8);
}

/** Values the functions write whatever the request (the CloudEvents constants); never redacted, by design. */
export const FIXED_VALUES: ReadonlySet<string> = new Set([
  ...["created", "already_exists", "dry_run", "rejected", "failed"].map((o) => `ens.egress_rule.${o}`),
  "1.0",
  "application/json",
  "urn:ens-egress:events:audit:v1",
]);

/** Parses every non-empty line; throws, quoting the line, when one is not JSON. */
export function parseLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`not a JSON line: ${line.slice(0, 300)}`);
      }
    });
}

/** Every string value (not key) of a JSON value. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (value !== null && typeof value === "object")
    for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

/** The spellings of `secrets` found in the string values of `value`, the fixed vocabulary excepted. */
export function leakedSpellings(value: unknown, secrets: readonly string[]): string[] {
  const spellings = secrets.flatMap(spellingsOf);
  const leaks: string[] = [];
  for (const text of stringsIn(value)) {
    if (FIXED_VALUES.has(text)) continue;
    for (const spelling of spellings) if (text.includes(spelling)) leaks.push(spelling);
  }
  return leaks;
}

/** True when every audit event keeps its CloudEvents attributes; returns the problems otherwise. */
export function cloudEventProblems(event: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of ["specversion", "id", "source", "type", "time", "datacontenttype"]) {
    if (typeof event[name] !== "string") problems.push(`${name} is not a string`);
  }
  if (event.specversion !== "1.0") problems.push("specversion changed");
  if (event.datacontenttype !== "application/json") problems.push("datacontenttype changed");
  const data = event.data as Record<string, unknown> | null | undefined;
  if (typeof data !== "object" || data === null) problems.push("data is not an object");
  else if (event.type !== `ens.egress_rule.${String(data.outcome)}`)
    problems.push(`type ${String(event.type)}`);
  return problems;
}

/** Whether a parsed output line is an audit event (the log sink writes them beside the logger's lines). */
export function isAuditEvent(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && "specversion" in value && "type" in value;
}
