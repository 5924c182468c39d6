/**
 * The file sink, for local use (`AUDIT_FILE`): appends each event as one JSON line. Every line goes out in a single
 * append, so lines from concurrent writers never interleave.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { AuditEvent, AuditSink } from "../../ports.ts";
import { AuditSinkError } from "./audit-sink-error.ts";

/**
 * Creates the file sink; the directory is created on the first write.
 * @example createFileSink(".local/audit.jsonl")
 */
export function createFileSink(path: string): AuditSink {
  let ready: Promise<unknown> | null = null;
  return {
    name: "file",
    async write(event: AuditEvent) {
      try {
        ready ??= mkdir(dirname(path), { recursive: true });
        await ready;
        await appendFile(path, `${JSON.stringify(event)}\n`, { encoding: "utf8", flag: "a" });
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
