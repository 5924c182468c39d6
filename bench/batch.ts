/**
 * The batch figure (docs/interfaces.md): one EventBridge MNS batch of distinct rules spread round-robin over
 * ~50 security groups (so per-group serialisation does not dominate), run through the built queue-worker in a
 * child process at the emulator's 20 ms latency. Its rate is judged against the same calls made bare by as many
 * workers (one read per group, then the writes); the ideal `concurrency * 1000 / latencyMs` and the bare writes
 * without the reads are reported beside it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { READ_ACTION, WRITE_ACTION } from "./lib/bare-ens-call.ts";
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
  bareWriteOnlyPerSecond: number;
  /** perSecond / bareReferencePerSecond, within this run. */
  shareOfBareReference: number;
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
  /** Rate of the same calls (a read per group, then the writes) made bare by as many workers: the ceiling. */
  bareReferencePerSecond: number;
  /** Rate of the writes alone made bare by as many workers: what the batch could do without reading first. */
  bareWriteOnlyPerSecond: number;
  /** Median over runs of perSecond / bareReferencePerSecond (each run's ratio taken within the run). */
  shareOfBareReference: number;
  /** ENS calls per message the function made: (reads + writes) / messages. */
  callsPerMessage: number;
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
  const runProduct = async () => {
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
    const stats = await options.control.stats();
    return {
      report,
      calls: (stats.calls[READ_ACTION]?.total ?? 0) + (stats.calls[WRITE_ACTION]?.total ?? 0),
    };
  };
  const runBare = async (shape: "read-write" | "write") => {
    await prepare();
    const reference = await runChild<{ elapsedMs: number; failures: number }>(
      options.scripts.path("batch-bare"),
      {
        url: options.ensUrl,
        messages: options.messages,
        groups: options.groups,
        concurrency: options.concurrency,
        shape,
      },
      {},
    );
    if (reference.failures > 0)
      throw new Error(`batch reference (${shape}): ${reference.failures} bare call(s) failed`);
    return (options.messages * 1000) / reference.elapsedMs;
  };
  let calls = 0;
  try {
    for (let run = 0; run < options.runs; run++) {
      // Every other run starts with the references, so drift within a run favours neither side.
      const productFirst = run % 2 === 0;
      const early = productFirst ? await runProduct() : null;
      const bareRate = await runBare("read-write");
      const writeOnlyRate = await runBare("write");
      const { report, calls: runCalls } = early ?? (await runProduct());
      calls = Math.max(calls, runCalls);
      const perSecond = (options.messages * 1000) / report.elapsedMs;
      runs.push({
        elapsedMs: round(report.elapsedMs, 1),
        perSecond: round(perSecond, 1),
        peakRssMb: round(report.peakRssBytes / (1024 * 1024), 1),
        outcomes: report.outcomes,
        bareReferencePerSecond: round(bareRate, 1),
        bareWriteOnlyPerSecond: round(writeOnlyRate, 1),
        shareOfBareReference: round(perSecond / bareRate, 4),
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
    bareWriteOnlyPerSecond: round(median(runs.map((r) => r.bareWriteOnlyPerSecond)), 1),
    shareOfBareReference: round(median(runs.map((r) => r.shareOfBareReference)), 4),
    callsPerMessage: round(calls / options.messages, 3),
    runs,
  };
}
