/**
 * Cold-start child, baseline side: a new process that makes one bare signed ENS call (the product's V3 signer,
 * node:http), then reports the ms since this process started.
 */
import { createBareEnsCaller } from "../lib/bare-ens-call.ts";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { type BenchRule, toWireParams } from "../lib/rules.ts";

runChildMain(async () => {
  const input = readChildInput<{ url: string; rule: BenchRule }>();
  const caller = createBareEnsCaller(input.url);
  const answer = await caller.call(toWireParams(input.rule));
  const elapsedMs = performance.now();
  const cpu = process.cpuUsage();
  writeChildReport({
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    outcome: answer.status === 200 ? "created" : (answer.code ?? `HTTP ${answer.status}`),
  });
});
