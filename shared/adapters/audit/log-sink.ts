/**
 * The log sink, always on: each audit event is written as one line to the function log, which Function Compute
 * ships to Log Service. The line is the bare CloudEvent (not wrapped in a logger envelope), so a Log Service
 * consumer can forward it unchanged to anything that speaks CloudEvents; it is told apart from logger lines by
 * `specversion` and a `type` starting with `ens.egress_rule.`.
 */
import type { AuditEvent, AuditSink } from "../../ports.ts";
// Standard output, not console.log: the FC runtime prefixes console lines with a timestamp and request id, which
// would stop the line from being JSON.
import { writeStdoutLine } from "../stdout-line.ts";

/**
 * Creates the log sink; `write` receives each line without its newline (default: stdout).
 * @example createLogSink((line) => lines.push(line))
 */
export function createLogSink(write: (line: string) => void = writeStdoutLine): AuditSink {
  return {
    name: "log",
    async write(event: AuditEvent, options) {
      write(options.json ?? JSON.stringify(event));
    },
  };
}
