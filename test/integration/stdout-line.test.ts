/**
 * The line writer against a real pipe: a child process writes lines to its standard output, a socket pair as FC's
 * log collector would hold it, while this process does not read. Node hands a child such a pipe in non-blocking
 * mode, so the direct write meets EAGAIN once the pipe is full and the stream must take over (the test fails when
 * the writer drops what the pipe refused), with or without an earlier write through `process.stdout`. Either way
 * every line must arrive whole and in order.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const LINES = 400;
// Each line is 2 KiB, so 400 lines (800 KiB) overfill any pipe or socket buffer many times over.
const CHILD = (touchStdoutFirst: boolean) => `
import { writeStdoutLine } from "#shared/adapters/stdout-line.ts";
${touchStdoutFirst ? 'process.stdout.write("stream first\\n");' : ""}
for (let i = 0; i < ${LINES}; i++) writeStdoutLine(JSON.stringify({ i, pad: "x".repeat(2000) }));
`;

function runChild(
  touchStdoutFirst: boolean,
): Promise<{ stdout: string; status: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", CHILD(touchStdoutFirst)],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const out: Buffer[] = [];
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // Read nothing for a while: the child fills the pipe and must wait or hand over to the stream.
    child.stdout.pause();
    setTimeout(() => {
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stdout.resume();
    }, 300);
    child.on("error", reject);
    child.on("close", (status) =>
      resolvePromise({ stdout: Buffer.concat(out).toString("utf8"), status, stderr }),
    );
  });
}

describe("writeStdoutLine on a real pipe", () => {
  it.each([
    ["after a write through process.stdout", true],
    ["as the first writer", false],
  ])(
    "delivers every line whole and in order %s",
    async (_what, touchStdoutFirst) => {
      const { stdout, status, stderr } = await runChild(touchStdoutFirst);
      expect(stderr).toBe("");
      expect(status).toBe(0);
      const lines = stdout.split("\n");
      expect(lines.pop()).toBe("");
      if (touchStdoutFirst) expect(lines.shift()).toBe("stream first");
      expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(
        Array.from({ length: LINES }, (_, i) => i),
      );
    },
    30_000,
  );
});
