/**
 * Why the local stack could not start. Each message is the one line the CLI prints, so it must name the cause and
 * the fix without echoing a secret value.
 */

/** The startup failures the CLI distinguishes. */
export type LocalStackErrorCode =
  | "PortInUse"
  | "BuildMissing"
  | "BuildBroken"
  | "FunctionConfig"
  | "LocalConfig";

/** A startup failure of the local stack, worded as the one line the CLI prints. */
export class LocalStackError extends Error {
  constructor(
    readonly code: LocalStackErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LocalStackError";
  }
}
