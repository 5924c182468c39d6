/**
 * The targets (docs/interfaces.md, `bench/results.json`) and the judgement of each figure against them. Every
 * ratio is against the ENS calls the product must make, made bare: the read of the group plus the write.
 * The bundle size has no target: it matters only through compile time, which `coldStartRatio` measures; it is
 * reported with the bytes a cold start actually compiles.
 */
import type { BatchResult } from "../batch.ts";
import type { ColdStartResult } from "../cold-start.ts";
import type { RetryResult } from "../retry.ts";
import type { WarmOverheadResult } from "../warm-overhead.ts";
import type { TargetCheck } from "./report.ts";
import { round } from "./stats.ts";

/** The thresholds. */
export const TARGETS = {
  overheadRatio: 1.05,
  handlerOverheadMs: 0.5,
  coldStartRatio: 1.3,
  batchShareOfBareReference: 0.95,
  peakRssMb: 128,
  /** Standard errors of one pass that "within sampling error" allows below the ceiling (one-sided). */
  retryStandardErrors: 3,
} as const;

/** Every figure a bench run may have produced; a phase that did not run is null. */
export interface Figures {
  ratio: WarmOverheadResult | null;
  overhead: WarmOverheadResult | null;
  cold: ColdStartResult | null;
  bundleBytes: Record<string, number>;
  batch: BatchResult | null;
  retry: RetryResult | null;
}

/**
 * The fewest successes of `requests` independent requests, each succeeding with probability `ceiling`, that are
 * still within `standardErrors` binomial standard errors of the expected count (rounded up to a whole request).
 * @example retrySuccessFloor(1000, 0.99757, 3) // 993
 */
export function retrySuccessFloor(requests: number, ceiling: number, standardErrors: number): number {
  const expected = requests * ceiling;
  const standardError = Math.sqrt(requests * ceiling * (1 - ceiling));
  return Math.ceil(expected - standardErrors * standardError);
}

/** Judges each available figure; the value text carries the detail a reader needs to trust it. */
export function judgeFigures(figures: Figures): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const { ratio, overhead, cold, batch, retry } = figures;
  if (ratio) {
    checks.push({
      figure: "overheadRatio (10 ms)",
      value: `${ratio.ratio} (${ratio.invokeMedianMs} / ${ratio.bareMedianMs} ms read + write; ${ratio.ratioToWrite} of the write alone, ${ratio.bareWriteMedianMs} ms)`,
      target: `<= ${TARGETS.overheadRatio}`,
      ok: ratio.ratio <= TARGETS.overheadRatio,
    });
  }
  if (overhead) {
    checks.push({
      figure: "handlerOverheadMs (0 ms)",
      value: `${overhead.overheadMs} ms (${overhead.invokeMedianMs} - ${overhead.bareMedianMs} read + write; write alone ${overhead.bareWriteMedianMs})`,
      target: `<= ${TARGETS.handlerOverheadMs} ms`,
      ok: overhead.overheadMs <= TARGETS.handlerOverheadMs,
    });
  }
  if (cold) {
    checks.push({
      figure: "coldStartRatio",
      value: `${cold.ratio} (${cold.handlerMs} / ${cold.bareMs} ms read + write; CPU ${cold.cpuRatio})`,
      target: `<= ${TARGETS.coldStartRatio}`,
      ok: cold.ratio <= TARGETS.coldStartRatio,
    });
  }
  for (const [name, bytes] of Object.entries(figures.bundleBytes)) {
    const compiled = cold?.compiledBytes?.[name];
    checks.push({
      figure: `bundleBytes ${name}`,
      value:
        compiled === undefined
          ? `${bytes} B`
          : `${bytes} B (${compiled.compiledBytes} B compiled at a cold start, ${round((100 * compiled.compiledBytes) / bytes, 1)} %)`,
      target: "reported",
      ok: true,
    });
  }
  if (batch) {
    checks.push({
      figure: "batch perSecond",
      value: `${batch.perSecond}/s (${round(batch.shareOfBareReference * 100, 1)} % of bare ${batch.bareReferencePerSecond}/s read + write; bare writes alone ${batch.bareWriteOnlyPerSecond}/s; ideal ${batch.idealPerSecond})`,
      target: `>= ${TARGETS.batchShareOfBareReference * 100} % of bare`,
      ok: batch.shareOfBareReference >= TARGETS.batchShareOfBareReference,
    });
    checks.push({
      figure: "batch peakRssMb",
      value: `${batch.peakRssMb} MB (max ${batch.maxPeakRssMb})`,
      target: `<= ${TARGETS.peakRssMb} MB`,
      ok: batch.peakRssMb <= TARGETS.peakRssMb,
    });
  }
  if (retry) {
    const floor = retrySuccessFloor(retry.requests, retry.expectedSuccessRate, TARGETS.retryStandardErrors);
    checks.push({
      figure: "retry succeeded",
      value: `${retry.succeeded} of ${retry.requests} (ceiling ${round(retry.expectedSuccessRate * retry.requests, 1)} at ${retry.maxAttempts} attempts; worst seed ${retry.worstSucceeded})`,
      target: `>= ${floor} (ceiling - ${TARGETS.retryStandardErrors} SE)`,
      ok: retry.succeeded >= floor,
    });
    checks.push({
      figure: "retry succeededWithRedelivery",
      value: `${retry.succeededWithRedelivery} of ${retry.requests} (worst seed ${retry.worstSucceededWithRedelivery})`,
      target: `${retry.requests}`,
      ok: retry.worstSucceededWithRedelivery === retry.requests,
    });
    checks.push({
      figure: "retry retriesOnPermanentErrors",
      value: `${retry.retriesOnPermanentErrors} (${retry.requestsWithPermanentError} requests met one)`,
      target: "0",
      // A pass in which no request met a permanent error would prove nothing.
      ok: retry.retriesOnPermanentErrors === 0 && retry.requestsWithPermanentError > 0,
    });
  }
  return checks;
}
