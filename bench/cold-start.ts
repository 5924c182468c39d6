/**
 * coldStartRatio (docs/interfaces.md): new processes that load the dist bundle and run the first invocation,
 * against new processes that make one bare signed call. Each child reports `performance.now()` at its end,
 * i.e. the ms since its own process started; the two kinds are interleaved so machine drift hits both alike.
 */
import { type ChildScripts, runChild } from "./lib/children.ts";
import type { EmulatorControl } from "./lib/emulator-control.ts";
import { bundleEnv } from "./lib/fc-context.ts";
import { benchGroupId, benchRule } from "./lib/rules.ts";
import { median, round } from "./lib/stats.ts";

/** Settings of the cold-start measurement. */
export interface ColdStartOptions {
  scripts: ChildScripts;
  bundle: string;
  ensUrl: string;
  control: EmulatorControl;
  runs: number;
  pairsPerRun: number;
}

/** One run: medians of both kinds of process and their ratio (wall time; CPU time beside it). */
export interface ColdStartRun {
  handlerMedianMs: number;
  bareMedianMs: number;
  ratio: number;
  handlerCpuMs: number;
  bareCpuMs: number;
  cpuRatio: number;
}

/** The result: per-run figures and their medians. */
export interface ColdStartResult {
  pairsPerRun: number;
  runs: ColdStartRun[];
  ratio: number;
  handlerMs: number;
  bareMs: number;
  /** Ratio of CPU time (user + system) of the two kinds of process: less sensitive to a busy machine. */
  cpuRatio: number;
}

type ColdReport = { elapsedMs: number; cpuMs: number; outcome: string };

const GROUPS = 4;

/** Spawns `pairsPerRun` pairs of cold processes per run, alternating which kind goes first. */
export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  await options.control.reset();
  await options.control.setFaults({ latencyMs: 0 });
  await options.control.createGroups(Array.from({ length: GROUPS }, (_, i) => benchGroupId(i)));
  const env = bundleEnv(options.ensUrl);
  let nextRule = 0;
  const handlerOnce = async () => {
    const report = await runChild<ColdReport>(
      options.scripts.path("cold-handler"),
      { bundle: options.bundle, rule: benchRule(nextRule++, GROUPS) },
      env,
    );
    if (report.outcome !== "created") throw new Error(`cold start (handler): outcome ${report.outcome}`);
    return report;
  };
  const bareOnce = async () => {
    const report = await runChild<ColdReport>(
      options.scripts.path("cold-bare"),
      { url: options.ensUrl, rule: benchRule(nextRule++, GROUPS) },
      env,
    );
    if (report.outcome !== "created") throw new Error(`cold start (bare): outcome ${report.outcome}`);
    return report;
  };
  const runs: ColdStartRun[] = [];
  for (let run = 0; run < options.runs; run++) {
    const handler: ColdReport[] = [];
    const bare: ColdReport[] = [];
    for (let i = 0; i < options.pairsPerRun; i++) {
      if (i % 2 === 0) {
        handler.push(await handlerOnce());
        bare.push(await bareOnce());
      } else {
        bare.push(await bareOnce());
        handler.push(await handlerOnce());
      }
    }
    const handlerMedianMs = median(handler.map((r) => r.elapsedMs));
    const bareMedianMs = median(bare.map((r) => r.elapsedMs));
    const handlerCpuMs = median(handler.map((r) => r.cpuMs));
    const bareCpuMs = median(bare.map((r) => r.cpuMs));
    runs.push({
      handlerMedianMs: round(handlerMedianMs, 2),
      bareMedianMs: round(bareMedianMs, 2),
      ratio: round(handlerMedianMs / bareMedianMs, 4),
      handlerCpuMs: round(handlerCpuMs, 2),
      bareCpuMs: round(bareCpuMs, 2),
      cpuRatio: round(handlerCpuMs / bareCpuMs, 4),
    });
  }
  return {
    pairsPerRun: options.pairsPerRun,
    runs,
    ratio: round(median(runs.map((r) => r.ratio)), 4),
    handlerMs: round(median(runs.map((r) => r.handlerMedianMs)), 2),
    bareMs: round(median(runs.map((r) => r.bareMedianMs)), 2),
    cpuRatio: round(median(runs.map((r) => r.cpuRatio)), 4),
  };
}
