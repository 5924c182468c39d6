/**
 * Prints the latest figures of `bench/results.json` as Markdown tables (figure | value | target | ok, what reading
 * the group first costs, then the cold-start load table), so docs/performance.md can show exactly what the last
 * `npm run bench` measured: `node --import tsx bench/results-table.ts [results.json]`. Ratios are medians of
 * per-run ratios, as the figures are judged.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TargetCheck } from "./lib/report.ts";

/** One request shape of `readBeforeWrite`: the function against its bare calls with and without the read. */
interface RequestCost {
  rules: number;
  latencyMs: number;
  invokeMs: number;
  bareReadWriteMs: number;
  bareWriteMs: number;
  /** Median over runs of each run's ratio (what the figures judge), not the ratio of the medians. */
  ratioToReadWrite: number;
  ratioToWrite: number;
}

/** The part of `bench/results.json` the tables read (`readBeforeWrite` is absent from older files). */
export interface ResultsFile {
  targets: TargetCheck[];
  generatedAt: string;
  machine: { node: string; cpus: number; cpuModel: string };
  readBeforeWrite?: {
    singleRule: RequestCost | null;
    request20: RequestCost | null;
    batch: {
      messages: number;
      securityGroups: number;
      latencyMs: number;
      perSecond: number;
      bareReadWritePerSecond: number;
      bareWritePerSecond: number;
    } | null;
  } | null;
  detail: { loadCost: Array<{ name: string; medianMs: number; addedMs: number }> | null };
}

/** The read-before-write table: one row per request shape, the function beside its two bare references. */
function readBeforeWriteRows(costs: NonNullable<ResultsFile["readBeforeWrite"]>): string[] {
  const rows: string[] = [];
  const request = (cost: RequestCost | null) => {
    if (cost === null) return;
    const what = cost.rules === 1 ? "1 rule" : `${cost.rules} rules on one group`;
    rows.push(
      `| ${what}, ${cost.latencyMs} ms per call | ${cost.invokeMs.toFixed(2)} ms | ${cost.bareReadWriteMs.toFixed(2)} ms (x${cost.ratioToReadWrite}) | ${cost.bareWriteMs.toFixed(2)} ms (x${cost.ratioToWrite}) |`,
    );
  };
  request(costs.singleRule);
  request(costs.request20);
  const batch = costs.batch;
  if (batch !== null) {
    rows.push(
      `| batch of ${batch.messages} over ${batch.securityGroups} groups, ${batch.latencyMs} ms per call | ${batch.perSecond}/s | ${batch.bareReadWritePerSecond}/s | ${batch.bareWritePerSecond}/s |`,
    );
  }
  return rows;
}

/** Renders the two tables of one results file. */
export function renderResultsMarkdown(results: ResultsFile): string {
  const escapeCell = (text: string) => text.replaceAll("|", "\\|");
  const lines = [
    `Measured ${results.generatedAt} on ${results.machine.cpus} x ${results.machine.cpuModel}, Node.js ${results.machine.node}.`,
    "",
    "| figure | value | target | ok |",
    "|---|---|---|---|",
    ...results.targets.map(
      (c) =>
        `| ${escapeCell(c.figure)} | ${escapeCell(c.value)} | ${escapeCell(c.target)} | ${c.ok ? "yes" : "**no**"} |`,
    ),
  ];
  const costs = results.readBeforeWrite ? readBeforeWriteRows(results.readBeforeWrite) : [];
  if (costs.length > 0) {
    lines.push(
      "",
      "| request | function | bare read + write | bare write alone |",
      "|---|---|---|---|",
      ...costs,
    );
  }
  if (results.detail.loadCost) {
    lines.push(
      "",
      "| loaded in a fresh `node` process | ms since process start (median) | added to bare node |",
      "|---|---|---|",
      ...results.detail.loadCost.map(
        (r) => `| ${escapeCell(r.name)} | ${r.medianMs.toFixed(1)} | +${r.addedMs.toFixed(1)} |`,
      ),
    );
  }
  return lines.join("\n");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const file = resolve(process.argv[2] ?? resolve(import.meta.dirname, "results.json"));
  console.log(renderResultsMarkdown(JSON.parse(readFileSync(file, "utf8")) as ResultsFile));
}
