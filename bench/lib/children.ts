/**
 * Child processes of the benchmark. Each child is bundled with esbuild into one CommonJS file and run with plain
 * `node` (no tsx loader), so a cold start measures node plus the code under test and nothing of the harness.
 * A child reports one JSON line on file descriptor 3; its stdout (the audit log lines) goes to /dev/null.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

/** Names of the child entry points under `bench/children/`. */
export type ChildName = "cold-handler" | "cold-bare" | "overhead" | "batch" | "batch-bare";

const CHILDREN: readonly ChildName[] = ["cold-handler", "cold-bare", "overhead", "batch", "batch-bare"];

/** Bundled child scripts in a temporary folder; `remove()` deletes it. */
export interface ChildScripts {
  /** The temporary folder; other bench-only bundles may be written here too. */
  dir: string;
  path(name: ChildName): string;
  remove(): void;
}

/** Thrown when a child exits without a result or with a non-zero status. */
export class ChildProcessError extends Error {
  readonly code = "ChildProcessError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChildProcessError";
  }
}

/** How the bench bundles its own scripts: one minified CommonJS file for node20, like the functions. */
export const BENCH_BUILD = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  logLevel: "error",
} as const;

/** Bundles every child script once per bench run (minified like the functions, so both sides are equal). */
export async function buildChildScripts(root: string): Promise<ChildScripts> {
  const outdir = mkdtempSync(join(tmpdir(), "ens-egress-bench-"));
  await build({
    entryPoints: Object.fromEntries(
      CHILDREN.map((name) => [name, resolve(root, "bench", "children", `${name}.ts`)]),
    ),
    outdir,
    outExtension: { ".js": ".cjs" },
    ...BENCH_BUILD,
  });
  return {
    dir: outdir,
    path: (name) => join(outdir, `${name}.cjs`),
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Runs `node <script> <json input>` with `env`; resolves with the JSON the child wrote on fd 3. */
export function runChild<T>(script: string, input: unknown, env: Record<string, string>): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(input)], {
      // A minimal environment: the child must not inherit tsx's loader flags (NODE_OPTIONS) or the caller's config.
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let report = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding("utf8");
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: string) => {
      report += chunk;
    });
    child.on("error", (error) => reject(new ChildProcessError(`cannot start ${script}`, { cause: error })));
    child.on("close", (status, signal) => {
      if (status !== 0 || report.trim() === "") {
        reject(
          new ChildProcessError(`${script} exited with ${status ?? signal}: ${stderr.trim() || "no output"}`),
        );
        return;
      }
      try {
        resolvePromise(JSON.parse(report) as T);
      } catch (cause) {
        reject(new ChildProcessError(`${script} wrote a report that is not JSON`, { cause }));
      }
    });
  });
}
