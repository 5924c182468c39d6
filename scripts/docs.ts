/**
 * Regenerates everything the docs derive from code, so they cannot drift: the configuration table
 * (docs/configuration.md), the error table (docs/errors.md), the list of audit examples (docs/interfaces.md), the
 * benchmark figures (docs/performance.md) and the example files in `events/audit/examples/`. Each generated part of a
 * doc sits between `<!-- name:start -->` and `<!-- name:end -->`; the prose around it is written by hand.
 * `npm run docs` writes them; test/contract/docs.test.ts fails when any of them is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { renderErrorTableMarkdown } from "#shared/error-docs.ts";
import type { AuditEvent } from "#shared/ports.ts";
import { renderTicketConfigTableMarkdown } from "#shared/ticket-config-docs.ts";
import { type ResultsFile, renderResultsMarkdown } from "../bench/results-table.ts";
import { buildAuditExamples } from "./audit-examples.ts";

/** What the generated sections are made from besides the code they import. */
export interface DocInputs {
  examples: Record<string, AuditEvent>;
  bench: ResultsFile | null;
}

/** One generated section: the file it lives in, its marker name, and how to render it. */
export interface GeneratedSection {
  file: string;
  name: string;
  render(inputs: DocInputs): string;
}

/** The configuration table, one row per variable of `CONFIG_ENV_VARS`. */
export function renderConfigTableMarkdown(): string {
  const rows = CONFIG_ENV_VARS.map((spec) => {
    const value = spec.default === "" ? "(unset)" : `\`${spec.default}\``;
    return `| \`${spec.name}\` | ${value} | ${spec.meaning}${spec.secret ? " Secret." : ""} |`;
  });
  return ["| env var | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** One table row per example file, linked from `docs/`, with the outcome and the code that decided it. */
export function renderAuditExampleLinks(examples: Record<string, AuditEvent>): string {
  const rows = Object.entries(examples).map(([name, event]) => {
    const code = event.data.errorCode === null ? "—" : `\`${event.data.errorCode}\``;
    return `| \`${event.type}\` | ${code} | [\`${name}.json\`](../events/audit/examples/${name}.json) |`;
  });
  return ["| type | errorCode | example |", "|---|---|---|", ...rows].join("\n");
}

/** The benchmark tables from `bench/results.json`, as the last full `npm run bench` wrote it. */
export function renderBenchMarkdown(results: ResultsFile | null): string {
  return results === null
    ? "_No `bench/results.json` yet: run `npm run bench`._"
    : renderResultsMarkdown(results);
}

/** Every generated section, by file. */
export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: "docs/configuration.md", name: "config-table", render: () => renderConfigTableMarkdown() },
  { file: "docs/errors.md", name: "error-table", render: () => renderErrorTableMarkdown() },
  { file: "docs/tickets.md", name: "ticket-config-table", render: () => renderTicketConfigTableMarkdown() },
  {
    file: "docs/interfaces.md",
    name: "audit-examples",
    render: ({ examples }) => renderAuditExampleLinks(examples),
  },
  { file: "docs/performance.md", name: "bench-figures", render: ({ bench }) => renderBenchMarkdown(bench) },
];

/** The files that hold generated sections, each once. */
export function generatedDocFiles(): string[] {
  return [...new Set(GENERATED_SECTIONS.map((section) => section.file))];
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` of `file` (named in the error). */
export function replaceSection(text: string, name: string, body: string, file = "the document"): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`${file} has no ${start} ... ${end} section`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

/** One doc file as it should be: its current text with every generated section rendered anew. */
export function renderDocFile(file: string, current: string, inputs: DocInputs): string {
  let text = current;
  for (const section of GENERATED_SECTIONS) {
    if (section.file === file) text = replaceSection(text, section.name, section.render(inputs), file);
  }
  return text;
}

/** Reads `bench/results.json` when it exists. */
export function readBenchResults(path = "bench/results.json"): ResultsFile | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as ResultsFile) : null;
}

/** The text of one example file. */
export function renderExampleFile(event: AuditEvent): string {
  return `${JSON.stringify(event, null, 2)}\n`;
}

if (process.argv[1]?.endsWith("docs.ts")) {
  const inputs: DocInputs = { examples: await buildAuditExamples(), bench: readBenchResults() };
  for (const [name, event] of Object.entries(inputs.examples)) {
    writeFileSync(`events/audit/examples/${name}.json`, renderExampleFile(event));
  }
  for (const file of generatedDocFiles()) {
    writeFileSync(file, renderDocFile(file, readFileSync(file, "utf8"), inputs));
  }
  console.error(`${generatedDocFiles().join(", ")} and events/audit/examples/ regenerated`);
}
