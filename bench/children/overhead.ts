/**
 * Warm-latency child: loads the built queue-worker once, then alternates direct invocations (one-rule Buffer
 * event, FC-like context) with bare signed ENS calls against the same emulator, and reports every duration.
 * Alternating the order each iteration cancels drift and any advantage of going first.
 */
import { createRequire } from "node:module";
import { createBareEnsCaller } from "../lib/bare-ens-call.ts";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { createBenchContext } from "../lib/fc-context.ts";
import { benchRule, directInvokeEvent, toWireParams } from "../lib/rules.ts";

type Handler = (event: Buffer, context: unknown) => Promise<unknown>;

interface OverheadInput {
  bundle: string;
  url: string;
  warmup: number;
  iterations: number;
  groups: number;
  firstRule: number;
}

const input = readChildInput<OverheadInput>();
const { handler } = createRequire(process.argv[1]!)(input.bundle) as { handler: Handler };
const caller = createBareEnsCaller(input.url);
let nextRule = input.firstRule;
const failures: string[] = [];

async function invokeOnce(): Promise<number> {
  const event = directInvokeEvent(benchRule(nextRule++, input.groups));
  const context = createBenchContext();
  const start = performance.now();
  const answer = (await handler(event, context)) as {
    messages?: Array<{ rules?: Array<{ outcome?: string }> }>;
  };
  const elapsed = performance.now() - start;
  const outcome = answer.messages?.[0]?.rules?.[0]?.outcome;
  if (outcome !== "created") failures.push(`invoke: ${outcome}`);
  return elapsed;
}

async function bareOnce(): Promise<number> {
  const params = toWireParams(benchRule(nextRule++, input.groups));
  const start = performance.now();
  const answer = await caller.call(params);
  const elapsed = performance.now() - start;
  if (answer.status !== 200) failures.push(`bare: ${answer.code}`);
  return elapsed;
}

runChildMain(async () => {
  const invoke: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < input.warmup + input.iterations; i++) {
    const invokeFirst = i % 2 === 0;
    const a = invokeFirst ? await invokeOnce() : await bareOnce();
    const b = invokeFirst ? await bareOnce() : await invokeOnce();
    if (i < input.warmup) continue;
    invoke.push(invokeFirst ? a : b);
    bare.push(invokeFirst ? b : a);
  }
  writeChildReport({ invoke, bare, failures: failures.slice(0, 10), failureCount: failures.length });
});
