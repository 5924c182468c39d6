/**
 * The README and the example files are derived from code by `npm run docs`; these tests fail when someone changes
 * the code (configuration, error table, audit event builder) or the benchmark results without regenerating them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildAuditExamples } from "../../scripts/audit-examples.ts";
import { readBenchResults, renderExampleFile, renderReadme } from "../../scripts/docs.ts";
import { CONFIG_ENV_VARS } from "../../shared/config.ts";

const readme = readFileSync("README.md", "utf8");

describe("README.md", () => {
  it("is up to date with the code (run `npm run docs`)", async () => {
    expect(renderReadme(readme, await buildAuditExamples(), readBenchResults())).toBe(readme);
  });

  it("documents every environment variable and every command of CONTRACT §1", () => {
    for (const spec of CONFIG_ENV_VARS) expect(readme).toContain(`\`${spec.name}\``);
    for (const command of ["npm ci && npm start", "npm ci && npm test", "npm run invoke", "npm run bench"]) {
      expect(readme).toContain(command);
    }
  });
});

describe("events/audit/examples", () => {
  it("are what the code produces (run `npm run docs`)", async () => {
    for (const [name, event] of Object.entries(await buildAuditExamples())) {
      expect(readFileSync(`events/audit/examples/${name}.json`, "utf8"), name).toBe(renderExampleFile(event));
    }
  });
});
