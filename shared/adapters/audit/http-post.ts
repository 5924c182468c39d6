/**
 * One HTTP POST with a hard time limit, for the remote audit sinks: the product's one HTTP exchange
 * (`../http-exchange.ts`) with its failures told as `AuditSinkError`s, which the audit trail knows how to retry.
 */
import { describeOrigin, HttpExchangeError, httpExchange } from "../http-exchange.ts";
import { AuditSinkError } from "./audit-sink-error.ts";

/** What came back from the sink. */
export interface PostResult {
  status: number;
  /** Response body as text, cut at `MAX_RESPONSE_BYTES`; only ever used to read an error code. */
  text: string;
}

/** Response bodies are read for an error code only; a hostile or broken sink must not make us buffer megabytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Describes a URL without its path, query or userinfo, which may carry tokens. */
export const describeUrl = describeOrigin;

/** POSTs `body` to `url`; rejects with `AuditSinkError` on timeout or network failure, resolves on any status. */
export async function postWithTimeout(options: {
  sink: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}): Promise<PostResult> {
  const { url, sink } = options;
  try {
    const answer = await httpExchange({
      url,
      method: "POST",
      headers: options.headers,
      body: options.body,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    return { status: answer.status, text: answer.body.toString("utf8") };
  } catch (error) {
    if (error instanceof HttpExchangeError && error.kind === "timeout") {
      throw new AuditSinkError(
        "AuditSinkTimeout",
        `${sink} sink: no answer from ${describeUrl(url)} within ${options.timeoutMs} ms`,
        { sink, retryable: true },
      );
    }
    const reason = error instanceof HttpExchangeError ? (error.errno ?? error.kind) : "request failed";
    throw new AuditSinkError("AuditSinkNetworkError", `${sink} sink: ${reason} from ${describeUrl(url)}`, {
      sink,
      retryable: true,
      cause: error,
    });
  }
}
