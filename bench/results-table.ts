/**
 * Prints the latest figures of `bench/results.json` as Markdown tables (figure | value | target | ok, then the
 * cold-start load table), so docs/performance.md can show exactly what the last `npm run bench` measured:
 * `node --import tsx bench/results-table.ts [results.json]`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TargetCheck } from "./lib/report.ts";

/** The part of `bench/results.json` the tables read. */
export interface ResultsFile {
  targets: TargetCheck[];
  generatedAt: string;
  machine: { node: string; cpus: number; cpuModel: string };
  detail: { loadCost: Array<{ name: string; medianMs: number; addedMs: number }> | null };
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
