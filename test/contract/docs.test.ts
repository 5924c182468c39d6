/**
 * The docs guard: the generated parts of docs/ and the audit example files are what the code produces (run
 * `npm run docs` after changing the configuration, the error table, the audit event builder or the bench results),
 * the README stays a short front door that names the commands, and every relative link of the docs resolves, so a
 * newcomer can follow the repository without anything outside it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { buildAuditExamples } from "../../scripts/audit-examples.ts";
import {
  type DocInputs,
  GENERATED_SECTIONS,
  generatedDocFiles,
  readBenchResults,
  renderDocFile,
  renderExampleFile,
  replaceSection,
} from "../../scripts/docs.ts";

const read = (file: string) => readFileSync(file, "utf8");
const readme = read("README.md");

/** Markdown files whose links a reader follows first. */
function linkedDocs(): string[] {
  const docs = readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", "CONTRIBUTING.md", ...docs].filter((file) => existsSync(file));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = (heading ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every relative link target of a Markdown text, code spans and fenced blocks excluded. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? "")
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe("generated docs", () => {
  it("are up to date with the code (run `npm run docs`)", async () => {
    const inputs: DocInputs = { examples: await buildAuditExamples(), bench: readBenchResults() };
    for (const file of generatedDocFiles()) {
      const current = read(file);
      expect(renderDocFile(file, current, inputs), file).toBe(current);
    }
  });

  it("fail the check when a generated section is edited by hand", async () => {
    const inputs: DocInputs = { examples: await buildAuditExamples(), bench: readBenchResults() };
    for (const section of GENERATED_SECTIONS) {
      const tampered = replaceSection(read(section.file), section.name, "| edited by hand |", section.file);
      expect(renderDocFile(section.file, tampered, inputs), section.name).not.toBe(tampered);
    }
  });

  it("name the document that lacks a section marker", () => {
    expect(() => replaceSection("no markers", "error-table", "x", "docs/errors.md")).toThrow(
      "docs/errors.md has no <!-- error-table:start --> ... <!-- error-table:end --> section",
    );
  });

  it("document every environment variable", () => {
    const configuration = read("docs/configuration.md");
    for (const spec of CONFIG_ENV_VARS) expect(configuration).toContain(`| \`${spec.name}\` |`);
  });
});

describe("events/audit/examples", () => {
  it("are what the code produces (run `npm run docs`)", async () => {
    for (const [name, event] of Object.entries(await buildAuditExamples())) {
      expect(read(`events/audit/examples/${name}.json`), name).toBe(renderExampleFile(event));
    }
  });
});

describe("README.md", () => {
  it("is the front door: under 20 KB, with no generated table in it", () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(20 * 1024);
    expect(readme).not.toMatch(/<!-- [a-z-]+:start -->/);
  });

  it("names the two commands and the other entry points", () => {
    for (const command of [
      "npm ci && npm start",
      "npm test",
      "npm ci && npm test",
      "npm run invoke",
      "npm run bench",
    ]) {
      expect(readme).toContain(command);
    }
  });

  it("shows the architecture as a Mermaid diagram and links every doc", () => {
    expect(readme).toMatch(/^```mermaid$/m);
    for (const doc of readdirSync("docs").filter((name) => name.endsWith(".md"))) {
      expect(readme, doc).toContain(`(docs/${doc})`);
    }
    expect(readme).toContain("(CONTRIBUTING.md)");
  });
});

describe("links in the docs", () => {
  it("resolve to files, and anchors to headings, inside the repository", () => {
    const broken: string[] = [];
    for (const file of linkedDocs()) {
      for (const target of relativeLinks(read(file))) {
        const [path = "", anchor] = target.split("#");
        const resolved = path === "" ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        if (resolved.startsWith("..") || !existsSync(resolved)) {
          broken.push(`${file}: ${target}`);
        } else if (anchor && resolved.endsWith(".md") && statSync(resolved).isFile()) {
          if (!headingAnchors(read(resolved)).has(anchor))
            broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("cite nothing outside the repository: no section of a file a reader cannot open", () => {
    const outside = [
      /\b(REFERENCE|CONTRACT|STYLE|ANCHORS) §/,
      /\.\.\/shared\/[A-Z]+\.md/,
      /\/work\/shared\b/,
    ];
    const skip = new Set(["node_modules", "dist", ".git", ".local"]);
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = dir === "." ? entry.name : join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!skip.has(entry.name)) walk(path);
        } else if (/\.(ts|mjs|md|ya?ml|json)$/.test(entry.name) && entry.name !== "package-lock.json") {
          read(path)
            .split("\n")
            .forEach((line, i) => {
              if (outside.some((pattern) => pattern.test(line)))
                hits.push(`${path}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(".");
    expect(hits).toEqual([]);
  });

  it("computes anchors the way GitHub does", () => {
    const anchors = headingAnchors(
      "# A\n## The queue worker's answer\n## `bench/results.json`\n## The FC invoke API (local stack)\n## A\n",
    );
    expect([...anchors]).toEqual([
      "a",
      "the-queue-workers-answer",
      "benchresultsjson",
      "the-fc-invoke-api-local-stack",
      "a-1",
    ]);
  });
});
