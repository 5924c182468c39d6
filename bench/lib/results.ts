/**
 * The shape of `bench/results.json`: the documented fields first (docs/interfaces.md), exactly as named there
 * (null when a phase did not run), then this project's additions, then every per-run figure under `detail` so
 * a reader can audit them.
 */
import { cpus } from "node:os";
import type { BatchResult } from "../batch.ts";
import type { LoadCostRow } from "../load-cost.ts";
import type { BundleSize } from "./bundle-size.ts";
import type { TargetCheck } from "./report.ts";
import type { Figures } from "./targets.ts";

/** Everything one bench run measured. */
export interface BenchRun extends Figures {
  bundles: Record<string, BundleSize>;
  loadCost: LoadCostRow[] | null;
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
    },
    coldStartMs: cold && { handler: cold.handlerMs, bare: cold.bareMs, cpuRatio: cold.cpuRatio },
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
      coldStart: cold,
      batch,
      retry,
      loadCost,
      bundles: run.bundles,
    },
  };
}
