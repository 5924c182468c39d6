import type { AccessKeyConfig } from "./access-keys.ts";
import { ACTION_NAMES } from "./actions.ts";
import { createFaultPlan, type FaultPlan, type FaultSettings, parseFaultSettings } from "./faults.ts";
import { createNonceStore, type NonceStore } from "./nonce-store.ts";
import { createEmulatorState, type EmulatorState } from "./state.ts";
import { createStatsRecorder, type StatsRecorder } from "./stats.ts";

/** Everything one emulator instance holds in memory; the HTTP server and the control API share it. */
export interface EmulatorCore {
  readonly state: EmulatorState;
  readonly stats: StatsRecorder;
  readonly nonces: NonceStore;
  readonly keys: ReadonlyMap<string, AccessKeyConfig>;
  readonly now: () => number;
  /** The fault plan in force; replaced as a whole by `setFaults`. */
  faults(): FaultPlan;
  /** Validates and installs a fault configuration (a `PUT /__emulator/faults` body). */
  setFaults(input: unknown): FaultSettings;
  /** Forgets every group, rule, nonce, fault and counter; latency and seed return to their start-up values. */
  reset(): void;
}

/** Start-up configuration of the core. */
export interface CoreOptions {
  keys: readonly AccessKeyConfig[];
  securityGroups: readonly string[];
  ruleQuota: number;
  seed: number;
  latencyMs: number;
  jitterMs: number;
  now: () => number;
}

/** Creates the in-memory core with the start-up groups in place. */
export function createEmulatorCore(options: CoreOptions): EmulatorCore {
  const defaults = { seed: options.seed, latencyMs: options.latencyMs, jitterMs: options.jitterMs };
  const state = createEmulatorState({ ruleQuota: options.ruleQuota, now: options.now });
  const stats = createStatsRecorder();
  const nonces = createNonceStore(options.now);
  const keys = new Map(options.keys.map((key) => [key.id, key]));
  let plan = createFaultPlan({ ...defaults, faults: [] });
  for (const id of options.securityGroups) state.createGroup({ id });

  return {
    state,
    stats,
    nonces,
    keys,
    now: options.now,
    faults: () => plan,
    setFaults(input) {
      const settings = parseFaultSettings(input, defaults, ACTION_NAMES);
      plan = createFaultPlan(settings);
      return plan.settings();
    },
    reset() {
      state.clear();
      stats.clear();
      nonces.clear();
      plan = createFaultPlan({ ...defaults, faults: [] });
    },
  };
}
