/**
 * Entry of `npm start` (after the build): starts the local stack, prints the ready line (docs/interfaces.md)
 * and runs until SIGINT or SIGTERM, then shuts down gracefully and exits 0. Any startup failure is one
 * `error: ...` line on stderr and exit code 1.
 */
import { LocalStackError } from "./errors.ts";
import { formatReadyLine, type LocalStack, startLocalStack } from "./stack.ts";

/** How often to check whether npm's shell (our parent) is gone. */
const PARENT_CHECK_MS = 1000;

function fail(error: unknown): never {
  const message =
    error instanceof LocalStackError
      ? error.message
      : `the local stack could not start: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

let stack: LocalStack | null = null;
let stopping = false;
const stop = (reason: string): void => {
  // Ctrl-C reaches us twice (the terminal signals the whole group and npm forwards it too): one shutdown only.
  // It is bounded (in-flight work gets a few seconds), so no "force" path is needed.
  if (stopping) return;
  stopping = true;
  process.stderr.write(`${reason}: shutting down (finishing in-flight invocations)\n`);
  if (stack === null) process.exit(0); // still starting: nothing is in flight yet
  stack.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `error during shutdown: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
};
// Installed before anything starts: a signal that arrived before its handler would kill the process outright.
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

if (process.env.npm_lifecycle_event !== undefined) {
  // `npm start` runs us under `sh -c "build && node ..."`; a SIGTERM sent to npm alone kills that shell without
  // reaching us, which would leave the server orphaned and holding the port. Losing our parent means "stop".
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop("parent process exited");
  }, PARENT_CHECK_MS).unref();
}

try {
  stack = await startLocalStack();
} catch (error) {
  fail(error);
}
process.stdout.write(`${formatReadyLine(stack)}\n`);
