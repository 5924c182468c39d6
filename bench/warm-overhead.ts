/**
 * overheadRatio and handlerOverheadMs (docs/interfaces.md), and the cost of reading before writing: warm direct
 * invocations of the built queue-worker against the same request made as bare signed calls (the group read plus
 * the writes, what the product must send) and as the writes alone, rotated in one child process per run.
 */
import { READ_ACTION, WRITE_ACTION } from "./lib/bare-ens-call.ts";
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
  /** Rules per request, all on one group (1 for the judged figures). */
  rulesPerRequest?: number;
  /** Rotations run at latency 0 before the measured ones (the steady-state investigation); default 0. */
  preWarm?: number;
}

/** One run: medians of each kind of request and the figures derived within the run. */
export interface WarmOverheadRun {
  invokeMedianMs: number;
  /** The bare read of the group plus the bare writes. */
  bareMedianMs: number;
  /** The bare writes alone. */
  bareWriteMedianMs: number;
  ratio: number;
  overheadMs: number;
  /** Invocation over the bare writes alone: what reading first costs, with the function's own work. */
  ratioToWrite: number;
  overheadToWriteMs: number;
}

/** The result: per-run figures and their medians. */
export interface WarmOverheadResult {
  latencyMs: number;
  rulesPerRequest: number;
  iterationsPerRun: number;
  warmupPerRun: number;
  /** Rotations run at latency 0 before the warm-up (0 unless investigating the steady state). */
  preWarm: number;
  /** Groups the requests rotate over; each holds at most `GROUP_FILL` rules at the end of a run. */
  groups: number;
  /** Mean number of rules a group held when a request read it (half its final size, the groups fill evenly). */
  meanRulesAtRead: number;
  runs: WarmOverheadRun[];
  ratio: number;
  overheadMs: number;
  invokeMedianMs: number;
  bareMedianMs: number;
  bareWriteMedianMs: number;
  ratioToWrite: number;
  overheadToWriteMs: number;
}

/**
 * Rules a group ends a run with (about): every request reads its group, and a group's size is what the read
 * returns and the guardrails count, so runs of different lengths must meet groups of the same size.
 */
export const GROUP_FILL = 8;

type OverheadReport = {
  invoke: number[];
  bare: number[];
  bareWrite: number[];
  finalGroupSizes: number[];
  failureCount: number;
  failures: string[];
};

/** Runs `runs` child processes, each rotating `iterations` invocations with as many bare requests of each shape. */
export async function measureWarmOverhead(options: WarmOverheadOptions): Promise<WarmOverheadResult> {
  const rulesPerRequest = options.rulesPerRequest ?? 1;
  const preWarm = options.preWarm ?? 0;
  const requests = 3 * (preWarm + options.warmup + options.iterations);
  const groups = Math.max(1, Math.ceil((requests * rulesPerRequest) / Math.max(GROUP_FILL, rulesPerRequest)));
  const runs: WarmOverheadRun[] = [];
  const sizesAtRead: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    await options.control.reset();
    await options.control.setFaults({ latencyMs: preWarm > 0 ? 0 : options.latencyMs });
    await options.control.createGroups(Array.from({ length: groups }, (_, i) => benchGroupId(i)));
    const report = await runChild<OverheadReport>(
      options.scripts.path("overhead"),
      {
        bundle: options.bundle,
        url: options.ensUrl,
        warmup: options.warmup,
        iterations: options.iterations,
        groups,
        rulesPerRequest,
        preWarm,
        latencyMs: options.latencyMs,
      },
      bundleEnv(options.ensUrl),
    );
    if (report.failureCount > 0) {
      throw new Error(
        `warm overhead: ${report.failureCount} request(s) did not create every rule: ${report.failures.join("; ")}`,
      );
    }
    // The product must read each group once per invocation and write each rule once: the emulator counts both.
    const stats = await options.control.stats();
    const reads = stats.calls[READ_ACTION]?.total ?? 0;
    const writes = stats.calls[WRITE_ACTION]?.total ?? 0;
    const expectedReads = 2 * (preWarm + options.warmup + options.iterations) + groups;
    if (reads !== expectedReads || writes !== requests * rulesPerRequest) {
      throw new Error(
        `warm overhead: the emulator saw ${reads} reads and ${writes} writes, expected ${expectedReads} and ${requests * rulesPerRequest}`,
      );
    }
    sizesAtRead.push(...report.finalGroupSizes.map((size) => Math.max(0, size - rulesPerRequest) / 2));
    const invokeMedianMs = median(report.invoke);
    const bareMedianMs = median(report.bare);
    const bareWriteMedianMs = median(report.bareWrite);
    runs.push({
      invokeMedianMs: round(invokeMedianMs),
      bareMedianMs: round(bareMedianMs),
      bareWriteMedianMs: round(bareWriteMedianMs),
      ratio: round(invokeMedianMs / bareMedianMs, 4),
      overheadMs: round(invokeMedianMs - bareMedianMs, 4),
      ratioToWrite: round(invokeMedianMs / bareWriteMedianMs, 4),
      overheadToWriteMs: round(invokeMedianMs - bareWriteMedianMs, 4),
    });
  }
  const mid = (pick: (run: WarmOverheadRun) => number, digits: number) =>
    round(median(runs.map(pick)), digits);
  return {
    latencyMs: options.latencyMs,
    rulesPerRequest,
    iterationsPerRun: options.iterations,
    warmupPerRun: options.warmup,
    preWarm,
    groups,
    meanRulesAtRead: round(sizesAtRead.reduce((a, b) => a + b, 0) / Math.max(1, sizesAtRead.length), 1),
    runs,
    ratio: mid((r) => r.ratio, 4),
    overheadMs: mid((r) => r.overheadMs, 4),
    invokeMedianMs: mid((r) => r.invokeMedianMs, 3),
    bareMedianMs: mid((r) => r.bareMedianMs, 3),
    bareWriteMedianMs: mid((r) => r.bareWriteMedianMs, 3),
    ratioToWrite: mid((r) => r.ratioToWrite, 4),
    overheadToWriteMs: mid((r) => r.overheadToWriteMs, 4),
  };
}
