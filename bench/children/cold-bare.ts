/**
 * Cold-start child, baseline side: a new process that makes the bare signed calls the product's first invocation
 * must make (the group read, then the write; the product's V3 signer, node:http), then reports the ms since this
 * process started.
 */
import { bareRequest, createBareEnsCaller } from "../lib/bare-ens-call.ts";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import type { BenchRule } from "../lib/rules.ts";

runChildMain(async () => {
  const input = readChildInput<{ url: string; rule: BenchRule }>();
  const caller = createBareEnsCaller(input.url);
  const failed = await bareRequest(caller, [input.rule], "read-write");
  const elapsedMs = performance.now();
  const cpu = process.cpuUsage();
  writeChildReport({
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    outcome: failed === 0 ? "created" : `${failed} call(s) failed`,
  });
});
