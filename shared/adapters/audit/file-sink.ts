/**
 * The file sink, for local use (`AUDIT_FILE`): appends each event as one JSON line. Every line goes out in a single
 * append, so lines from concurrent writers never interleave.
 */
// node:fs is loaded by Node's own bootstrap; node:fs/promises would add a module load to every cold start.
import { appendFile, mkdir } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import type { AuditEvent, AuditSink } from "../../ports.ts";
import { AuditSinkError } from "./audit-sink-error.ts";

const mkdirAsync = promisify(mkdir);
const appendFileAsync = promisify(appendFile);

/**
 * Creates the file sink; the directory is created on the first write.
 * @example createFileSink(".local/audit.jsonl")
 */
export function createFileSink(path: string): AuditSink {
  let ready: Promise<unknown> | null = null;
  return {
    name: "file",
    async write(event: AuditEvent, options) {
      try {
        ready ??= mkdirAsync(dirname(path), { recursive: true });
        await ready;
        await appendFileAsync(path, `${options.json ?? JSON.stringify(event)}\n`, {
          encoding: "utf8",
          flag: "a",
        });
      } catch (cause) {
        // A failed mkdir must not stick: the next attempt tries again.
        ready = null;
        const code = (cause as NodeJS.ErrnoException).code ?? "write failed";
        throw new AuditSinkError("AuditSinkIoError", `file sink: ${code} appending to ${path}`, {
          sink: "file",
          retryable: true,
          cause,
        });
      }
    },
  };
}
