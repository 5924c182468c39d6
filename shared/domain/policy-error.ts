/**
 * The cold-start error for a policy document with mistakes, and the pure functions that word zod's issues for a
 * security engineer: the path of the field (`blockedPorts[2]`), then what is wrong with it.
 */

import type { core } from "zod/mini";
import { ProductError } from "./product-error.ts";

/** One mistake in a policy document; `path` is empty for the document itself. */
export interface PolicyIssue {
  path: string;
  message: string;
}

/** A policy document (or POLICY_MODE) that cannot be used; thrown at cold start so the function never runs on it. */
export class PolicyConfigError extends ProductError {
  override readonly name = "PolicyConfigError";
  override readonly code = "PolicyConfigError";
  /** Where the document came from, e.g. `POLICY_JSON` or `policy/policy.json`. */
  readonly source: string;
  readonly issues: PolicyIssue[];

  constructor(source: string, issues: PolicyIssue[], options?: { cause?: unknown }) {
    super(formatPolicyConfigMessage(source, issues), options);
    this.source = source;
    this.issues = issues;
  }
}

/** The error message: the source, the number of mistakes, then each mistake as `path: message`. */
export function formatPolicyConfigMessage(source: string, issues: readonly PolicyIssue[]): string {
  const count = issues.length === 1 ? "1 mistake" : `${issues.length} mistakes`;
  const list = issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`));
  return `The guardrail policy from ${source} is invalid (${count}): ${list.join("; ")}`;
}

/** Formats a zod path the way the document would be navigated: `worldOpen.maxPortSpan`, `destinationAllowLists["sg-a"][0]`. */
export function formatPolicyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment))
      text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

// zod/mini loads no locale (that keeps it light), so every issue it words itself says just this.
const GENERIC_MESSAGE = "Invalid input";

/** Turns zod issues into policy issues, one per mistake, worded for a security engineer. */
export function policyIssuesFromZod(
  issues: readonly core.$ZodIssue[],
  knownFields: readonly string[],
  prefix: readonly PropertyKey[] = [],
): PolicyIssue[] {
  const result: PolicyIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const hint = suggestField(key, knownFields);
        const message = `unknown field${hint === null ? "" : ` (did you mean "${hint}"?)`}`;
        result.push({ path: formatPolicyPath([...path, key]), message });
      }
    } else if (issue.code === "invalid_key" && issue.issues.length > 0) {
      // A record key that fails its pattern: its own issue says what a key must look like.
      result.push(...policyIssuesFromZod(issue.issues, knownFields, path));
    } else if (issue.code === "invalid_union") {
      const branch = pickUnionBranch(issue.errors);
      if (branch !== null) result.push(...policyIssuesFromZod(branch, knownFields, path));
      else result.push({ path: formatPolicyPath(path), message: describeIssue(issue) });
    } else {
      result.push({ path: formatPolicyPath(path), message: describeIssue(issue) });
    }
  }
  return result;
}

/**
 * The union member the author evidently meant: the only one whose failure is not "wrong type at the top". An
 * object given where a port or an object is allowed should be told what is wrong inside it, not "wrong type".
 */
function pickUnionBranch(
  branches: ReadonlyArray<readonly core.$ZodIssue[]>,
): readonly core.$ZodIssue[] | null {
  const meant = branches.filter((branch) => !isTypeMismatch(branch));
  return meant.length === 1 ? (meant[0] ?? null) : null;
}

/** True when the value simply had another type than this schema (or than every member of a nested union). */
function isTypeMismatch(issues: readonly core.$ZodIssue[]): boolean {
  return issues.every(
    (issue) =>
      issue.path.length === 0 &&
      (issue.code === "invalid_type" ||
        (issue.code === "invalid_union" && issue.errors.every(isTypeMismatch))),
  );
}

/** Words one issue; custom checks carry their own message, zod's built-in codes are worded here. */
function describeIssue(issue: core.$ZodIssue): string {
  if (issue.message !== GENERIC_MESSAGE) {
    // Custom checks name the value themselves; enum and literal messages are fixed text, so show the value.
    return issue.code === "invalid_value" ? `${issue.message}${describeInput(issue.input)}` : issue.message;
  }
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(issue.expected)}${describeInput(issue.input)}`;
    case "too_small":
      return issue.origin === "array"
        ? `must list at least ${issue.minimum} ${Number(issue.minimum) === 1 ? "entry" : "entries"}`
        : `must be at least ${issue.minimum}${describeInput(issue.input)}`;
    case "too_big":
      return issue.origin === "array"
        ? `must list at most ${issue.maximum} entries`
        : `must be at most ${issue.maximum}${describeInput(issue.input)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}${describeInput(issue.input)}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}${describeInput(issue.input)}`;
    case "invalid_union":
      return `has the wrong type${describeInput(issue.input)}`;
    case "invalid_key":
      return `is not a valid key${describeInput(issue.input)}`;
    default:
      return `is invalid${describeInput(issue.input)}`;
  }
}

const ARTICLES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "a JSON object",
  array: "a JSON array",
};

function article(expected: string): string {
  return ARTICLES[expected] ?? `of type ${expected}`;
}

/** ` (given "1024")`: shows what was given, short, so the author finds it; policy documents hold no secrets. */
export function describeInput(input: unknown): string {
  if (input === undefined) return "";
  const text = JSON.stringify(input) ?? String(input);
  return ` (given ${text.length > 40 ? `${text.slice(0, 37)}...` : text})`;
}

/** The known field closest to a misspelt one (edit distance <= 2, or a case-only difference), or null. */
export function suggestField(key: string, knownFields: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const field of knownFields) {
    const distance = field.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, field);
    if (distance < bestDistance) {
      best = field;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance; the strings are field names, so the quadratic table is tiny. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
