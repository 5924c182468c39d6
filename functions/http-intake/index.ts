/**
 * FC entry of http-intake: the HTTP trigger for operators and ticketing webhooks. Accepts both FC conventions:
 * FC 3.0 `handler(event: Buffer, context)` returning `{statusCode, headers, body}`, and FC 2.0
 * `handler(req, resp, context)`. Both decode into the same HttpRequest, so both give identical answers.
 */
import { handleFc2HttpCall, handleFc3HttpEvent } from "../../shared/edge/http-intake.ts";
import { type Fc2Request, type Fc2Response, isFc2HttpCall } from "../../shared/triggers/fc-http.ts";
import { createRuntime, type FcContext, startInvocation } from "../compose.ts";

const runtime = createRuntime();

/** FC handler (both conventions). */
export async function handler(...args: unknown[]): Promise<unknown> {
  if (isFc2HttpCall(args)) {
    const [req, resp, context] = args as [Fc2Request, Fc2Response, FcContext];
    return handleFc2HttpCall(req, resp, runtime, startInvocation(runtime, context));
  }
  const [event, context] = args as [unknown, FcContext];
  return handleFc3HttpEvent(event, runtime, startInvocation(runtime, context));
}
