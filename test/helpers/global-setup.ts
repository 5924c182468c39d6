import { execFileSync } from "node:child_process";

/**
 * Builds the function bundles once before any test file runs, so that tests which exercise the built entry
 * points (`dist/<name>/index.js`) test what would be uploaded, never a stale build.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["esbuild.config.mjs"], { stdio: "inherit" });
}
