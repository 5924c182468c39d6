/**
 * Reference for the batch figure: the same rules sent as bare signed calls by `concurrency` workers, with no
 * function around them. It shows the best rate this machine and emulator allow, whatever the product does.
 */
import { createBareEnsCaller } from "../lib/bare-ens-call.ts";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { benchRule, toWireParams } from "../lib/rules.ts";

runChildMain(async () => {
  const input = readChildInput<{ url: string; messages: number; groups: number; concurrency: number }>();
  const caller = createBareEnsCaller(input.url);
  let next = 0;
  let failures = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      while (next < input.messages) {
        const answer = await caller.call(toWireParams(benchRule(next++, input.groups)));
        if (answer.status !== 200) failures++;
      }
    }),
  );
  writeChildReport({ elapsedMs: performance.now() - start, failures });
});
