/**
 * The bytes of a bundle that a cold start actually compiles, from V8's own coverage. V8 compiles a function on its
 * first call (until then it is only pre-parsed), so the source of the functions that ran is what the first
 * invocation compiled; the rest of the bundle costs a pre-parse only. One cold-start child runs with
 * `NODE_V8_COVERAGE` set, Node writes V8's precise coverage (every function with its call count) at exit, and each
 * byte of the bundle is attributed to the innermost function that contains it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runChild } from "./lib/children.ts";

/** One function of V8's coverage: its first range spans the whole function, with its call count. */
export interface CoverageFunction {
  functionName: string;
  ranges: Array<{ startOffset: number; endOffset: number; count: number }>;
}

/** What one cold start compiled of one bundle. */
export interface CompiledBytes {
  bundleBytes: number;
  /** Bytes of the functions (and the top-level code) that ran: what V8 compiled. */
  compiledBytes: number;
  /** Functions that ran, of all the functions V8 knew about in the bundle. */
  functionsRun: number;
  functionsSeen: number;
}

/**
 * Attributes each of `length` source positions to the innermost function that holds it and counts those whose
 * function ran. Functions nested in one that never ran are not listed by V8, and need not be: they did not run.
 * @example compiledLength(10, [{ functionName: "", ranges: [{ startOffset: 0, endOffset: 10, count: 1 }] }]) // 10
 */
export function compiledLength(length: number, functions: readonly CoverageFunction[]): number {
  const ran = new Uint8Array(length);
  // Outer functions first, so that each inner function overwrites the positions of its parent.
  const byWidth = functions
    .map((fn) => fn.ranges[0])
    .filter((range) => range !== undefined)
    .sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  for (const range of byWidth) {
    ran.fill(range.count > 0 ? 1 : 0, Math.max(0, range.startOffset), Math.min(length, range.endOffset));
  }
  return ran.reduce((sum, flag) => sum + flag, 0);
}

/** Reads the coverage files of one process and measures the script at `bundle`. */
export function compiledBytesOf(coverageDir: string, bundle: string): CompiledBytes {
  const url = pathToFileURL(bundle).href;
  const source = readFileSync(bundle, "latin1");
  for (const file of readdirSync(coverageDir)) {
    const coverage = JSON.parse(readFileSync(join(coverageDir, file), "utf8")) as {
      result: Array<{ url: string; functions: CoverageFunction[] }>;
    };
    const script = coverage.result.find((entry) => entry.url === url);
    if (script === undefined) continue;
    return {
      // esbuild writes ASCII (non-ASCII characters escaped), so V8's character offsets are byte offsets.
      bundleBytes: source.length,
      compiledBytes: compiledLength(source.length, script.functions),
      functionsRun: script.functions.filter((fn) => (fn.ranges[0]?.count ?? 0) > 0).length,
      functionsSeen: script.functions.length,
    };
  }
  throw new Error(`compiled bytes: no coverage of ${url} in ${coverageDir}`);
}

/** Runs one cold-start child with V8 coverage on and measures what it compiled of `bundle`. */
export async function measureCompiledBytes(
  script: string,
  input: { bundle: string } & Record<string, unknown>,
  env: Record<string, string>,
): Promise<CompiledBytes> {
  const dir = mkdtempSync(join(tmpdir(), "ens-egress-coverage-"));
  try {
    const report = await runChild<{ outcome: string }>(script, input, { ...env, NODE_V8_COVERAGE: dir });
    if (report.outcome !== "created") throw new Error(`compiled bytes: outcome ${report.outcome}`);
    return compiledBytesOf(dir, input.bundle);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
