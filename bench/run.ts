/**
 * `npm run bench` (docs/interfaces.md). The npm script builds `dist/` first; this file snapshots the bundles,
 * starts the ENS emulator in a process of its own, measures every figure in child processes against it,
 * prints the table and writes `bench/results.json`, exiting 1 when a target is missed. `BENCH_QUICK=1` runs a
 * small version (< 60 s) that only proves the harness works and writes `bench/results.quick.json` (never
 * failing on targets). Two switches for investigating, both of which write no results file:
 * `BENCH_ONLY=overhead,request20,cold,batch,retry,load,steady` runs some phases (`steady`, overheadRatio after
 * 300, 1000 and 3000 invocations, runs only when named); `BENCH_DIST=<dir>` measures the bundles of another
 * build laid out like `dist/` (a candidate fix).
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { measureBatch } from "./batch.ts";
import { measureColdStart } from "./cold-start.ts";
import { measureBundle } from "./lib/bundle-size.ts";
import { snapshotBundles } from "./lib/bundle-snapshot.ts";
import { buildChildScripts } from "./lib/children.ts";
import { createEmulatorControl } from "./lib/emulator-control.ts";
import { startEmulatorProcess } from "./lib/emulator-process.ts";
import { formatTable } from "./lib/report.ts";
import { type BenchRun, composeResults } from "./lib/results.ts";
import { round } from "./lib/stats.ts";
import { judgeFigures } from "./lib/targets.ts";
import { loadCandidates, measureLoadCost, schemaProbeCandidates } from "./load-cost.ts";
import { measureRetry } from "./retry.ts";
import { measureWarmOverhead, type WarmOverheadResult } from "./warm-overhead.ts";

const root = resolve(import.meta.dirname, "..");
const quick = process.env.BENCH_QUICK === "1";
const only = new Set((process.env.BENCH_ONLY ?? "").split(",").filter((s) => s !== ""));
const distRoot = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(root, "dist");
const investigating = only.size > 0 || process.env.BENCH_DIST !== undefined;
const wants = (phase: string) => (only.size === 0 && phase !== "steady") || only.has(phase);

/** Iteration counts: full mode for the figures, quick mode only to prove that every phase runs. */
const plan = quick
  ? {
      ratio: { runs: 1, warmup: 5, iterations: 20 },
      overhead: { runs: 1, warmup: 50, iterations: 200 },
      request20: { runs: 1, warmup: 1, iterations: 3 },
      steady: { runs: 1, warmup: 5, iterations: 20, after: [50] },
      cold: { runs: 1, pairsPerRun: 3 },
      batch: { runs: 1, messages: 400 },
      retry: { requests: 200, seeds: [1] },
      loadRepetitions: 3,
    }
  : {
      ratio: { runs: 5, warmup: 20, iterations: 100 },
      overhead: { runs: 5, warmup: 300, iterations: 2000 },
      request20: { runs: 3, warmup: 3, iterations: 15 },
      steady: { runs: 2, warmup: 20, iterations: 100, after: [300, 1000, 3000] },
      cold: { runs: 3, pairsPerRun: 15 },
      batch: { runs: 3, messages: 1000 },
      retry: { requests: 1000, seeds: [1, 2, 3, 4, 5] },
      loadRepetitions: 15,
    };

