/**
 * The cold-start dependency table: how long a fresh `node` process takes to load one candidate dependency (or
 * one of our bundles), median of N processes, candidates interleaved so drift hits all alike. Each child
 * reports `performance.now()` after its `require`, i.e. ms since its own process started.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { BENCH_BUILD } from "./lib/children.ts";
import { median, round } from "./lib/stats.ts";

/** One candidate: a label and the module specifier (or absolute path) to `require`; null = bare `node -e 0`. */
export interface LoadCandidate {
  name: string;
  specifier: string | null;
}

/** One row of the table. */
export interface LoadCostRow {
  name: string;
  medianMs: number;
  /** Median minus the bare-node median: what loading this module adds. */
  addedMs: number;
  samples: number[];
}

/**
 * A rule schema like the product's, built and used once. Bundled and minified as the functions are, it shows what
 * a library costs once tree-shaken, which a plain `require` of the whole package does not.
 */
const SCHEMA_PROBE = (module: string) => `import * as z from "${module}";
const Rule = z.strictObject({
  SecurityGroupId: z.string().check(z.regex(/^sg-[0-9a-z]+$/)),
  IpProtocol: z.enum(["tcp", "udp", "icmp", "gre", "all"]),
  PortRange: z.string().check(z.regex(/^-?\\d+\\/-?\\d+$/)),
  DestCidrIp: z.string(),
  Priority: z.optional(z.int().check(z.gte(1), z.lte(100))),
});
Rule.parse({ SecurityGroupId: "sg-1", IpProtocol: "tcp", PortRange: "22/22", DestCidrIp: "10.0.0.0/8" });
`;

/** Bundles the schema probe once per library into `outdir`; returns the two candidates. */
export async function schemaProbeCandidates(root: string, outdir: string): Promise<LoadCandidate[]> {
  const probes = [
    { name: "zod/mini, bundled: 1 schema + parse", module: "zod/mini", file: "probe-zod-mini.cjs" },
    { name: "zod, bundled: 1 schema + parse", module: "zod", file: "probe-zod.cjs" },
  ];
  for (const probe of probes) {
    await build({
      stdin: { contents: SCHEMA_PROBE(probe.module), resolveDir: root, loader: "ts" },
      outfile: join(outdir, probe.file),
      ...BENCH_BUILD,
    });
  }
  return probes.map((probe) => ({ name: probe.name, specifier: join(outdir, probe.file) }));
}

/** The candidates docs/performance.md compares, plus our two bundles; quick mode keeps bare node and one bundle. */
export function loadCandidates(
  distRoot: string,
  quick: boolean,
  probes: readonly LoadCandidate[] = [],
): LoadCandidate[] {
  const bundle = (name: string) => ({
    name: `dist/${name}/index.js`,
    specifier: resolve(distRoot, name, "index.js"),
  });
  if (quick) return [{ name: "node -e 0 (bare)", specifier: null }, bundle("queue-worker")];
  return [
    { name: "node -e 0 (bare)", specifier: null },
    { name: "zod/mini", specifier: "zod/mini" },
    { name: "zod (classic)", specifier: "zod" },
    ...probes,
    { name: "p-retry", specifier: "p-retry" },
    { name: "@alicloud/openapi-core", specifier: "@alicloud/openapi-core" },
    { name: "@alicloud/pop-core", specifier: "@alicloud/pop-core" },
    { name: "@alicloud/eventbridge", specifier: "@alicloud/eventbridge" },
    bundle("http-intake"),
    bundle("queue-worker"),
  ];
}

/** The `-e` program of one candidate (require(esm) is on by default in Node >= 20.19, so p-retry loads too). */
export function loadProgram(specifier: string | null): string {
  const load = specifier === null ? "" : `require(${JSON.stringify(specifier)});`;
  return `${load}require("node:fs").writeSync(3, String(performance.now()));`;
}

function timeOnce(root: string, specifier: string | null): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["-e", loadProgram(specifier)], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk;
    });
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding("utf8");
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      const ms = Number(out);
      if (status !== 0 || !Number.isFinite(ms) || out === "") {
        reject(
          new Error(
            `load-cost: loading ${specifier ?? "nothing"} failed (${status}): ${err.trim().slice(0, 500)}`,
          ),
        );
      } else resolvePromise(ms);
    });
  });
}

/** Measures every candidate `repetitions` times, interleaved; returns one row per candidate. */
export async function measureLoadCost(
  root: string,
  candidates: readonly LoadCandidate[],
  repetitions: number,
): Promise<LoadCostRow[]> {
  const samples = candidates.map(() => [] as number[]);
  for (let rep = 0; rep < repetitions; rep++) {
    // Rotate the starting candidate so no candidate always runs right after the same neighbour.
    for (let k = 0; k < candidates.length; k++) {
      const index = (k + rep) % candidates.length;
      samples[index]!.push(await timeOnce(root, candidates[index]!.specifier));
    }
  }
  const bareIndex = candidates.findIndex((c) => c.specifier === null);
  const bare = bareIndex === -1 ? 0 : median(samples[bareIndex]!);
  return candidates.map((candidate, i) => {
    const ms = median(samples[i]!);
    return {
      name: candidate.name,
      medianMs: round(ms, 1),
      addedMs: round(ms - bare, 1),
      samples: samples[i]!.map((s) => round(s, 1)),
    };
  });
}

/** Runs the table on its own: `node --import tsx bench/load-cost.ts [repetitions]`. */
async function main(): Promise<void> {
  const root = resolve(import.meta.dirname, "..");
  const repetitions = Number(process.argv[2] ?? 15);
  const outdir = mkdtempSync(join(tmpdir(), "ens-egress-probe-"));
  let rows: LoadCostRow[];
  try {
    const probes = await schemaProbeCandidates(root, outdir);
    rows = await measureLoadCost(root, loadCandidates(resolve(root, "dist"), false, probes), repetitions);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  for (const row of rows)
    console.log(
      `${row.name.padEnd(40)} ${row.medianMs.toFixed(1).padStart(8)} ms  +${row.addedMs.toFixed(1)} ms`,
    );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
