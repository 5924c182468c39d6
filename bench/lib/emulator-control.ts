/**
 * A client of the emulator's control API (docs/interfaces.md), used between benchmark phases to set latency
 * and faults, reset state and create the security groups the rules go to.
 */

/** One fault entry of `PUT /__emulator/faults`. */
export interface BenchFault {
  action?: string;
  kind: "error" | "reset" | "timeout" | "commit-then-error";
  code?: string;
  rate?: number;
}

/** Emulator call counters, as `GET /__emulator/stats` answers them. */
export interface EmulatorStats {
  calls: Record<string, { total: number; ok: number; errors: Record<string, number> }>;
}

/** Control API of one emulator. */
export interface EmulatorControl {
  reset(): Promise<void>;
  setFaults(settings: { seed?: number; latencyMs: number; faults?: BenchFault[] }): Promise<void>;
  createGroups(ids: readonly string[]): Promise<void>;
  stats(): Promise<EmulatorStats>;
}

/** Thrown when the control API answers with an error status. */
export class EmulatorControlError extends Error {
  readonly code = "EmulatorControlError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmulatorControlError";
  }
}

/** Creates a control client for the emulator at `ensUrl`. */
export function createEmulatorControl(ensUrl: string): EmulatorControl {
  const base = ensUrl.replace(/\/+$/, "");
  async function send(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await fetch(`${base}/__emulator/${path}`, init);
    const text = await res.text();
    if (!res.ok)
      throw new EmulatorControlError(`${method} /__emulator/${path} answered ${res.status}: ${text}`);
    return text === "" ? null : JSON.parse(text);
  }
  return {
    reset: async () => {
      await send("POST", "reset");
    },
    setFaults: async ({ seed = 1, latencyMs, faults = [] }) => {
      await send("PUT", "faults", { seed, latencyMs, faults });
    },
    createGroups: async (ids) => {
      // A few at a time: runs of a thousand groups are set up in about a second, without a burst of sockets.
      let next = 0;
      const worker = async () => {
        while (next < ids.length) await send("POST", "security-groups", { SecurityGroupId: ids[next++]! });
      };
      await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
    },
    stats: async () => (await send("GET", "stats")) as EmulatorStats,
  };
}
