/**
 * The one writer of log lines (logger lines and audit log lines) to standard output, which Function Compute ships
 * to Log Service as written (docs/fc-conventions.md, logs).
 *
 * A line goes out with one `write(2)` on file descriptor 1, not through `process.stdout`: the first use of
 * `process.stdout` builds a stream for the descriptor (file, pipe or terminal machinery) on the cold path of
 * every instance, before the first audit line can leave. A synchronous write is what `process.stdout` does for
 * files and pipes on Linux anyway, so order and durability are unchanged: the line has left the process when
 * the call returns. A descriptor in non-blocking mode (a pipe some other code set up as a stream) can refuse
 * part of a line with EAGAIN; from then on, the rest of that line and every later line go through
 * `process.stdout`, which queues them in order, so no line is lost, cut or reordered.
 */
import { writeSync as fsWriteSync } from "node:fs";

/** What the writer needs of the system: a synchronous write and the stream to fall back to. */
export interface StdoutPort {
  /** Writes the text, or the bytes; returns how many bytes were written (may be fewer), throws on an error. */
  writeSync(data: string | Uint8Array): number;
  /** The stream fallback; keeps the order of what it is given. */
  stream(): { write(chunk: Uint8Array | string): unknown };
}

const SYSTEM: StdoutPort = {
  // Two calls, one per overload of fs.writeSync (text, bytes).
  writeSync: (data) => (typeof data === "string" ? fsWriteSync(1, data) : fsWriteSync(1, data)),
  stream: () => process.stdout,
};

/**
 * Creates a line writer on `port`; each call writes `line` plus a newline, whole and in order.
 * @example createStdoutLineWriter()('{"level":"info"}')
 */
export function createStdoutLineWriter(port: StdoutPort = SYSTEM): (line: string) => void {
  let direct = true;
  return (line) => {
    const text = `${line}\n`;
    if (!direct) {
      port.stream().write(text);
      return;
    }
    let written = 0;
    try {
      // The usual case: the text goes whole in one write, without copying it into bytes first.
      written = port.writeSync(text);
      const total = Buffer.byteLength(text);
      if (written >= total) return;
      const bytes = Buffer.from(text, "utf8");
      while (written < total) {
        const taken = port.writeSync(bytes.subarray(written));
        // A write that takes nothing would loop for ever; treat it like a refusal.
        if (taken <= 0) throw new Error("stdout took no bytes");
        written += taken;
      }
    } catch {
      // EAGAIN (a non-blocking pipe is full), EINTR or anything else: the stream takes over, for good, so that
      // what it still holds queued is never overtaken by a later direct write.
      direct = false;
      port.stream().write(Buffer.from(text, "utf8").subarray(written));
    }
  };
}

/** The process's line writer: every logger line and audit log line goes through this one function. */
export const writeStdoutLine: (line: string) => void = createStdoutLineWriter();
