/**
 * How a call to a ticket system failed, as one `Ticket.*` code of the error table (shared/errors.ts), which decides
 * retry and redelivery. Messages name the ticket system and the status, never a URL's path or query (they hold the
 * ticket key and, for ServiceNow, the query), and never the answer's body beyond a short, redacted vendor message.
 */
import { ProductError } from "../../domain/product-error.ts";
import { classifyError } from "../../errors.ts";
import type { TicketErrorInfo } from "../../ports.ts";
import { HttpExchangeError } from "../http-exchange.ts";

/** A failed ticket-system call; `code` is a `Ticket.*` row of the error table. */
export class TicketApiError extends ProductError {
  override readonly name = "TicketApiError";
  override readonly code: string;
  readonly httpStatus: number | null;
  /** False only when the request provably never reached the ticket system (a refused connection). */
  readonly requestSent: boolean;

  constructor(
    code: string,
    message: string,
    options: { httpStatus?: number | null; requestSent?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.httpStatus = options.httpStatus ?? null;
    this.requestSent = options.requestSent ?? true;
  }
}

/** True when a write that failed so may still have been stored (the error table's "may have applied"). */
export function mayHaveApplied(error: unknown): boolean {
  return error instanceof TicketApiError && error.requestSent && classifyError(error.code).mayHaveApplied;
}

/** The `Ticket.*` code of an HTTP status that is not a success. */
export function codeForStatus(status: number): string {
  if (status === 404) return "Ticket.NotFound";
  if (status === 401) return "Ticket.Unauthorized";
  if (status === 403) return "Ticket.Forbidden";
  if (status === 429) return "Ticket.Throttled";
  if (status >= 500) return "Ticket.Unavailable";
  return "Ticket.Refused";
}

/** The ticket error of a failed exchange: a timeout, a broken connection, an answer too large or cut short. */
export function fromExchangeError(system: string, error: HttpExchangeError): TicketApiError {
  const code =
    error.kind === "timeout"
      ? "Ticket.Timeout"
      : error.kind === "aborted"
        ? "Ticket.DeadlineExceeded"
        : "Ticket.NetworkError";
  return new TicketApiError(code, `${system}: ${error.message}`, {
    httpStatus: error.status,
    requestSent: error.requestSent,
    cause: error,
  });
}

/** Whether to try again, by the error table; anything that is not a `TicketApiError` is a bug and is not retried. */
export function classifyTicketError(error: unknown): "no" | "transient" | "throttle" {
  return error instanceof TicketApiError ? classifyError(error.code).retry : "no";
}

/** The error as the port reports it. */
export function describeTicketError(error: unknown): TicketErrorInfo {
  if (error instanceof TicketApiError) {
    return { code: error.code, message: error.message, httpStatus: error.httpStatus };
  }
  if (error instanceof HttpExchangeError)
    return describeTicketError(fromExchangeError("ticket system", error));
  return { code: "InternalError", message: "unexpected error in the ticket adapter", httpStatus: null };
}
