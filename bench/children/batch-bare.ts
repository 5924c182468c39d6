/**
 * Reference for the batch figure: the same rules sent as bare signed calls by `concurrency` workers, with no
 * function around them. With `shape` "read-write" each group is read once, by the first worker that meets it
 * (the others wait for that read), before any rule is written to it: the calls the product must make for a batch.
 * With "write" the rules are written without reading. It shows the best rate this machine and emulator allow.
 */
import { type BareShape, createBareEnsCaller, READ_ACTION, WRITE_ACTION } from "../lib/bare-ens-call.ts";
import { readChildInput, runChildMain, writeChildReport } from "../lib/child-io.ts";
import { benchRule, toWireParams } from "../lib/rules.ts";

interface BatchBareInput {
  url: string;
  messages: number;
  groups: number;
  concurrency: number;
  shape: BareShape;
}

runChildMain(async () => {
  const input = readChildInput<BatchBareInput>();
  const caller = createBareEnsCaller(input.url);
  const reads = new Map<string, Promise<void>>();
  let next = 0;
  let failures = 0;
  const readOnce = (group: string): Promise<void> => {
    let read = reads.get(group);
    if (read === undefined) {
      read = caller.call(READ_ACTION, { SecurityGroupId: group }).then((answer) => {
        if (answer.status !== 200) failures++;
      });
      reads.set(group, read);
    }
    return read;
  };
  const start = performance.now();
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      while (next < input.messages) {
        const rule = benchRule(next++, input.groups);
        if (input.shape === "read-write") await readOnce(rule.SecurityGroupId);
        const answer = await caller.call(WRITE_ACTION, toWireParams(rule));
        if (answer.status !== 200) failures++;
      }
    }),
  );
  writeChildReport({ elapsedMs: performance.now() - start, failures, reads: reads.size });
});
