/**
 * Captures what the code under test writes to stdout (the FC function log: log lines and the audit log sink),
 * so that tests can search all output for secrets. The original writer is restored by `stop()`.
 */
export interface StdoutCapture {
  text(): string;
  stop(): void;
}

/** Starts capturing stdout; when `echo` is false nothing reaches the terminal. */
export function captureStdout(echo = false): StdoutCapture {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return echo ? original(chunk, ...(rest as [])) : true;
  }) as typeof process.stdout.write;
  return {
    text: () => chunks.join(""),
    stop: () => {
      process.stdout.write = original;
    },
  };
}
