/**
 * Runs one invocation of a handler under the function's timeout and turns the outcome into FC's terms: a result,
 * or an `UnhandledInvocationError` payload `{errorMessage, errorType, stackTrace}`.
 */
import type { FcHandler } from "./function-loader.ts";

/** FC's error payload for a failed invocation. */
export interface InvocationError {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

/** How one invocation ended. */
export type InvocationOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: InvocationError; timedOut: boolean };

function toInvocationError(thrown: unknown): InvocationError {
  if (thrown instanceof Error) {
    return {
      errorMessage: thrown.message,
      errorType: thrown.name || "Error",
      stackTrace: (thrown.stack ?? "").split("\n").filter((line) => line !== ""),
    };
  }
  return { errorMessage: String(thrown), errorType: typeof thrown, stackTrace: [] };
}

/**
 * Calls `handler(event, context)` and settles within `timeoutSeconds`. On a timeout the handler keeps running in
 * the background (Node cannot stop it), which is where the local server differs from FC, which freezes the instance.
 */
export async function runHandler(
  handler: FcHandler,
  event: Buffer,
  context: unknown,
  timeoutSeconds: number,
): Promise<InvocationOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<InvocationOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({
        ok: false,
        timedOut: true,
        error: {
          errorMessage: `Function timed out after ${timeoutSeconds} seconds`,
          errorType: "FunctionTimeoutError",
          stackTrace: [],
        },
      });
    }, timeoutSeconds * 1000);
  });
  const run = (async (): Promise<InvocationOutcome> => {
    try {
      return { ok: true, result: await handler(event, context) };
    } catch (thrown) {
      return { ok: false, timedOut: false, error: toInvocationError(thrown) };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A function result as bytes plus the content type that describes them. */
export interface SerializedResult {
  body: Buffer;
  contentType: string;
}

/** Serialises a result by FC 3.0's rules: a Buffer as is, an object as JSON, anything else as a string. */
export function serializeResult(result: unknown): SerializedResult {
  if (Buffer.isBuffer(result)) return { body: result, contentType: "application/octet-stream" };
  if (result instanceof Uint8Array)
    return { body: Buffer.from(result), contentType: "application/octet-stream" };
  if (result === undefined) return { body: Buffer.alloc(0), contentType: "text/plain; charset=utf-8" };
  if (typeof result === "object") {
    return { body: Buffer.from(JSON.stringify(result), "utf8"), contentType: "application/json" };
  }
  return { body: Buffer.from(String(result), "utf8"), contentType: "text/plain; charset=utf-8" };
}