/** Every function bundle of the build (`<dist>/<name>/index.js`); sizes are reported for each. */
const BUNDLES = readdirSync(distRoot)
  .filter((name) => existsSync(join(distRoot, name, "index.js")))
  .sort();

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Runs the wanted phases against one emulator; children and snapshot are cleaned up whatever happens. */
async function measure(): Promise<BenchRun> {
  const snapshot = await snapshotBundles(distRoot, BUNDLES);
  const bundles = Object.fromEntries(BUNDLES.map((name) => [name, measureBundle(snapshot.root, name)]));
  const run: BenchRun = {
    ratio: null,
    overhead: null,
    cold: null,
    bundleBytes: Object.fromEntries(BUNDLES.map((name) => [name, bundles[name]!.bytes])),
    batch: null,
    retry: null,
    bundles,
    loadCost: null,
    request20: null,
    steady: null,
  };
  const scripts = await buildChildScripts(root);
  // The emulator runs in a process of its own and the code under test in children: nothing of the harness shares
  // an event loop with either (bench/lib/emulator-process.ts).
  const emulator = await startEmulatorProcess(root, ["--host", "127.0.0.1", "--rule-quota", "1000000"]);
  const control = createEmulatorControl(emulator.url);
  const common = { scripts, bundle: snapshot.bundle("queue-worker"), ensUrl: emulator.url, control };
  try {
    if (wants("overhead")) {
      log("overheadRatio (emulator latency 10 ms) ...");
      run.ratio = await measureWarmOverhead({ ...common, latencyMs: 10, ...plan.ratio });
      log("handlerOverheadMs (emulator latency 0 ms) ...");
      run.overhead = await measureWarmOverhead({ ...common, latencyMs: 0, ...plan.overhead });
    }
    if (wants("request20")) {
      log("a 20-rule request on one group (emulator latency 10 ms) ...");
      run.request20 = await measureWarmOverhead({
        ...common,
        latencyMs: 10,
        rulesPerRequest: 20,
        ...plan.request20,
      });
    }
    if (wants("steady")) {
      run.steady = {};
      for (const after of plan.steady.after) {
        log(`overheadRatio after ${after} invocations ...`);
        run.steady[String(after)] = await measureWarmOverhead({
          ...common,
          latencyMs: 10,
          preWarm: after,
          ...plan.steady,
        });
      }
    }
    if (wants("cold")) {
      log("coldStartRatio ...");
      const bundlePaths = Object.fromEntries(BUNDLES.map((name) => [name, snapshot.bundle(name)]));
      run.cold = await measureColdStart({ ...common, bundles: bundlePaths, ...plan.cold });
    }
    if (wants("batch")) {
      log(`batch of ${plan.batch.messages} messages ...`);
      run.batch = await measureBatch({ ...common, groups: 50, latencyMs: 20, concurrency: 8, ...plan.batch });
    }
    if (wants("retry")) {
      log("retry under 30 % ens.interface.error ...");
      run.retry = await measureRetry({
        ensUrl: emulator.url,
        control,
        ...plan.retry,
        faultRate: 0.3,
        permanentRate: 0.01,
        // Small delays keep 1000 requests quick; the attempt cap is the product's default (RETRY_MAX_ATTEMPTS).
        baseMs: 1,
        maxDelayMs: 10,
      });
    }
    if (wants("load")) {
      log("load cost of candidate dependencies ...");
      const probes = quick ? [] : await schemaProbeCandidates(root, scripts.dir);
      run.loadCost = await measureLoadCost(
        root,
        loadCandidates(snapshot.root, quick, probes),
        plan.loadRepetitions,
      );
    }
  } finally {
    scripts.remove();
    snapshot.remove();
    await emulator.stop();
  }
  return run;
}

/** One line per request shape: the function, the bare read + write, the bare write alone. */
function readBeforeWriteLines(run: BenchRun): string[] {
  const lines: string[] = [];
  const request = (label: string, r: WarmOverheadResult) =>
    lines.push(
      `  ${label.padEnd(34)} function ${r.invokeMedianMs} ms | bare read + write ${r.bareMedianMs} ms (x${r.ratio}) | bare write ${r.bareWriteMedianMs} ms (x${r.ratioToWrite})`,
    );
  if (run.ratio) request("1 rule, 10 ms", run.ratio);
  if (run.request20) request("20 rules on one group, 10 ms", run.request20);
  for (const [after, r] of Object.entries(run.steady ?? {})) request(`1 rule, 10 ms, after ${after}`, r);
  if (run.batch) {
    const b = run.batch;
    lines.push(
      `  ${`batch of ${b.messages} over ${b.securityGroups} groups`.padEnd(34)} function ${b.perSecond}/s | bare read + write ${b.bareReferencePerSecond}/s | bare write ${b.bareWriteOnlyPerSecond}/s`,
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const started = performance.now();
  const run = await measure();
  const checks = judgeFigures(run);
  console.log(formatTable(checks));
  const costs = readBeforeWriteLines(run);
  if (costs.length > 0)
    console.log(
      `\nwhat reading the group first costs (bare calls with and without the read):\n${costs.join("\n")}`,
    );
  if (run.loadCost !== null) {
    console.log("\ncold-start load cost (fresh node process, require, median ms since process start):");
    for (const row of run.loadCost) {
      console.log(
        `  ${row.name.padEnd(40)} ${row.medianMs.toFixed(1).padStart(7)} ms   +${row.addedMs.toFixed(1)} ms`,
      );
    }
  }
  const seconds = round((performance.now() - started) / 1000, 1);
  if (investigating) {
    log(`BENCH_ONLY or BENCH_DIST set: nothing written (${seconds} s)`);
    return 0;
  }
  const file = join(root, "bench", quick ? "results.quick.json" : "results.json");
  writeFileSync(file, `${JSON.stringify(composeResults(run, checks, quick), null, 2)}\n`);
  log(`wrote ${file} in ${seconds} s`);
  if (!quick && !checks.every((c) => c.ok)) {
    log("some targets were missed (see the table above)");
    return 1;
  }
  return 0;
}

process.exitCode = await main();
