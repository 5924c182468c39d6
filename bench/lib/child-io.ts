/** The child side of `runChild`: read the JSON input from argv, write one JSON report on fd 3. */
import { writeSync } from "node:fs";

/** The JSON input the parent passed as the first argument. */
export function readChildInput<T>(): T {
  const text = process.argv[2];
  if (text === undefined) throw new TypeError("bench child: missing JSON input argument");
  return JSON.parse(text) as T;
}

/** Writes the report on fd 3 (synchronously, so it survives an immediate exit). */
export function writeChildReport(report: unknown): void {
  writeSync(3, `${JSON.stringify(report)}\n`);
}

/** Runs a child's main function; exits 0 after it (keep-alive sockets must not hold the process), 1 on error. */
export function runChildMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
