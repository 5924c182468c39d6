/**
 * The batch figure (docs/interfaces.md): one EventBridge MNS batch of distinct rules spread round-robin over
 * ~50 security groups (so per-group serialisation does not dominate), run through the built queue-worker in a
 * child process at the emulator's 20 ms latency; throughput against the ideal
 * `concurrency * 1000 / latencyMs`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildScripts, runChild } from "./lib/children.ts";
import type { EmulatorControl } from "./lib/emulator-control.ts";
import { bundleEnv } from "./lib/fc-context.ts";
import { benchGroupId, benchRule, mnsBatchEvent } from "./lib/rules.ts";
import { median, round } from "./lib/stats.ts";

/** Settings of the batch measurement. */
export interface BatchOptions {
  scripts: ChildScripts;
  bundle: string;
  ensUrl: string;
  control: EmulatorControl;
  messages: number;
  groups: number;
  latencyMs: number;
  concurrency: number;
  runs: number;
}

/** One run of the batch, and of the bare reference right after it. */
export interface BatchRun {
  elapsedMs: number;
  perSecond: number;
  peakRssMb: number;
  outcomes: Record<string, number>;
  bareReferencePerSecond: number;
}

/** The batch result: the documented fields (medians over runs) plus detail. */
export interface BatchResult {
  messages: number;
  latencyMs: number;
  concurrency: number;
  perSecond: number;
  idealPerSecond: number;
  peakRssMb: number;
  securityGroups: number;
  eventBytes: number;
  maxPeakRssMb: number;
  /** Rate of the same calls made bare by as many workers: the ceiling of this machine and emulator. */
  bareReferencePerSecond: number;
  runs: BatchRun[];
}

type BatchReport = {
  elapsedMs: number;
  peakRssBytes: number;
  outcomes: Record<string, number>;
  error: string | null;
};

/** Runs the batch `runs` times, each in a fresh child process against a freshly reset emulator. */
export async function measureBatch(options: BatchOptions): Promise<BatchResult> {
  const rules = Array.from({ length: options.messages }, (_, i) => benchRule(i, options.groups));
  const event = mnsBatchEvent(rules);
  const dir = mkdtempSync(join(tmpdir(), "ens-egress-batch-"));
  const eventFile = join(dir, "event.json");
  writeFileSync(eventFile, event);
  const runs: BatchRun[] = [];
  const prepare = async () => {
    await options.control.reset();
    await options.control.setFaults({ latencyMs: options.latencyMs });
    await options.control.createGroups(Array.from({ length: options.groups }, (_, i) => benchGroupId(i)));
  };
  try {
    for (let run = 0; run < options.runs; run++) {
      await prepare();
      const report = await runChild<BatchReport>(
        options.scripts.path("batch"),
        { bundle: options.bundle, eventFile },
        bundleEnv(options.ensUrl, { QUEUE_CONCURRENCY: String(options.concurrency) }),
      );
      const created = report.outcomes.created ?? 0;
      if (report.error !== null || created !== options.messages) {
        throw new Error(
          `batch: ${created} of ${options.messages} created (${JSON.stringify(report.outcomes)}); ${report.error ?? ""}`,
        );
      }
      await prepare();
      const reference = await runChild<{ elapsedMs: number; failures: number }>(
        options.scripts.path("batch-bare"),
        {
          url: options.ensUrl,
          messages: options.messages,
          groups: options.groups,
          concurrency: options.concurrency,
        },
        {},
      );
      if (reference.failures > 0)
        throw new Error(`batch reference: ${reference.failures} bare call(s) failed`);
      runs.push({
        elapsedMs: round(report.elapsedMs, 1),
        perSecond: round((options.messages * 1000) / report.elapsedMs, 1),
        peakRssMb: round(report.peakRssBytes / (1024 * 1024), 1),
        outcomes: report.outcomes,
        bareReferencePerSecond: round((options.messages * 1000) / reference.elapsedMs, 1),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    messages: options.messages,
    latencyMs: options.latencyMs,
    concurrency: options.concurrency,
    perSecond: round(median(runs.map((r) => r.perSecond)), 1),
    idealPerSecond: round((options.concurrency * 1000) / options.latencyMs, 1),
    peakRssMb: round(median(runs.map((r) => r.peakRssMb)), 1),
    securityGroups: options.groups,
    eventBytes: event.length,
    maxPeakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    bareReferencePerSecond: round(median(runs.map((r) => r.bareReferencePerSecond)), 1),
    runs,
  };
}
