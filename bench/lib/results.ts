/**
 * The shape of `bench/results.json`: the documented fields first (docs/interfaces.md), exactly as named there
 * (null when a phase did not run), then this project's additions, then every per-run figure under `detail` so
 * a reader can audit them.
 */
import { cpus } from "node:os";
import type { BatchResult } from "../batch.ts";
import type { LoadCostRow } from "../load-cost.ts";
import type { WarmOverheadResult } from "../warm-overhead.ts";
import type { BundleSize } from "./bundle-size.ts";
import type { TargetCheck } from "./report.ts";
import type { Figures } from "./targets.ts";

/** Everything one bench run measured. */
export interface BenchRun extends Figures {
  bundles: Record<string, BundleSize>;
  loadCost: LoadCostRow[] | null;
  /** A 20-rule request on one group at 10 ms, against its bare calls (the cost of reading first, per request). */
  request20: WarmOverheadResult | null;
  /** Investigation only (`BENCH_ONLY=steady`): overheadRatio after many invocations, by how many. */
  steady: Record<string, WarmOverheadResult> | null;
}

/** The request figures of one warm measurement, as `readBeforeWrite` reports them. */
function requestCost(result: WarmOverheadResult) {
  return {
    rules: result.rulesPerRequest,
    latencyMs: result.latencyMs,
    invokeMs: result.invokeMedianMs,
    bareReadWriteMs: result.bareMedianMs,
    bareWriteMs: result.bareWriteMedianMs,
    ratioToReadWrite: result.ratio,
    ratioToWrite: result.ratioToWrite,
    meanRulesAtRead: result.meanRulesAtRead,
  };
}

/** What reading the group before writing costs: each case with its bare reference, with and without the read. */
function readBeforeWrite(run: BenchRun) {
  const { ratio, request20, batch } = run;
  if (ratio === null && request20 === null && batch === null) return null;
  return {
    singleRule: ratio && requestCost(ratio),
    request20: request20 && requestCost(request20),
    batch: batch && {
      messages: batch.messages,
      securityGroups: batch.securityGroups,
      latencyMs: batch.latencyMs,
      perSecond: batch.perSecond,
      bareReadWritePerSecond: batch.bareReferencePerSecond,
      bareWritePerSecond: batch.bareWriteOnlyPerSecond,
      callsPerMessage: batch.callsPerMessage,
    },
  };
}

function batchFields(batch: BatchResult) {
  return {
    messages: batch.messages,
    latencyMs: batch.latencyMs,
    concurrency: batch.concurrency,
    perSecond: batch.perSecond,
    idealPerSecond: batch.idealPerSecond,
    peakRssMb: batch.peakRssMb,
    securityGroups: batch.securityGroups,
    maxPeakRssMb: batch.maxPeakRssMb,
    bareReferencePerSecond: batch.bareReferencePerSecond,
    shareOfBareReference: batch.shareOfBareReference,
    bareWriteOnlyPerSecond: batch.bareWriteOnlyPerSecond,
    callsPerMessage: batch.callsPerMessage,
  };
}

/** Builds the JSON document written to `bench/results.json` (or `results.quick.json`). */
export function composeResults(
  run: BenchRun,
  checks: readonly TargetCheck[],
  quick: boolean,
): Record<string, unknown> {
  const { ratio, overhead, cold, batch, retry, loadCost } = run;
  return {
    overheadRatio: ratio?.ratio ?? null,
    handlerOverheadMs: overhead?.overheadMs ?? null,
    coldStartRatio: cold?.ratio ?? null,
    bundleBytes: run.bundleBytes,
    batch: batch && batchFields(batch),
    retry: retry && {
      faultRate: retry.faultRate,
      requests: retry.requests,
      succeeded: retry.succeeded,
      meanAttempts: retry.meanAttempts,
      retriesOnPermanentErrors: retry.retriesOnPermanentErrors,
      maxAttempts: retry.maxAttempts,
      expectedSuccessRate: retry.expectedSuccessRate,
      permanentFaultRate: retry.permanentFaultRate,
      requestsWithPermanentError: retry.requestsWithPermanentError,
      succeededWithRedelivery: retry.succeededWithRedelivery,
      worstSucceeded: retry.worstSucceeded,
      worstSucceededWithRedelivery: retry.worstSucceededWithRedelivery,
    },
    coldStartMs: cold && {
      handler: cold.handlerMs,
      bare: cold.bareMs,
      cpuRatio: cold.cpuRatio,
      httpIntake: cold.httpIntakeMs,
      httpIntakeRatio: cold.httpIntakeRatio,
    },
    coldStartCompiledBytes:
      cold &&
      Object.fromEntries(Object.entries(cold.compiledBytes).map(([name, c]) => [name, c.compiledBytes])),
    readBeforeWrite: readBeforeWrite(run),
    loadCostMs: loadCost && Object.fromEntries(loadCost.map((row) => [row.name, row.medianMs])),
    targets: checks,
    allTargetsMet: checks.every((c) => c.ok),
    quick,
    generatedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      platform: process.platform,
    },
    detail: {
      overheadRatio: ratio,
      handlerOverhead: overhead,
      request20: run.request20,
      steadyState: run.steady,
      coldStart: cold,
      batch,
      retry,
      loadCost,
      bundles: run.bundles,
    },
  };
}
