/**
 * FC entry of http-intake: the HTTP trigger for operators and ticketing webhooks. Function Compute 3.0 hands a
 * built-in runtime's handler the HTTP request as an event, `handler(event: Buffer, context)`, and takes
 * `{statusCode, headers, body, isBase64Encoded}` back (docs/deploy.md).
 */
import { handleFc3HttpEvent } from "../../shared/edge/http-intake.ts";
import { createRuntime, type FcContext, startInvocation } from "../compose.ts";

const runtime = createRuntime();

/** FC 3.0 handler: `handler(event: Buffer, context)`. */
export async function handler(event: unknown, context: FcContext): Promise<unknown> {
  return handleFc3HttpEvent(event, runtime, startInvocation(runtime, context));
}
