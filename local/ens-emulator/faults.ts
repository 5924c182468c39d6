import { isRecord, optionalNumber } from "../lib/json-body.ts";
import { statusForCode } from "./errors.ts";

/** What a fault does to a call (docs/interfaces.md, the emulator control API). */
export type FaultKind = "error" | "reset" | "timeout" | "commit-then-error";

/** One fault entry as `PUT /__emulator/faults` takes it (documented fields plus `status` and `count`). */
export interface FaultSpec {
  /** A business action name, or `*` / absent for every business action. */
  action?: string;
  kind: FaultKind;
  /** The error code for `error` and `commit-then-error` (default `InternalError`). */
  code?: string;
  /** HTTP status override; default from the error table (e.g. ServiceUnavailable 503). */
  status?: number;
  /** Probability per matching call, 0..1 (default 1). */
  rate?: number;
  /** Apply to at most this many matching calls, then stop. */
  count?: number;
  /** Only calls whose `SecurityGroupId` parameter equals this match (one poisoned group in a healthy batch). */
  securityGroupId?: string;
}

/** The whole fault configuration. */
export interface FaultSettings {
  seed: number;
  latencyMs: number;
  jitterMs: number;
  faults: FaultSpec[];
}

/** A fault chosen for one call, with its status resolved. */
export interface ChosenFault {
  kind: FaultKind;
  code: string;
  status: number;
}

/** A fault configuration that was refused; the control API answers 400 with this message. */
export class FaultConfigError extends Error {
  /** Always `InvalidFaultConfig`. */
  readonly code = "InvalidFaultConfig";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FaultConfigError";
  }
}

const KINDS = new Set<FaultKind>(["error", "reset", "timeout", "commit-then-error"]);
const TOP_LEVEL_FIELDS = new Set(["seed", "latencyMs", "jitterMs", "faults"]);
const FAULT_FIELDS = new Set(["action", "kind", "code", "status", "rate", "count", "securityGroupId"]);
const MAX_DELAY_MS = 600_000;

/**
 * A small, fast, seedable PRNG (mulberry32): the same seed gives the same fault sequence on every machine.
 * @example const next = mulberry32(1); next(); // 0.6270739405881613
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readNumber(
  source: Record<string, unknown>,
  name: string,
  where: string,
  check: (n: number) => boolean,
  rule: string,
): number | undefined {
  return optionalNumber(source, name, check, () => new FaultConfigError(`${where}${name}: must be ${rule}`));
}

function parseFault(entry: unknown, index: number, actions: ReadonlySet<string>): FaultSpec {
  const where = `faults[${index}].`;
  if (!isRecord(entry)) throw new FaultConfigError(`faults[${index}]: must be an object`);
  const unknown = Object.keys(entry).filter((key) => !FAULT_FIELDS.has(key));
  if (unknown.length > 0) throw new FaultConfigError(`${where}: unknown field(s) ${unknown.join(", ")}`);
  const kind = entry.kind;
  if (typeof kind !== "string" || !KINDS.has(kind as FaultKind)) {
    throw new FaultConfigError(`${where}kind: must be one of ${[...KINDS].join(", ")}`);
  }
  const spec: FaultSpec = { kind: kind as FaultKind };
  if (entry.action !== undefined) {
    // A misspelt action would make a fault that never fires, and a test that passes for the wrong reason.
    if (typeof entry.action !== "string" || (entry.action !== "*" && !actions.has(entry.action))) {
      throw new FaultConfigError(`${where}action: must be "*" or one of ${[...actions].join(", ")}`);
    }
    spec.action = entry.action;
  }
  if (entry.code !== undefined) {
    if (typeof entry.code !== "string" || entry.code.length === 0 || entry.code.length > 128) {
      throw new FaultConfigError(`${where}code: must be a non-empty string`);
    }
    spec.code = entry.code;
  }
  const status = readNumber(
    entry,
    "status",
    where,
    (n) => Number.isInteger(n) && n >= 400 && n <= 599,
    "400-599",
  );
  if (status !== undefined) spec.status = status;
  const rate = readNumber(entry, "rate", where, (n) => n >= 0 && n <= 1, "a number from 0 to 1");
  if (rate !== undefined) spec.rate = rate;
  const count = readNumber(
    entry,
    "count",
    where,
    (n) => Number.isInteger(n) && n >= 0,
    "a whole number >= 0",
  );
  if (count !== undefined) spec.count = count;
  if (entry.securityGroupId !== undefined) {
    if (typeof entry.securityGroupId !== "string" || entry.securityGroupId.length === 0) {
      throw new FaultConfigError(`${where}securityGroupId: must be a non-empty string`);
    }
    spec.securityGroupId = entry.securityGroupId;
  }
  return spec;
}

/**
 * Validates a `PUT /__emulator/faults` body. Absent top-level fields take `defaults` (the start-up settings),
 * so a PUT always describes the whole configuration. Unknown fields are refused rather than ignored.
 */
