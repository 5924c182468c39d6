/**
 * coldStartRatio (docs/interfaces.md): new processes that load the dist bundle and run the first invocation,
 * against new processes that make the same bare signed calls (the group read, then the write). Each child reports
 * `performance.now()` at its end, i.e. the ms since its own process started; the kinds are rotated so machine
 * drift hits all alike. queue-worker (a direct invocation) is the judged figure; http-intake (`POST /rules` with a
 * Bearer token) is measured in the same rotation. Then one more cold start of each bundle runs with V8 coverage on,
 * to count the bytes that a cold start compiles (compiled-bytes.ts).
 */
import { type CompiledBytes, measureCompiledBytes } from "./compiled-bytes.ts";
import { type ChildScripts, runChild } from "./lib/children.ts";
import type { EmulatorControl } from "./lib/emulator-control.ts";
import { bundleEnv } from "./lib/fc-context.ts";
import { BENCH_API_TOKEN, benchGroupId, benchRule } from "./lib/rules.ts";
import { median, round } from "./lib/stats.ts";
import { GROUP_FILL } from "./warm-overhead.ts";

/** Settings of the cold-start measurement. */
export interface ColdStartOptions {
  scripts: ChildScripts;
  /** The bundle path of each function, by name (`queue-worker`, `http-intake`). */
  bundles: Record<string, string>;
  ensUrl: string;
  control: EmulatorControl;
  runs: number;
  pairsPerRun: number;
}

/** One run: medians of each kind of process and their ratios (wall time; CPU time beside it). */
export interface ColdStartRun {
  handlerMedianMs: number;
  bareMedianMs: number;
  ratio: number;
  handlerCpuMs: number;
  bareCpuMs: number;
  cpuRatio: number;
  httpIntakeMedianMs: number;
  httpIntakeRatio: number;
}

/** The result: per-run figures and their medians. */
export interface ColdStartResult {
  pairsPerRun: number;
  runs: ColdStartRun[];
  /** queue-worker's cold start over the bare calls'. */
  ratio: number;
  handlerMs: number;
  bareMs: number;
  /** Ratio of CPU time (user + system) of the two kinds of process: less sensitive to a busy machine. */
  cpuRatio: number;
  /** http-intake's cold start (`POST /rules`) over the same bare calls'. */
  httpIntakeRatio: number;
  httpIntakeMs: number;
  /** What one cold start of each bundle compiled (V8 coverage), by bundle name. */
  compiledBytes: Record<string, CompiledBytes>;
}

type ColdReport = { elapsedMs: number; cpuMs: number; outcome: string };

/** Spawns `pairsPerRun` rotations of cold processes per run (queue-worker, http-intake, bare). */
export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  // Groups of the warm figures' size: the read returns the whole group and the guardrails judge all of it.
  const groups = Math.ceil((options.runs * options.pairsPerRun * 3 + 2) / GROUP_FILL);
  await options.control.reset();
  await options.control.setFaults({ latencyMs: 0 });
  await options.control.createGroups(Array.from({ length: groups }, (_, i) => benchGroupId(i)));
  // The same minimal environment for every kind; http-intake needs a token to accept the request.
  const env = bundleEnv(options.ensUrl, { API_TOKENS: BENCH_API_TOKEN });
  let nextRule = 0;
  const bundle = (name: string) => {
    const path = options.bundles[name];
    if (path === undefined) throw new Error(`cold start: no bundle ${name}`);
    return path;
  };
  const once = async (kind: "queue" | "http" | "bare"): Promise<ColdReport> => {
    const rule = benchRule(nextRule++, groups);
    const report =
      kind === "bare"
        ? await runChild<ColdReport>(options.scripts.path("cold-bare"), { url: options.ensUrl, rule }, env)
        : await runChild<ColdReport>(
            options.scripts.path("cold-handler"),
            {
              bundle: bundle(kind === "queue" ? "queue-worker" : "http-intake"),
              rule,
              trigger: kind === "queue" ? "invoke" : "http",
            },
            env,
          );
    if (report.outcome !== "created") throw new Error(`cold start (${kind}): outcome ${report.outcome}`);
    return report;
  };
  const kinds = ["queue", "bare", "http"] as const;
  const runs: ColdStartRun[] = [];
  for (let run = 0; run < options.runs; run++) {
    const samples: Record<(typeof kinds)[number], ColdReport[]> = { queue: [], http: [], bare: [] };
    for (let i = 0; i < options.pairsPerRun; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(i + k) % kinds.length]!;
        samples[kind].push(await once(kind));
      }
    }
    const wall = (kind: (typeof kinds)[number]) => median(samples[kind].map((r) => r.elapsedMs));
    const cpu = (kind: (typeof kinds)[number]) => median(samples[kind].map((r) => r.cpuMs));
    runs.push({
      handlerMedianMs: round(wall("queue"), 2),
      bareMedianMs: round(wall("bare"), 2),
      ratio: round(wall("queue") / wall("bare"), 4),
      handlerCpuMs: round(cpu("queue"), 2),
      bareCpuMs: round(cpu("bare"), 2),
      cpuRatio: round(cpu("queue") / cpu("bare"), 4),
      httpIntakeMedianMs: round(wall("http"), 2),
      httpIntakeRatio: round(wall("http") / wall("bare"), 4),
    });
  }
  const compiledBytes: Record<string, CompiledBytes> = {};
  for (const [name, trigger] of [
    ["queue-worker", "invoke"],
    ["http-intake", "http"],
  ] as const) {
    compiledBytes[name] = await measureCompiledBytes(
      options.scripts.path("cold-handler"),
      { bundle: bundle(name), rule: benchRule(nextRule++, groups), trigger },
      env,
    );
  }
  const mid = (pick: (run: ColdStartRun) => number, digits: number) => round(median(runs.map(pick)), digits);
  return {
    pairsPerRun: options.pairsPerRun,
    runs,
    ratio: mid((r) => r.ratio, 4),
    handlerMs: mid((r) => r.handlerMedianMs, 2),
    bareMs: mid((r) => r.bareMedianMs, 2),
    cpuRatio: mid((r) => r.cpuRatio, 4),
    httpIntakeRatio: mid((r) => r.httpIntakeRatio, 4),
    httpIntakeMs: mid((r) => r.httpIntakeMedianMs, 2),
    compiledBytes,
  };
}
