/**
 * A JSON parser for untrusted bodies. On top of `JSON.parse` it refuses the keys that enable prototype pollution
 * (`__proto__`, `constructor`, `prototype`) anywhere in the document, duplicate keys (two parsers, e.g. a proxy
 * and this function, could otherwise read different values from the same signed bytes), nesting deeper than
 * `MAX_JSON_DEPTH`, and bytes that are not UTF-8.
 */

/** Object keys refused anywhere in an untrusted document. */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Deepest nesting of objects and arrays accepted; a rule request needs 3 levels, a Jira issue webhook about 10. */
export const MAX_JSON_DEPTH = 64;

/** Why a document was refused. */
export type JsonRefusal = "encoding" | "syntax" | "forbidden-key" | "duplicate-key" | "too-deep";

/** The result of parsing an untrusted document; `message` completes a sentence such as "body ...". */
export type SafeJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; refusal: JsonRefusal; message: string };

// Stateless between calls (no `stream: true`), so one instance can serve every invocation.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes strict UTF-8 (a leading BOM is dropped); null when the bytes are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Makes an untrusted string safe to echo in a message or a log line: printable ASCII only, bounded length. */
export function printable(value: string, maxLength = 64): string {
  const cleaned = value.replace(/[^\x20-\x7e]/g, "?");
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength)}...` : cleaned;
}

function refuse(refusal: JsonRefusal, message: string): SafeJsonResult {
  return { ok: false, refusal, message };
}

function checkKey(key: string, seen: Set<string> | null): SafeJsonResult | null {
  if (FORBIDDEN_JSON_KEYS.has(key)) return refuse("forbidden-key", `uses the reserved key "${key}"`);
  if (seen?.has(key)) return refuse("duplicate-key", `repeats the key "${printable(key)}"`);
  seen?.add(key);
  return null;
}

/**
 * Walks text that `JSON.parse` already accepted and checks every object key and the nesting depth. One linear
 * pass with an explicit stack (no recursion, so deep documents cannot overflow the call stack).
 */
function scanValidJson(text: string): SafeJsonResult | null {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) {
          break;
        }
      }
      const top = stack.at(-1);
      if (expectKey && top) {
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        const problem = checkKey(key, top);
        if (problem) return problem;
        expectKey = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (stack.length >= MAX_JSON_DEPTH)
        return refuse("too-deep", `nests deeper than ${MAX_JSON_DEPTH} levels`);
      stack.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = stack.at(-1) instanceof Set;
    } else if (c === 0x3a) {
      expectKey = false;
    }
  }
  return null;
}

/**
 * False when `text` cannot be JSON because its first character after JSON whitespace starts no JSON value. Queue
 * bodies are often Base64 (MNS), tried as JSON first; answering those without `JSON.parse` spares a thrown
 * SyntaxError per message, which costs tens of microseconds each.
 */
function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    // { [ " - 0-9 t f n
    return (
      c === 0x7b ||
      c === 0x5b ||
      c === 0x22 ||
      c === 0x2d ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e
    );
  }
  return false;
}

/** Parses untrusted JSON text; never throws. */
export function parseJsonText(text: string): SafeJsonResult {
  if (!mayBeJson(text)) return refuse("syntax", "is not valid JSON");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The SyntaxError text quotes the input, which may hold anything; the caller gets a fixed phrase instead.
    return refuse("syntax", "is not valid JSON");
  }
  return checkJsonText(text, value);
}

/**
 * The checks of `parseJsonText` for text that `JSON.parse` already turned into `value` (the caller needed the
 * value first, e.g. to tell what kind of event it is), so the text is not parsed twice.
 */
export function checkJsonText(text: string, value: unknown): SafeJsonResult {
  return scanValidJson(text) ?? { ok: true, value };
}

/** Parses untrusted JSON bytes (strict UTF-8); never throws. */
export function parseJsonBytes(bytes: Uint8Array): SafeJsonResult {
  const text = decodeUtf8(bytes);
  return text === null ? refuse("encoding", "is not valid UTF-8") : parseJsonText(text);
}

/**
 * Applies the same key and depth rules to a value that was already parsed elsewhere (e.g. a Kafka value the
 * trigger delivered as a JSON object). Duplicate keys cannot be seen any more at this point.
 */
export function checkParsedJson(value: unknown): SafeJsonResult {
  const stack: Array<{ value: unknown; level: number }> = [{ value, level: 1 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const current = entry.value;
    if (current === null || typeof current !== "object") continue;
    // A cyclic value never ends, so the depth limit also stops it.
    if (entry.level > MAX_JSON_DEPTH) return refuse("too-deep", `nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, level: entry.level + 1 });
      continue;
    }
    for (const key of Object.keys(current)) {
      const problem = checkKey(key, null);
      if (problem) return problem;
      stack.push({ value: (current as Record<string, unknown>)[key], level: entry.level + 1 });
    }
  }
  return { ok: true, value };
}
