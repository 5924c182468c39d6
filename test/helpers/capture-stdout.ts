/**
 * Captures what the code under test writes to stdout (the FC function log: log lines and the audit log sink),
 * so that tests can search all output for secrets. The functions write a line with `fs.writeSync(1, ...)`
 * (shared/adapters/stdout-line.ts) and fall back to `process.stdout`, so both are captured; the originals are
 * restored by `stop()`.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

export interface StdoutCapture {
  text(): string;
  stop(): void;
}

type WriteSync = typeof fs.writeSync;

/** Starts capturing stdout; when `echo` is false nothing reaches the terminal. */
export function captureStdout(echo = false): StdoutCapture {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const originalWriteSync = fs.writeSync;
  const text = (chunk: unknown): string =>
    typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(text(chunk));
    return echo ? original(chunk, ...(rest as [])) : true;
  }) as typeof process.stdout.write;
  fs.writeSync = ((fd: number, buffer: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (fd !== 1) return (originalWriteSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
    // The writer passes (bytes, offset) and writes the rest of the line; take the same bytes.
    const offset = typeof rest[0] === "number" ? rest[0] : 0;
    const bytes =
      typeof buffer === "string"
        ? Buffer.from(buffer)
        : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).subarray(offset);
    chunks.push(bytes.toString("utf8"));
    if (echo) originalWriteSync(1, bytes);
    return bytes.length;
  }) as WriteSync;
  // Code that imported `writeSync` by name sees the replacement too.
  syncBuiltinESMExports();
  return {
    text: () => chunks.join(""),
    stop: () => {
      process.stdout.write = original;
      fs.writeSync = originalWriteSync;
      syncBuiltinESMExports();
    },
  };
}
