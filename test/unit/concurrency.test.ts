import { describe, expect, it } from "vitest";
import { createSemaphore, runScheduled } from "#shared/concurrency.ts";

describe("runScheduled", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("never runs more than the limit at once and keeps input order in the results", async () => {
    let running = 0;
    let peak = 0;
    const out = await runScheduled(
      [5, 1, 4, 2, 3, 0],
      () => [],
      2,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(n);
        running--;
        return n * 10;
      },
    );
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it("runs items that share a key one after another, in input order", async () => {
    const log: string[] = [];
    const items = [
      { name: "a1", key: "sg-a", ms: 15 },
      { name: "b1", key: "sg-b", ms: 5 },
      { name: "a2", key: "sg-a", ms: 1 },
      { name: "a3", key: "sg-a", ms: 1 },
    ];
    await runScheduled(
      items,
      (i) => [i.key],
      4,
      async (item) => {
        log.push(`start ${item.name}`);
        await sleep(item.ms);
        log.push(`end ${item.name}`);
      },
    );
    expect(log.indexOf("start a2")).toBeGreaterThan(log.indexOf("end a1"));
    expect(log.indexOf("start a3")).toBeGreaterThan(log.indexOf("end a2"));
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
  });

  it("lets a free item pass a blocked one instead of idling a worker", async () => {
    const log: string[] = [];
    const items = [
      { name: "a1", keys: ["sg-a"], ms: 20 },
      { name: "a2", keys: ["sg-a"], ms: 1 },
      { name: "c1", keys: ["sg-c"], ms: 1 },
    ];
    await runScheduled(
      items,
      (i) => i.keys,
      2,
      async (item) => {
        log.push(`start ${item.name}`);
        await sleep(item.ms);
        log.push(`end ${item.name}`);
      },
    );
    expect(log.indexOf("start c1")).toBeLessThan(log.indexOf("end a1"));
  });

  it("keeps per-key order when a multi-key item is blocked", async () => {
    const log: string[] = [];
    const items = [
      { name: "x", keys: ["sg-a"], ms: 20 },
      { name: "xy", keys: ["sg-a", "sg-b"], ms: 1 },
      { name: "y", keys: ["sg-b"], ms: 1 },
    ];
    await runScheduled(
      items,
      (i) => i.keys,
      3,
      async (item) => {
        log.push(`start ${item.name}`);
        await sleep(item.ms);
        log.push(`end ${item.name}`);
      },
    );
    expect(log.indexOf("start y")).toBeGreaterThan(log.indexOf("end xy"));
  });

  it("resolves at once for no items", async () => {
    await expect(
      runScheduled(
        [],
        () => [],
        3,
        async () => 1,
      ),
    ).resolves.toEqual([]);
  });
});

describe("createSemaphore", () => {
  const deferred = () => {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };

  it("runs at most `limit` tasks at once and hands a freed permit to the longest waiter", async () => {
    const slots = createSemaphore(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, index) =>
      slots.run(async () => {
        started.push(index);
        await gate.promise;
        return index;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    gates[3]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("frees the permit when a task fails, and passes the failure on", async () => {
    const slots = createSemaphore(1);
    await expect(slots.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.run(async () => "next")).toBe("next");
  });

  it("treats a limit below one as one", async () => {
    const slots = createSemaphore(0);
    let running = 0;
    let peak = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        slots.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running--;
        }),
      ),
    );
    expect(peak).toBe(1);
  });
});
