/**
 * A private copy of the built bundles. Tests (vitest's global setup) rebuild `dist/` whenever they start, and
 * esbuild's build first deletes `dist/<name>/`; measuring a snapshot keeps a long bench run immune to that.
 * The bundles are self-contained CommonJS files, so a copy loads exactly like the original.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The snapshot: a root laid out like `dist/` (`<root>/<name>/index.js` and `meta.json`). */
export interface BundleSnapshot {
  root: string;
  bundle(name: string): string;
  remove(): void;
}

/** True when the metafile (if any) describes exactly the bundle beside it (a build in progress has not finished). */
function isConsistent(dir: string): boolean {
  if (!existsSync(join(dir, "meta.json"))) return true;
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as {
    outputs: Record<string, { bytes: number }>;
  };
  const bytes = statSync(join(dir, "index.js")).size;
  return Object.entries(meta.outputs).some(
    ([path, output]) => path.endsWith("/index.js") && output.bytes === bytes,
  );
}

/**
 * Copies `<distRoot>/<name>/index.js` and `meta.json` for each name; while a concurrent build rewrites them (missing
 * files, or a metafile that does not match the bundle), waits and tries again for up to 60 s.
 */
export async function snapshotBundles(distRoot: string, names: readonly string[]): Promise<BundleSnapshot> {
  const root = mkdtempSync(join(tmpdir(), "ens-egress-dist-"));
  // The bundles are CommonJS; a package.json says so explicitly, as dist/package.json does.
  writeFileSync(join(root, "package.json"), '{ "type": "commonjs" }\n');
  for (const name of names) {
    const from = join(distRoot, name);
    mkdirSync(join(root, name));
    for (let attempt = 0; ; attempt++) {
      try {
        copyFileSync(join(from, "index.js"), join(root, name, "index.js"));
        // esbuild.config.mjs always writes a metafile; a candidate build made elsewhere may not.
        if (existsSync(join(from, "meta.json")))
          copyFileSync(join(from, "meta.json"), join(root, name, "meta.json"));
        if (isConsistent(join(root, name))) break;
        throw new Error(`${from}: index.js and meta.json do not match (a build is running?)`);
      } catch (error) {
        if (attempt >= 60) throw error;
        await sleep(1000);
      }
    }
  }
  return {
    root,
    bundle: (name) => join(root, name, "index.js"),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
