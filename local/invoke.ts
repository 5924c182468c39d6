/**
 * Entry of `npm run invoke -- <function> <event-file>`: invokes a function through `@alicloud/fc2`, prints the
 * response, and exits non-zero on a function error (see local/fc-server/README.md).
 */
import { readFileSync } from "node:fs";
import { INVOKE_USAGE, InvokeUsageError, parseInvokeArgs, runInvoke } from "./fc-server/invoke-command.ts";

try {
  const target = parseInvokeArgs(process.argv.slice(2), process.env);
  process.exitCode = await runInvoke(target, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readFileSync(0),
  });
} catch (error) {
  if (error instanceof InvokeUsageError) {
    process.stderr.write(`error: ${error.message}\n${INVOKE_USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
