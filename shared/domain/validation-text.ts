/**
 * Small pure helpers that turn request values and issue paths into text for validation messages. Messages reach
 * HTTP answers and audit logs, so anything taken from the request is quoted with JSON escaping (control
 * characters stay visible and cannot break a log line) and cut short (a 60 KiB field must not be echoed whole).
 */

const MAX_QUOTED_CHARS = 40;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Quotes text taken from a request for a message: JSON string syntax, cut to 40 characters with an ellipsis. */
export function quoteInput(text: string): string {
  const short = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
  return JSON.stringify(short);
}

/** Names a character by its code point, `U+200B`: the way to show a character that cannot be seen. */
export function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Names the JSON type of a value the way a ticket author would say it: "a number", "null", "an array" ... */
export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    case "undefined":
      return "nothing";
    default:
      return `a ${typeof value}`;
  }
}

/** Formats an issue path the way the request reads: `PortRange`, `Rules[1].PortRange`, `Rules[0]["a b"]`, `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment) && segment.length <= MAX_QUOTED_CHARS)
      text += text === "" ? segment : `.${segment}`;
    else text += `[${quoteInput(String(segment))}]`;
  }
  return text === "" ? "(root)" : text;
}

/**
 * A whole number with commas between groups of three digits (`16,777,216`), as `toLocaleString("en-US")` writes
 * it, without loading ICU's locale data: that costs tens of milliseconds the first time in a process, on the path
 * of the first refusal an instance answers.
 * @example groupDigits(16777216) // "16,777,216"
 */
export function groupDigits(value: number): string {
  const digits = String(Math.trunc(Math.abs(value)));
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, ",");
  return value < 0 ? `-${grouped}` : grouped;
}
