import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createStdoutLineWriter, type StdoutPort } from "#shared/adapters/stdout-line.ts";

/**
 * A port whose direct writes take at most `chunks[i]` bytes at call i (a pipe that takes part of a line) and
 * throw EAGAIN at call `refuseAt`; what the stream receives is appended after the direct bytes, in order.
 */
function scriptedPort(chunks: readonly number[], refuseAt: number | null) {
  const received: number[] = [];
  let calls = 0;
  let streamUses = 0;
  const port: StdoutPort = {
    writeSync(data) {
      const call = calls++;
      if (call === refuseAt)
        throw Object.assign(new Error("EAGAIN: resource temporarily unavailable"), { code: "EAGAIN" });
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      const take = Math.min(bytes.length, Math.max(1, chunks[call % chunks.length] ?? 1));
      received.push(...bytes.subarray(0, take));
      return take;
    },
    stream: () => ({
      write(chunk) {
        streamUses++;
        received.push(...Buffer.from(chunk));
      },
    }),
  };
  return {
    port,
    text: () => Buffer.from(received).toString("utf8"),
    streamUses: () => streamUses,
    calls: () => calls,
  };
}

describe("createStdoutLineWriter", () => {
  it("writes each line whole, with its newline, through the direct write", () => {
    const { port, text, streamUses } = scriptedPort([1 << 20], null);
    const write = createStdoutLineWriter(port);
    write('{"a":1}');
    write("zwei – ✓");
    expect(text()).toBe('{"a":1}\nzwei – ✓\n');
    expect(streamUses()).toBe(0);
  });

  it("keeps every line whole and in order whatever the pipe takes per write and wherever it refuses", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", maxLength: 60 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.option(fc.nat({ max: 200 }), { nil: null }),
        (lines, chunks, refuseAt) => {
          const { port, text } = scriptedPort(chunks, refuseAt);
          const write = createStdoutLineWriter(port);
          for (const line of lines) write(line);
          expect(text()).toBe(lines.map((line) => `${line}\n`).join(""));
        },
      ),
    );
  });

  it("stays on the stream once a direct write was refused, so nothing queued there is overtaken", () => {
    const { port, text, streamUses, calls } = scriptedPort([4], 1);
    const write = createStdoutLineWriter(port);
    write("first line");
    write("second");
    write("third");
    expect(text()).toBe("first line\nsecond\nthird\n");
    expect(calls()).toBe(2);
    expect(streamUses()).toBe(3);
  });

  it("treats a write that takes nothing as a refusal instead of looping", () => {
    const received: string[] = [];
    const write = createStdoutLineWriter({
      writeSync: () => 0,
      stream: () => ({ write: (chunk) => received.push(Buffer.from(chunk).toString()) }),
    });
    write("line");
    expect(received.join("")).toBe("line\n");
  });
});
