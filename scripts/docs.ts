/**
 * Regenerates the README sections that are derived from code (configuration table, error table), so the docs
 * cannot drift: `npm run docs` writes them, and test/contract/readme.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { CONFIG_ENV_VARS } from "../shared/config.ts";
import { renderErrorTableMarkdown } from "../shared/errors.ts";

/** The configuration table, one row per variable of `CONFIG_ENV_VARS`. */
export function renderConfigTableMarkdown(): string {
  const rows = CONFIG_ENV_VARS.map((spec) => {
    const value = spec.default === "" ? "(unset)" : `\`${spec.default}\``;
    return `| \`${spec.name}\` | ${value} | ${spec.meaning}${spec.secret ? " Secret." : ""} |`;
  });
  return ["| env var | default | meaning |", "|---|---|---|", ...rows].join("\n");
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

/** The README as it should be. */
export function renderReadme(current: string): string {
  return replaceSection(
    replaceSection(current, "config-table", renderConfigTableMarkdown()),
    "error-table",
    renderErrorTableMarkdown(),
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const current = readFileSync("README.md", "utf8");
  writeFileSync("README.md", renderReadme(current));
  console.error("README.md: configuration and error tables regenerated");
}
