/**
 * Cold-start child, function side: load the built bundle and run its first invocation (one rule, direct
 * invocation), then report the ms since this process started. Everything FC would do on a cold start is inside.
 */
import { createRequire } from "node:module";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { createBenchContext } from "../lib/fc-context.ts";
import { type BenchRule, directInvokeEvent } from "../lib/rules.ts";

type Handler = (event: Buffer, context: unknown) => Promise<unknown>;

runChildMain(async () => {
  const input = readChildInput<{ bundle: string; rule: BenchRule }>();
  const { handler } = createRequire(process.argv[1]!)(input.bundle) as { handler: Handler };
  const answer = (await handler(directInvokeEvent([input.rule]), createBenchContext())) as {
    messages?: Array<{ rules?: Array<{ outcome?: string }> }>;
  };
  const elapsedMs = performance.now();
  const cpu = process.cpuUsage();
  writeChildReport({
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    outcome: answer.messages?.[0]?.rules?.[0]?.outcome ?? "unknown",
  });
});
