/**
 * Constant-time comparisons for secrets. Every credential check in `shared/triggers` goes through here so that
 * neither the content nor the length of a configured secret can be learned from response timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

function digest(value: Uint8Array | string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * True when `a` and `b` hold the same bytes, in time that depends on neither. Both sides are hashed first:
 * `timingSafeEqual` needs equal lengths, and comparing digests keeps the length of the secret out of the timing.
 */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * True when `candidate` equals at least one of `expected`. Compares against every entry, without stopping at the
 * first match, so the position of the matching secret in a rotation list does not show in the timing either.
 */
export function matchesAny(
  candidate: Uint8Array | string,
  expected: ReadonlyArray<Uint8Array | string>,
): boolean {
  let matched = false;
  for (const value of expected) {
    const equal = constantTimeEqual(candidate, value);
    matched = matched || equal;
  }
  return matched;
}
