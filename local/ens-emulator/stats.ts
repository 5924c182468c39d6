/** Per-action call counters, shaped exactly as `GET /__emulator/stats` answers (docs/interfaces.md). */
export interface EmulatorStats {
  calls: Record<string, { total: number; ok: number; errors: Record<string, number> }>;
}

/** Pseudo-codes counted for faults that send no answer at all. */
export const NO_ANSWER_CODES = { reset: "ConnectionReset", timeout: "NoResponse" } as const;

/** Counts calls per action; a call is ok (2xx) or counted under the code it was answered with. */
export interface StatsRecorder {
  record(action: string, errorCode: string | null): void;
  snapshot(): EmulatorStats;
  clear(): void;
}

/** Sets an own property even for names such as `__proto__`, which plain assignment would not. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Creates an empty recorder. */
export function createStatsRecorder(): StatsRecorder {
  // Maps, not objects: action names and codes come off the wire, and "__proto__" must stay a plain key.
  const calls = new Map<string, { total: number; ok: number; errors: Map<string, number> }>();
  return {
    record(action, errorCode) {
      let entry = calls.get(action);
      if (!entry) {
        entry = { total: 0, ok: 0, errors: new Map() };
        calls.set(action, entry);
      }
      entry.total += 1;
      if (errorCode === null) entry.ok += 1;
      else entry.errors.set(errorCode, (entry.errors.get(errorCode) ?? 0) + 1);
    },
    snapshot() {
      const out: EmulatorStats = { calls: {} };
      for (const [action, entry] of calls) {
        const errors: Record<string, number> = {};
        for (const [code, n] of entry.errors) setOwn(errors, code, n);
        setOwn(out.calls, action, { total: entry.total, ok: entry.ok, errors });
      }
      return out;
    },
    clear() {
      calls.clear();
    },
  };
}
