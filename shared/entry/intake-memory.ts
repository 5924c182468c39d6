/**
 * What one http-intake instance remembers between invocations, built once at cold start. Function Compute runs
 * several instances and starts and stops them at will, so this memory is a convenience, never a guarantee: it lets
 * an instance answer a reused `Idempotency-Key` with 422, and it counts the refusals before authentication for the
 * log. What must hold across instances (two bodies under one key never share an audit id) is carried by the audit
 * id itself (`shared/domain/audit-event.ts`); docs/security.md states both.
 */

/** The verdict of `IdempotencyKeys.bind`. */
export type KeyBinding =
  /** The key was free (or expired): it now stands for this body. */
  | "bound"
  /** The key already stands for this very body: a retry. */
  | "same"
  /** The key stands for another body: the key was reused for a different request. */
  | "other";

/** A bounded map from (route, Idempotency-Key) to the SHA-256 of the body first sent under it. */
export interface IdempotencyKeys {
  /** The body digest the key stands for on this route, or null when the key is unknown here (or expired). */
  lookup(route: string, key: string, nowMs: number): string | null;
  /** Binds a free key to `bodySha256`; says whether it was free, bound to this body, or bound to another. */
  bind(route: string, key: string, bodySha256: string, nowMs: number): KeyBinding;
  /** Frees the key, only if it still stands for `bodySha256` (a concurrent request may have bound it since). */
  unbind(route: string, key: string, bodySha256: string): void;
  /** Keys held, expired ones not yet dropped included. */
  readonly size: number;
}

/** Limits of `createIdempotencyKeys`. */
export interface IdempotencyKeyLimits {
  /** Keys held at most; the least recently used goes first. */
  capacity: number;
  /** How long a key stands for its body, from its first use. */
  ttlMs: number;
}

/**
 * Ten thousand keys for a day, as payment APIs keep theirs. A key and its route are at most a few hundred bytes, so
 * the bound keeps the memory of an instance in the low megabytes whatever callers send.
 */
export const DEFAULT_IDEMPOTENCY_KEY_LIMITS: IdempotencyKeyLimits = {
  capacity: 10_000,
  ttlMs: 24 * 60 * 60 * 1000,
};

interface Entry {
  bodySha256: string;
  expiresAt: number;
}

/**
 * Creates an empty key memory. A `Map` keeps insertion order, so re-inserting an entry on use makes its first key
 * the least recently used one, which is evicted when the map is full.
 * @example createIdempotencyKeys().bind("http:/rules", "order-7", sha256Hex(body), Date.now()) // "bound"
 */
export function createIdempotencyKeys(
  limits: IdempotencyKeyLimits = DEFAULT_IDEMPOTENCY_KEY_LIMITS,
): IdempotencyKeys {
  const entries = new Map<string, Entry>();
  // JSON of the pair: a route or key holding the separator of a plain concatenation could not alias another pair.
  const slot = (route: string, key: string) => JSON.stringify([route, key]);

  const live = (id: string, nowMs: number): Entry | null => {
    const entry = entries.get(id);
    if (entry === undefined) return null;
    entries.delete(id);
    if (entry.expiresAt <= nowMs) return null;
    entries.set(id, entry);
    return entry;
  };

  return {
    lookup(route, key, nowMs) {
      return live(slot(route, key), nowMs)?.bodySha256 ?? null;
    },
    bind(route, key, bodySha256, nowMs) {
      const id = slot(route, key);
      const entry = live(id, nowMs);
      if (entry !== null) return entry.bodySha256 === bodySha256 ? "same" : "other";
      entries.set(id, { bodySha256, expiresAt: nowMs + limits.ttlMs });
      while (entries.size > Math.max(1, limits.capacity)) {
        entries.delete(entries.keys().next().value as string);
      }
      return "bound";
    },
    unbind(route, key, bodySha256) {
      const id = slot(route, key);
      if (entries.get(id)?.bodySha256 === bodySha256) entries.delete(id);
    },
    get size() {
      return entries.size;
    },
  };
}

/** The per-instance memory of http-intake. */
export interface IntakeMemory {
  idempotencyKeys: IdempotencyKeys;
  /** Refusals before authentication (404, 405, 413, 401) answered since the cold start; a log field. */
  unauthenticatedRefusals: number;
}

/** Creates the memory of a fresh instance. */
export function createIntakeMemory(
  limits: IdempotencyKeyLimits = DEFAULT_IDEMPOTENCY_KEY_LIMITS,
): IntakeMemory {
  return { idempotencyKeys: createIdempotencyKeys(limits), unauthenticatedRefusals: 0 };
}
