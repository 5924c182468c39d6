/**
 * overheadRatio and handlerOverheadMs (docs/interfaces.md): warm direct invocations of the built queue-worker
 * against bare signed calls, interleaved in one child process per run; the emulator runs in this (the parent)
 * process.
 */
import { type ChildScripts, runChild } from "./lib/children.ts";
import type { EmulatorControl } from "./lib/emulator-control.ts";
import { bundleEnv } from "./lib/fc-context.ts";
import { benchGroupId } from "./lib/rules.ts";
import { median, round } from "./lib/stats.ts";

/** Settings of one warm-overhead measurement. */
export interface WarmOverheadOptions {
  scripts: ChildScripts;
  bundle: string;
  ensUrl: string;
  control: EmulatorControl;
  latencyMs: number;
  runs: number;
  warmup: number;
  iterations: number;
}

/** One run: medians of both kinds of call and the figures derived within the run. */
export interface WarmOverheadRun {
  invokeMedianMs: number;
  bareMedianMs: number;
  ratio: number;
  overheadMs: number;
}

/** The result: per-run figures and their medians. */
export interface WarmOverheadResult {
  latencyMs: number;
  iterationsPerRun: number;
  runs: WarmOverheadRun[];
  ratio: number;
  overheadMs: number;
  invokeMedianMs: number;
  bareMedianMs: number;
}

const GROUPS = 16;

/** Runs `runs` child processes, each interleaving `iterations` invocations with as many bare calls. */
export async function measureWarmOverhead(options: WarmOverheadOptions): Promise<WarmOverheadResult> {
  const runs: WarmOverheadRun[] = [];
  for (let run = 0; run < options.runs; run++) {
    await options.control.reset();
    await options.control.setFaults({ latencyMs: options.latencyMs });
    await options.control.createGroups(Array.from({ length: GROUPS }, (_, i) => benchGroupId(i)));
    const report = await runChild<{
      invoke: number[];
      bare: number[];
      failureCount: number;
      failures: string[];
    }>(
      options.scripts.path("overhead"),
      {
        bundle: options.bundle,
        url: options.ensUrl,
        warmup: options.warmup,
        iterations: options.iterations,
        groups: GROUPS,
        firstRule: 0,
      },
      bundleEnv(options.ensUrl),
    );
    if (report.failureCount > 0) {
      throw new Error(
        `warm overhead: ${report.failureCount} call(s) did not create a rule: ${report.failures.join("; ")}`,
      );
    }
    const invokeMedianMs = median(report.invoke);
    const bareMedianMs = median(report.bare);
    runs.push({
      invokeMedianMs: round(invokeMedianMs),
      bareMedianMs: round(bareMedianMs),
      ratio: round(invokeMedianMs / bareMedianMs, 4),
      overheadMs: round(invokeMedianMs - bareMedianMs, 4),
    });
  }
  return {
    latencyMs: options.latencyMs,
    iterationsPerRun: options.iterations,
    runs,
    ratio: round(median(runs.map((r) => r.ratio)), 4),
    overheadMs: round(median(runs.map((r) => r.overheadMs)), 4),
    invokeMedianMs: round(median(runs.map((r) => r.invokeMedianMs))),
    bareMedianMs: round(median(runs.map((r) => r.bareMedianMs))),
  };
}
