import type { Logger } from "#shared/ports.ts";

/** A logger that keeps every line in memory, children included, for assertions. */
export interface MemoryLogger extends Logger {
  lines: Array<{ level: string; message: string; fields: Record<string, unknown> }>;
}

/** Creates a memory logger; children share the parent's `lines`. */
export function createMemoryLogger(
  base: Record<string, unknown> = {},
  lines: MemoryLogger["lines"] = [],
): MemoryLogger {
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, message, fields: { ...base, ...fields } });
    };
  return {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createMemoryLogger({ ...base, ...fields }, lines),
  };
}
