/**
 * Reading the JSON bodies of the local tools' control APIs: parsing a body, telling an object from other JSON, and
 * reading an optional numeric field. Each tool keeps its own error messages; only the checks live here.
 */

/** A parsed body; an empty body reads as `{}`, so a control call without a body means "no fields". */
export type ParsedJson = { ok: true; value: unknown } | { ok: false };

/** Parses a UTF-8 JSON body; `ok: false` when it is not JSON. */
export function parseJsonBody(body: Buffer): ParsedJson {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) as unknown };
  } catch {
    return { ok: false };
  }
}

/** True for a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The field `name` of `source` when it is present: a finite number that passes `check`, else `refuse()` is thrown.
 * Undefined when the field is absent.
 */
export function optionalNumber(
  source: Record<string, unknown>,
  name: string,
  check: (n: number) => boolean,
  refuse: () => Error,
): number | undefined {
  const value = source[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || !check(value)) throw refuse();
  return value;
}
