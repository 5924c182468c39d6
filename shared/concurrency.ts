/**
 * Bounded concurrency with optional per-key serialisation, shared by the queue batch (keys = security groups) and
 * the audit trail (no keys). Pure control flow over promises: no I/O, no state beyond one call.
 */

/**
 * Runs `task` for each item, at most `limit` at once, never two items that share a key at the same time, and
 * items that share a key in input order. A worker never waits on a busy key: it takes the first item whose keys
 * are free instead, so one hot security group cannot idle the whole pool. Keys of items passed over are reserved
 * for the rest of the scan, which keeps the per-key order. Results keep the input order.
 */
export async function runScheduled<T, R>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const pending = items.map((item, index) => ({ item, index, keys: [...new Set(keysOf(item))] }));
  const busy = new Set<string>();
  let running = 0;
  return new Promise<R[]>((resolve, reject) => {
    const pump = () => {
      if (pending.length === 0 && running === 0) {
        resolve(results);
        return;
      }
      const reserved = new Set<string>();
      for (let i = 0; i < pending.length && running < limit; ) {
        const entry = pending[i]!;
        if (entry.keys.some((key) => busy.has(key) || reserved.has(key))) {
          for (const key of entry.keys) reserved.add(key);
          i++;
          continue;
        }
        pending.splice(i, 1);
        running++;
        for (const key of entry.keys) busy.add(key);
        task(entry.item, entry.index).then((result) => {
          results[entry.index] = result;
          running--;
          for (const key of entry.keys) busy.delete(key);
          pump();
        }, reject);
      }
    };
    pump();
  });
}

/** A counting semaphore: `run` starts a task when one of `limit` permits is free, in the order of the calls. */
export interface Semaphore {
  run<R>(task: () => Promise<R>): Promise<R>;
}

/**
 * Creates a semaphore with `limit` permits (at least 1). A released permit goes straight to the longest waiter, so
 * its task starts in the next microtask, before the task that released the permit carries on.
 */
export function createSemaphore(limit: number): Semaphore {
  let free = Math.max(1, Math.floor(limit));
  const waiters: Array<() => void> = [];
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else free++;
  };
  return {
    async run(task) {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiters.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
