/**
 * A second measurement of coldStartRatio, by another method than `npm run bench`: hyperfine times whole processes
 * from the outside (spawn to exit, teardown included), where the bench reads `performance.now()` inside each child.
 * The commands are the bench's own cold-start children (the bundle's first invocation; the same bare signed read and
 * write), each run with a new destination and a group that stays small. hyperfine runs one command's batch after the
 * other, so each round alternates which goes first, and the ratio is taken within a round.
 * Needs `hyperfine` on the PATH and a build in `dist/`:
 * `node --import tsx bench/cold-start-hyperfine.ts [rounds=4] [runs=20] [bundle=queue-worker]`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildChildScripts } from "./lib/children.ts";
import { createEmulatorControl } from "./lib/emulator-control.ts";
import { startEmulatorProcess } from "./lib/emulator-process.ts";
import { BENCH_API_TOKEN, benchGroupId } from "./lib/rules.ts";
import { median, round } from "./lib/stats.ts";

const root = resolve(import.meta.dirname, "..");
const [rounds = 4, runs = 20] = process.argv.slice(2, 4).map(Number);
const bundleName = process.argv[4] ?? "queue-worker";
const GROUPS = 64;

/** A bash command that runs `script` with a JSON input holding a random rule (bash's $RANDOM, per run). */
function command(script: string, fields: string): string {
  const group = `sg-bench$(printf %04d $((RANDOM % ${GROUPS})))`;
  const destination = "10.$((RANDOM % 256)).$((RANDOM % 256)).$((RANDOM % 256))/32";
  const rule = `{"SecurityGroupId":"${group}","IpProtocol":"tcp","PortRange":"443/443","DestCidrIp":"${destination}"}`;
  return `${process.execPath} ${script} "{${fields.replaceAll('"', '\\"')},\\"rule\\":${rule.replaceAll('"', '\\"')}}" 3>/dev/null`;
}

const scripts = await buildChildScripts(root);
const emulator = await startEmulatorProcess(root, ["--host", "127.0.0.1", "--rule-quota", "1000000"]);
const out = mkdtempSync(join(tmpdir(), "ens-egress-hyperfine-"));
try {
  const control = createEmulatorControl(emulator.url);
  await control.setFaults({ latencyMs: 0 });
  await control.createGroups(Array.from({ length: GROUPS }, (_, i) => benchGroupId(i)));
  const bundle = resolve(root, "dist", bundleName, "index.js");
  const trigger = bundleName === "http-intake" ? "http" : "invoke";
  const handler = command(scripts.path("cold-handler"), `"bundle":"${bundle}","trigger":"${trigger}"`);
  const bare = command(scripts.path("cold-bare"), `"url":"${emulator.url}"`);
  const env = {
    PATH: process.env.PATH ?? "",
    ENS_ENDPOINT: emulator.url,
    LOG_LEVEL: "error",
    API_TOKENS: BENCH_API_TOKEN,
  };
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [handler, bare] : [bare, handler];
    const file = join(out, `round-${i}.json`);
    execFileSync(
      "hyperfine",
      [
        "--shell=bash",
        "--warmup",
        "3",
        "--runs",
        String(runs),
        "--export-json",
        file,
        "--style",
        "none",
        ...order,
      ],
      { env, stdio: ["ignore", "ignore", "inherit"] },
    );
    const results = (JSON.parse(readFileSync(file, "utf8")) as { results: Array<{ times: number[] }> })
      .results;
    const [first, second] = results.map((r) => median(r.times) * 1000);
    const [handlerMs, bareMs] = i % 2 === 0 ? [first!, second!] : [second!, first!];
    ratios.push(handlerMs / bareMs);
    console.log(
      `round ${i + 1}: ${bundleName} ${round(handlerMs, 1)} ms, bare read + write ${round(bareMs, 1)} ms, ratio ${round(handlerMs / bareMs, 3)}`,
    );
  }
  console.log(`median ratio over ${rounds} rounds of ${runs} runs: ${round(median(ratios), 3)}`);
} finally {
  rmSync(out, { recursive: true, force: true });
  scripts.remove();
  await emulator.stop();
}
