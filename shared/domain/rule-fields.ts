/**
 * Pure checks for single fields of a rule request. Each `describe*Problem` returns what is wrong in words for a
 * ticket author (without the field name, which the caller prefixes), or null when the value is valid. The zod
 * schemas in `rule-request.ts` call these, so the rules live in plain functions that are easy to test.
 */
import { formatBlock, parseCidr, parseIpv4 } from "./ipv4.ts";
import { quoteInput } from "./validation-text.ts";

/**
 * Security group ids: `sg-` then 1-64 lowercase letters or digits. Real ids look like `sg-bp67acfmxazb4p` (the
 * vendor page masks the tail as `****`); the length bound is generous because ENS does not publish one. Anything
 * else (uppercase, spaces, control characters, `*` from a masked example) cannot be a real id.
 */
export const SECURITY_GROUP_ID_PATTERN = /^sg-[a-z0-9]{1,64}$/;

/** Describes what is wrong with a `SecurityGroupId`, or null when it is valid. */
export function describeSecurityGroupIdProblem(text: string): string | null {
  if (SECURITY_GROUP_ID_PATTERN.test(text)) return null;
  if (text === "") return 'must not be empty; give the id of the group, e.g. "sg-bp67acfmxazb4p"';
  const lower = text.toLowerCase();
  if (SECURITY_GROUP_ID_PATTERN.test(lower)) {
    return `${quoteInput(text)} is not valid: ids are lowercase; did you mean ${quoteInput(lower)}?`;
  }
  if (text.includes("*")) {
    return `${quoteInput(text)} is not valid: it looks masked; copy the full id from the console`;
  }
  return `${quoteInput(text)} is not valid: expected "sg-" followed by 1 to 64 lowercase letters or digits, e.g. "sg-bp67acfmxazb4p"`;
}

const CIDR_EXAMPLE = 'e.g. "10.0.0.0/8" or "192.0.2.10"';

/**
 * Describes what is wrong with a `DestCidrIp`, or null when it is valid. A block with host bits set
 * (`10.0.0.1/8`) is refused (lead's decision): the guardrails would have to guess which block was meant.
 */
export function describeCidrProblem(text: string): string | null {
  const parsed = parseCidr(text);
  if (parsed.ok && !parsed.hostBitsSet) return null;
  if (parsed.ok) {
    const address = text.slice(0, text.indexOf("/"));
    return `${quoteInput(text)} has host bits set after the prefix; did you mean the network ${quoteInput(formatBlock(parsed.block))}? (for the one address write ${quoteInput(address)})`;
  }
  const invalid = `${quoteInput(text)} is not valid`;
  if (/\s/.test(text)) return `${invalid}: it must not contain spaces; ${CIDR_EXAMPLE}`;
  const parts = text.split("/");
  if (parts.length > 2) return `${invalid}: it may contain at most one "/"; ${CIDR_EXAMPLE}`;
  const [address = "", prefix] = parts;
  if (parseIpv4(address) === null) {
    return `${invalid}: an IPv4 address is four numbers from 0 to 255 separated by dots, without leading zeros; ${CIDR_EXAMPLE}`;
  }
  return `${invalid}: the prefix length after "/" must be a number from 0 to 32 without leading zeros (got ${quoteInput(prefix ?? "")}); ${CIDR_EXAMPLE}`;
}

/** The smallest priority ENS accepts (a smaller number wins). */
export const PRIORITY_MIN = 1;
/** The largest priority ENS accepts. */
export const PRIORITY_MAX = 100;

// A canonical decimal integer: what a form field holding a whole number looks like, and nothing looser.
const CANONICAL_INTEGER = /^[1-9]\d{0,2}$/;
const PRIORITY_RULE = `a whole number from ${PRIORITY_MIN} to ${PRIORITY_MAX}`;

/**
 * Reads a `Priority` given as a number or as a canonical decimal string (`"5"`; lead's decision, because
 * ticketing systems send form fields as strings); returns the number or a problem description.
 */
export function readPriority(
  value: number | string,
): { ok: true; value: number } | { ok: false; problem: string } {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= PRIORITY_MIN && value <= PRIORITY_MAX) return { ok: true, value };
    return { ok: false, problem: `must be ${PRIORITY_RULE} (got ${String(value)})` };
  }
  if (CANONICAL_INTEGER.test(value)) {
    const number = Number(value);
    if (number <= PRIORITY_MAX) return { ok: true, value: number };
  }
  return {
    ok: false,
    problem: `${quoteInput(value)} is not valid: it must be ${PRIORITY_RULE}, written plainly like 5 or "5"`,
  };
}

/** Rules for a free-text metadata field. */
export interface TextFieldRule {
  maxLength: number;
  /** Allows tab and line breaks (a reason copied from a ticket may span lines; the audit log escapes them). */
  multiline: boolean;
}

/**
 * True when the text holds a character that has no place in a ticket id, a name or a reason: C0/C1 control
 * characters and DEL (tab and line breaks allowed when multiline), bidirectional overrides and isolates (they make
 * audit text display other than it reads), and lone UTF-16 surrogates (JSON allows "\ud800", UTF-8 cannot carry it).
 */
function hasForbiddenChar(text: string, multiline: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (multiline && (code === 0x09 || code === 0x0a || code === 0x0d)) continue;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true;
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Describes what is wrong with a metadata text (already trimmed), or null when it is valid. */
export function describeTextProblem(text: string, rule: TextFieldRule): string | null {
  if (text === "") return "must not be empty (leave the field out instead)";
  if (text.length > rule.maxLength)
    return `must be at most ${rule.maxLength} characters (got ${text.length})`;
  if (hasForbiddenChar(text, rule.multiline)) {
    return rule.multiline
      ? "must not contain control or invisible formatting characters (line breaks and tabs are fine)"
      : "must not contain line breaks, control or invisible formatting characters";
  }
  return null;
}
