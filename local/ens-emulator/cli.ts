/**
 * `npm run emulator -- --port <p> ...`: starts the ENS emulator alone, prints the ready line, and exits 0 on
 * SIGINT or SIGTERM once the server has closed.
 */
import { parseCliArgs, USAGE } from "./cli-args.ts";
import { type EnsEmulator, startEnsEmulator } from "./index.ts";

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ens-emulator: ${message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Handlers go in before the ready line: a supervisor may signal the moment it reads that line.
  let emulator: EnsEmulator | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (!emulator) process.exit(0);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  emulator = await startEnsEmulator(parsed.options);
  process.stdout.write(`ready ${JSON.stringify({ ens: emulator.url })}\n`);
  // `npm run emulator` starts us through `sh -c`, and dash does not exec: a SIGTERM to npm kills the shell and
  // would leave this process holding the port. Stop when the parent goes away.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`ens-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
