/**
 * Cold-start child, function side: load the built bundle and run its first invocation (one rule: a direct
 * invocation of queue-worker, or `POST /rules` to http-intake), then report the ms since this process started.
 * Everything FC would do on a cold start is inside.
 */
import { createRequire } from "node:module";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { createBenchContext } from "../lib/fc-context.ts";
import { type BenchRule, directInvokeEvent, firstOutcome, httpRulesEvent } from "../lib/rules.ts";

type Handler = (event: Buffer, context: unknown) => Promise<unknown>;

runChildMain(async () => {
  const input = readChildInput<{ bundle: string; rule: BenchRule; trigger?: "invoke" | "http" }>();
  // The event is built before the bundle loads: building it is the platform's work, not the function's.
  const event = input.trigger === "http" ? httpRulesEvent([input.rule]) : directInvokeEvent([input.rule]);
  const { handler } = createRequire(process.argv[1]!)(input.bundle) as { handler: Handler };
  const answer = await handler(event, createBenchContext());
  const elapsedMs = performance.now();
  const cpu = process.cpuUsage();
  writeChildReport({ elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, outcome: firstOutcome(answer) });
});
