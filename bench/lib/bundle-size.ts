/**
 * Bundle sizes, and where the bytes come from: esbuild's metafile (`dist/<name>/meta.json`) attributes every
 * output byte to an input file; grouping inputs by npm package shows what to cut when a bundle grows.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Size of one bundle and its largest contributors. */
export interface BundleSize {
  bytes: number;
  /** Output bytes per npm package (`node_modules/<name>`) or `(own code)`, largest first. */
  contributors: Array<{ source: string; bytes: number }>;
}

type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };

function sourceOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match ? match[1]! : "(own code)";
}

/** Reads `<distRoot>/<name>/index.js` and its metafile. */
export function measureBundle(distRoot: string, name: string): BundleSize {
  const file = join(distRoot, name, "index.js");
  const bytes = statSync(file).size;
  const metaPath = join(distRoot, name, "meta.json");
  const totals = new Map<string, number>();
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Metafile;
    for (const [outPath, output] of Object.entries(meta.outputs)) {
      if (!outPath.endsWith("index.js")) continue;
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const source = sourceOf(input);
        totals.set(source, (totals.get(source) ?? 0) + bytesInOutput);
      }
    }
  }
  const contributors = [...totals.entries()]
    .map(([source, size]) => ({ source, bytes: size }))
    .sort((a, b) => b.bytes - a.bytes);
  return { bytes, contributors };
}
