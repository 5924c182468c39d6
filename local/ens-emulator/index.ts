import { listen } from "../lib/loopback-server.ts";
import { type AccessKeyConfig, DEFAULT_ACCESS_KEYS, parseAccessKeys } from "./access-keys.ts";
import { createEmulatorCore } from "./core.ts";
import type { FaultSettings } from "./faults.ts";
import { createEmulatorServer } from "./server.ts";
import type { EmulatorStats } from "./stats.ts";

export type { AccessKeyConfig } from "./access-keys.ts";
export { AccessKeySpecError, parseAccessKeys } from "./access-keys.ts";
export { API_VERSION } from "./actions.ts";
export { FaultConfigError, type FaultKind, type FaultSettings, type FaultSpec } from "./faults.ts";
export type { EmulatorStats } from "./stats.ts";

/** Start-up options; every field is optional. */
export interface EnsEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** PRNG seed for fault draws and jitter; default 1. */
  seed?: number;
  /** Latency added to every business call; default 0. */
  latencyMs?: number;
  /** Uniform extra latency in [0, jitterMs] per business call; default 0. */
  jitterMs?: number;
  /** Keys accepted; default from ENS_EMULATOR_ACCESS_KEYS, else `local-ak:local-secret`. */
  accessKeys?: Array<{ id: string; secret: string; securityToken?: string; deniedActions?: string[] }>;
  /** Groups that exist from the start (empty). */
  securityGroups?: string[];
  /** Rules per group (ingress and egress together) before AuthorizationLimitExceed; default 200. */
  ruleQuota?: number;
  /** The server's clock in epoch ms; tests move it to exercise timestamp and nonce windows. */
  now?: () => number;
}

/** A running emulator. */
export interface EnsEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Stops the server promptly, held `timeout` calls included. */
  close(): Promise<void>;
  /** Same data as `GET /__emulator/stats`. */
  stats(): EmulatorStats;
  /** Same as `POST /__emulator/reset`. */
  reset(): void;
  /** Same as `POST /__emulator/security-groups`; returns the id. */
  createSecurityGroup(id?: string): string;
  /** Same as `PUT /__emulator/faults`; throws FaultConfigError on an invalid configuration. */
  setFaults(settings: Partial<FaultSettings>): FaultSettings;
}

function resolveKeys(options: EnsEmulatorOptions): readonly AccessKeyConfig[] {
  if (options.accessKeys) return options.accessKeys;
  const fromEnv = process.env.ENS_EMULATOR_ACCESS_KEYS;
  return fromEnv?.trim() ? parseAccessKeys(fromEnv) : DEFAULT_ACCESS_KEYS;
}

/**
 * Starts an ENS emulator on loopback and resolves once it listens.
 * @example
 * const ens = await startEnsEmulator({ securityGroups: ["sg-test"] });
 * // ... point a client at ens.url ...
 * await ens.close();
 */
export async function startEnsEmulator(options: EnsEmulatorOptions = {}): Promise<EnsEmulator> {
  const core = createEmulatorCore({
    keys: resolveKeys(options),
    securityGroups: options.securityGroups ?? [],
    ruleQuota: options.ruleQuota ?? 200,
    seed: options.seed ?? 1,
    latencyMs: options.latencyMs ?? 0,
    jitterMs: options.jitterMs ?? 0,
    now: options.now ?? Date.now,
  });
  const { server, close } = createEmulatorServer(core);
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close,
    stats: () => core.stats.snapshot(),
    reset: () => core.reset(),
    createSecurityGroup: (id) => core.state.createGroup(id === undefined ? {} : { id }).group.id,
    setFaults: (settings) => core.setFaults(settings),
  };
}
