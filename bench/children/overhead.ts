/**
 * Warm-latency child: loads the built queue-worker once, then rotates three kinds of request against the same
 * emulator and reports every duration: a direct invocation (a Buffer event of `rulesPerRequest` rules on one
 * group, FC-like context), the same request made as bare signed calls (the group read, then the writes: what the
 * product must send), and the writes alone (what it sent before it read the group). Rotating which kind goes
 * first each iteration cancels drift and any advantage of a position.
 */
import { createRequire } from "node:module";
import { type BareShape, bareRequest, createBareEnsCaller, READ_ACTION } from "../lib/bare-ens-call.ts";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { createBenchContext } from "../lib/fc-context.ts";
import { benchGroupId, directInvokeEvent, requestRules } from "../lib/rules.ts";

type Handler = (event: Buffer, context: unknown) => Promise<unknown>;

interface OverheadInput {
  bundle: string;
  url: string;
  warmup: number;
  iterations: number;
  groups: number;
  rulesPerRequest: number;
  /** Rotations run first at the emulator's current latency (0), before it is set to `latencyMs`: steady state. */
  preWarm: number;
  latencyMs: number;
}

const input = readChildInput<OverheadInput>();
const { handler } = createRequire(process.argv[1]!)(input.bundle) as { handler: Handler };
const caller = createBareEnsCaller(input.url);
let nextRule = 0;
let nextGroup = 0;
const failures: string[] = [];

/** The next request: new destinations, the next group round-robin (so every kind meets groups of one size). */
function nextRequest() {
  const rules = requestRules(nextRule, input.rulesPerRequest, nextGroup++ % input.groups);
  nextRule += input.rulesPerRequest;
  return rules;
}

async function invokeOnce(): Promise<number> {
  const event = directInvokeEvent(nextRequest());
  const context = createBenchContext();
  const start = performance.now();
  const answer = (await handler(event, context)) as {
    messages?: Array<{ rules?: Array<{ outcome?: string }> }>;
  };
  const elapsed = performance.now() - start;
  const outcomes = answer.messages?.[0]?.rules?.map((rule) => rule.outcome) ?? [];
  const created = outcomes.filter((outcome) => outcome === "created").length;
  if (created !== input.rulesPerRequest) failures.push(`invoke: ${outcomes.join(",") || "no rules"}`);
  return elapsed;
}

async function bareOnce(shape: BareShape): Promise<number> {
  const rules = nextRequest();
  const start = performance.now();
  const failed = await bareRequest(caller, rules, shape);
  const elapsed = performance.now() - start;
  if (failed > 0) failures.push(`bare ${shape}: ${failed} call(s) failed`);
  return elapsed;
}

/** Rules the groups held when read, sampled outside the timed calls (the figure's group size, reported). */
async function groupSizes(): Promise<number[]> {
  const sizes: number[] = [];
  for (let group = 0; group < input.groups; group++) {
    const answer = await caller.call(READ_ACTION, { SecurityGroupId: benchGroupId(group) });
    const permissions = (answer.body.Permissions as { Permission?: unknown[] } | undefined)?.Permission;
    sizes.push(Array.isArray(permissions) ? permissions.length : 0);
  }
  return sizes;
}

const KINDS = ["invoke", "read-write", "write"] as const;

runChildMain(async () => {
  const samples: Record<(typeof KINDS)[number], number[]> = { invoke: [], "read-write": [], write: [] };
  for (let i = 0; i < input.preWarm; i++) {
    await invokeOnce();
    await bareOnce("read-write");
    await bareOnce("write");
  }
  if (input.preWarm > 0) {
    const res = await fetch(new URL("/__emulator/faults", input.url), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seed: 1, latencyMs: input.latencyMs, faults: [] }),
    });
    if (!res.ok) throw new Error(`cannot set the emulator's latency: HTTP ${res.status}`);
  }
  for (let i = 0; i < input.warmup + input.iterations; i++) {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(i + k) % KINDS.length]!;
      const elapsed = kind === "invoke" ? await invokeOnce() : await bareOnce(kind);
      if (i >= input.warmup) samples[kind].push(elapsed);
    }
  }
  writeChildReport({
    invoke: samples.invoke,
    bare: samples["read-write"],
    bareWrite: samples.write,
    finalGroupSizes: await groupSizes(),
    failures: failures.slice(0, 10),
    failureCount: failures.length,
  });
});
