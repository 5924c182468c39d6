/**
 * Seeded fault injection for the ticket-system emulators (README.md, faults), the same idea as the ENS emulator's:
 * a fault matches calls by method and path prefix, fires with a probability drawn from a seeded PRNG, and at most
 * `count` times. The kinds cover what the notifier must survive: an error answer, a dropped connection, no answer at
 * all, a slow answer, and a write that is stored although its answer is lost (`commit-then-error`,
 * `commit-then-reset`).
 */
import { mulberry32 } from "../ens-emulator/faults.ts";
import { isRecord, optionalNumber } from "../lib/json-body.ts";

/** What a fault does to a call. */
export type TicketFaultKind =
  | "error"
  | "reset"
  | "timeout"
  | "slow"
  | "commit-then-error"
  | "commit-then-reset";

/** One fault, as `PUT /__emulator/faults` takes it. */
export interface TicketFaultSpec {
  kind: TicketFaultKind;
  /** Only calls with this method match (absent: any). */
  method?: string;
  /** Only calls whose path starts with this match (absent: any API call). */
  path?: string;
  /** HTTP status of `error` and `commit-then-error` (default 503). */
  status?: number;
  /** Delay of `slow` in ms (default 10000). */
  delayMs?: number;
  /** Probability per matching call, 0..1 (default 1). */
  rate?: number;
  /** At most this many times (absent: no limit). */
  count?: number;
}

/** The whole fault configuration. */
export interface TicketFaultSettings {
  seed: number;
  latencyMs: number;
  faults: TicketFaultSpec[];
}

/** A configuration that was refused: the control API answers 400 with the message. */
export class TicketFaultConfigError extends Error {
  readonly code = "InvalidFaultConfig";
}

const KINDS: ReadonlySet<string> = new Set([
  "error",
  "reset",
  "timeout",
  "slow",
  "commit-then-error",
  "commit-then-reset",
]);
const FIELDS = new Set(["kind", "method", "path", "status", "delayMs", "rate", "count"]);

function number(
  entry: Record<string, unknown>,
  name: string,
  where: string,
  ok: (n: number) => boolean,
): number | undefined {
  return optionalNumber(entry, name, ok, () => new TicketFaultConfigError(`${where}${name}: out of range`));
}

function parseFault(entry: unknown, index: number): TicketFaultSpec {
  const where = `faults[${index}].`;
  if (!isRecord(entry)) throw new TicketFaultConfigError(`faults[${index}]: must be an object`);
  const unknown = Object.keys(entry).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0)
    throw new TicketFaultConfigError(`${where}: unknown field(s) ${unknown.join(", ")}`);
  if (typeof entry.kind !== "string" || !KINDS.has(entry.kind)) {
    throw new TicketFaultConfigError(`${where}kind: must be one of ${[...KINDS].join(", ")}`);
  }
  const spec: TicketFaultSpec = { kind: entry.kind as TicketFaultKind };
  for (const name of ["method", "path"] as const) {
    const value = entry[name];
    if (value === undefined) continue;
    if (typeof value !== "string" || value === "")
      throw new TicketFaultConfigError(`${where}${name}: a non-empty string`);
    spec[name] = name === "method" ? value.toUpperCase() : value;
  }
  const status = number(entry, "status", where, (n) => Number.isInteger(n) && n >= 400 && n <= 599);
  if (status !== undefined) spec.status = status;
  const delayMs = number(entry, "delayMs", where, (n) => n >= 0 && n <= 600_000);
  if (delayMs !== undefined) spec.delayMs = delayMs;
  const rate = number(entry, "rate", where, (n) => n >= 0 && n <= 1);
  if (rate !== undefined) spec.rate = rate;
  const count = number(entry, "count", where, (n) => Number.isInteger(n) && n >= 0);
  if (count !== undefined) spec.count = count;
  return spec;
}

/** Validates a `PUT /__emulator/faults` body; unknown fields are refused rather than ignored. */
export function parseTicketFaults(input: unknown): TicketFaultSettings {
  if (!isRecord(input)) throw new TicketFaultConfigError("body: must be a JSON object");
  const unknown = Object.keys(input).filter((key) => !["seed", "latencyMs", "faults"].includes(key));
  if (unknown.length > 0) throw new TicketFaultConfigError(`unknown field(s) ${unknown.join(", ")}`);
  const seed = number(input, "seed", "", (n) => Number.isInteger(n)) ?? 1;
  const latencyMs = number(input, "latencyMs", "", (n) => n >= 0 && n <= 600_000) ?? 0;
  const faults = input.faults ?? [];
  if (!Array.isArray(faults)) throw new TicketFaultConfigError("faults: must be a list");
  return { seed, latencyMs, faults: faults.map(parseFault) };
}

/** The live fault state of one emulator. */
export interface FaultState {
  settings(): TicketFaultSettings;
  set(settings: TicketFaultSettings): void;
  /** The fault for one call, or null; counts it against the fault's `count`. */
  draw(method: string, path: string): TicketFaultSpec | null;
}

/** Creates the fault state, with no faults. */
export function createFaultState(): FaultState {
  let current: TicketFaultSettings = { seed: 1, latencyMs: 0, faults: [] };
  let random = mulberry32(1);
  let fired: number[] = [];
  return {
    settings: () => structuredClone(current),
    set(settings) {
      current = structuredClone(settings);
      random = mulberry32(settings.seed);
      fired = settings.faults.map(() => 0);
    },
    draw(method, path) {
      for (const [index, fault] of current.faults.entries()) {
        if (fault.method !== undefined && fault.method !== method) continue;
        if (fault.path !== undefined && !path.startsWith(fault.path)) continue;
        if (fault.count !== undefined && (fired[index] ?? 0) >= fault.count) continue;
        if (random() >= (fault.rate ?? 1)) continue;
        fired[index] = (fired[index] ?? 0) + 1;
        return fault;
      }
      return null;
    },
  };
}