export function parseFaultSettings(
  input: unknown,
  defaults: Omit<FaultSettings, "faults">,
  actions: ReadonlySet<string>,
): FaultSettings {
  if (!isRecord(input)) throw new FaultConfigError("body: must be a JSON object");
  const unknown = Object.keys(input).filter((key) => !TOP_LEVEL_FIELDS.has(key));
  if (unknown.length > 0) throw new FaultConfigError(`body: unknown field(s) ${unknown.join(", ")}`);
  const seed = readNumber(input, "seed", "", Number.isInteger, "an integer") ?? defaults.seed;
  const delay = (n: number) => n >= 0 && n <= MAX_DELAY_MS;
  const latencyMs = readNumber(input, "latencyMs", "", delay, `0-${MAX_DELAY_MS}`) ?? defaults.latencyMs;
  const jitterMs = readNumber(input, "jitterMs", "", delay, `0-${MAX_DELAY_MS}`) ?? defaults.jitterMs;
  const rawFaults = input.faults ?? [];
  if (!Array.isArray(rawFaults)) throw new FaultConfigError("faults: must be an array");
  return { seed, latencyMs, jitterMs, faults: rawFaults.map((entry, i) => parseFault(entry, i, actions)) };
}

/** The live fault state of one emulator: draws faults and delays from seeded PRNGs. */
export interface FaultPlan {
  /** The settings in force; `count` shows what is left of each fault. */
  settings(): FaultSettings;
  /** Decides the fault for one call of `action` (on `securityGroupId`, if any), or null. One PRNG draw per matching fault, in order. */
  draw(action: string, securityGroupId?: string): ChosenFault | null;
  /** The delay for one call: `latencyMs` plus a uniform jitter in [0, jitterMs]. */
  delayMs(): number;
}

/** Builds a plan; two plans built from equal settings make the same decisions for the same call sequence. */
export function createFaultPlan(settings: FaultSettings): FaultPlan {
  const faults = settings.faults.map((spec) => ({ spec, remaining: spec.count ?? null }));
  const faultRandom = mulberry32(settings.seed);
  // A separate stream for jitter, so that turning jitter on does not change which calls fail.
  const jitterRandom = mulberry32(settings.seed ^ 0x5bd1e995);
  return {
    settings() {
      return {
        seed: settings.seed,
        latencyMs: settings.latencyMs,
        jitterMs: settings.jitterMs,
        faults: faults.map(({ spec, remaining }) =>
          remaining === null ? spec : { ...spec, count: remaining },
        ),
      };
    },
    draw(action, securityGroupId) {
      for (const fault of faults) {
        const target = fault.spec.action;
        if (target !== undefined && target !== "*" && target !== action) continue;
        if (fault.spec.securityGroupId !== undefined && fault.spec.securityGroupId !== securityGroupId)
          continue;
        if (fault.remaining !== null && fault.remaining <= 0) continue;
        if (faultRandom() >= (fault.spec.rate ?? 1)) continue;
        if (fault.remaining !== null) fault.remaining -= 1;
        const code = fault.spec.code ?? "InternalError";
        return { kind: fault.spec.kind, code, status: fault.spec.status ?? statusForCode(code) };
      }
      return null;
    },
    delayMs() {
      const jitter = settings.jitterMs > 0 ? Math.floor(jitterRandom() * (settings.jitterMs + 1)) : 0;
      return settings.latencyMs + jitter;
    },
  };
}
