/**
 * Batch child: loads the built queue-worker and runs one EventBridge MNS batch event through it, sampling the
 * resident set size while it runs. Running it in its own process makes peak RSS the function's alone.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { createBenchContext } from "../lib/fc-context.ts";

type Handler = (event: Buffer, context: unknown) => Promise<unknown>;
type Summary = { messages: Array<{ rules: Array<{ outcome: string }> }> };

runChildMain(async () => {
  const input = readChildInput<{ bundle: string; eventFile: string }>();
  const { handler } = createRequire(process.argv[1]!)(input.bundle) as { handler: Handler };
  const event = readFileSync(input.eventFile);

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);

  const start = performance.now();
  let summary: Summary | null = null;
  let error: string | null = null;
  try {
    summary = (await handler(event, createBenchContext(300))) as Summary;
  } catch (thrown) {
    error = thrown instanceof Error ? thrown.message.slice(0, 500) : String(thrown);
    summary = (thrown as { summary?: Summary }).summary ?? null;
  }
  const elapsedMs = performance.now() - start;
  clearInterval(sampler);
  // maxRSS (KiB) also catches a peak between two samples.
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);

  const outcomes: Record<string, number> = {};
  for (const message of summary?.messages ?? []) {
    for (const rule of message.rules) outcomes[rule.outcome] = (outcomes[rule.outcome] ?? 0) + 1;
  }
  writeChildReport({ elapsedMs, peakRssBytes: peakRss, outcomes, error });
});
