// Builds one CommonJS bundle per function (functions/<name>/index.ts -> dist/<name>/index.js) plus an upload zip.
// Bundling everything keeps cold start low: FC loads one file, no node_modules resolution at runtime.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { zipSync } from "fflate";

const root = new URL(".", import.meta.url).pathname;
const functionsDir = join(root, "functions");
const names = readdirSync(functionsDir).filter((name) => existsSync(join(functionsDir, name, "index.ts")));
if (names.length === 0) {
  console.error("build: no functions/<name>/index.ts found");
  process.exit(1);
}

/** Builds one function; returns its bundle size so the caller can print and check it. */
async function buildFunction(name) {
  const outdir = join(root, "dist", name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(functionsDir, name, "index.ts")],
    outfile: join(outdir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    sourcemap: "external",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  writeFileSync(join(outdir, "meta.json"), JSON.stringify(result.metafile));
  const code = readFileSync(join(outdir, "index.js"));
  // The zip holds only what FC needs: the bundle and its source map. Fixed mtime keeps the zip reproducible.
  const mtime = new Date("2020-01-01T00:00:00Z");
  const zip = zipSync(
    {
      "index.js": [code, { mtime }],
      "index.js.map": [readFileSync(join(outdir, "index.js.map")), { mtime }],
    },
    { level: 9 },
  );
  writeFileSync(join(root, "dist", `${name}.zip`), zip);
  return { name, bytes: code.length };
}

try {
  // The repository is ESM ("type": "module"); this marker makes Node load the CommonJS bundles in dist/ as FC does
  // (a zip without package.json is CommonJS).
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, "dist", "package.json"), '{ "type": "commonjs" }\n');
  const built = await Promise.all(names.map(buildFunction));
  for (const { name, bytes } of built)
    console.error(`build: dist/${name}/index.js ${(bytes / 1024).toFixed(1)} KiB`);
} catch (error) {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
