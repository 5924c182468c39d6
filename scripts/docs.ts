/**
 * Regenerates everything the docs derive from code, so they cannot drift: the README's configuration table, error
 * table, audit examples and benchmark figures, and the example files in `events/audit/examples/`.
 * `npm run docs` writes them; test/contract/readme.test.ts fails when any of them is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type ResultsFile, renderResultsMarkdown } from "../bench/results-table.ts";
import { CONFIG_ENV_VARS } from "../shared/config.ts";
import { renderErrorTableMarkdown } from "../shared/error-docs.ts";
import type { AuditEvent } from "../shared/ports.ts";
import { buildAuditExamples } from "./audit-examples.ts";

/** The configuration table, one row per variable of `CONFIG_ENV_VARS`. */
export function renderConfigTableMarkdown(): string {
  const rows = CONFIG_ENV_VARS.map((spec) => {
    const value = spec.default === "" ? "(unset)" : `\`${spec.default}\``;
    return `| \`${spec.name}\` | ${value} | ${spec.meaning}${spec.secret ? " Secret." : ""} |`;
  });
  return ["| env var | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** One fenced JSON block per example, with a heading naming the outcome and the file. */
export function renderAuditExamplesMarkdown(examples: Record<string, AuditEvent>): string {
  return Object.entries(examples)
    .map(
      ([name, event]) =>
        `<details><summary><code>${event.type}</code> (<code>events/audit/examples/${name}.json</code>)</summary>\n\n` +
        `\`\`\`json\n${JSON.stringify(event, null, 2)}\n\`\`\`\n\n</details>`,
    )
    .join("\n\n");
}

/** The benchmark tables from `bench/results.json`, as the last full `npm run bench` wrote it. */
export function renderBenchMarkdown(results: ResultsFile | null): string {
  return results === null
    ? "_No `bench/results.json` yet: run `npm run bench`._"
    : renderResultsMarkdown(results);
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`README.md has no ${start} ... ${end} section`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

/** Reads `bench/results.json` when it exists. */
export function readBenchResults(path = "bench/results.json"): ResultsFile | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as ResultsFile) : null;
}

/** The README as it should be. */
export function renderReadme(
  current: string,
  examples: Record<string, AuditEvent>,
  bench: ResultsFile | null,
): string {
  let text = replaceSection(current, "config-table", renderConfigTableMarkdown());
  text = replaceSection(text, "error-table", renderErrorTableMarkdown());
  text = replaceSection(text, "audit-examples", renderAuditExamplesMarkdown(examples));
  return replaceSection(text, "bench-figures", renderBenchMarkdown(bench));
}

/** The text of one example file. */
export function renderExampleFile(event: AuditEvent): string {
  return `${JSON.stringify(event, null, 2)}\n`;
}

if (process.argv[1]?.endsWith("docs.ts")) {
  const examples = await buildAuditExamples();
  for (const [name, event] of Object.entries(examples)) {
    writeFileSync(`events/audit/examples/${name}.json`, renderExampleFile(event));
  }
  writeFileSync("README.md", renderReadme(readFileSync("README.md", "utf8"), examples, readBenchResults()));
  console.error("README.md and events/audit/examples/ regenerated");
}
