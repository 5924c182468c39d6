/**
 * One call to a ticket system's REST API over the product's one HTTP exchange (http-exchange.ts): JSON in, JSON out,
 * the configured `Authorization` header, and every failure turned into a `TicketApiError` whose code the error table
 * knows. A 2xx answer that is not JSON (a login page, a proxy's error page) is `Ticket.InvalidResponse`.
 */
import { HttpExchangeError, httpExchange } from "../http-exchange.ts";
import { redactText } from "../redaction.ts";
import { codeForStatus, fromExchangeError, TicketApiError } from "./ticket-api-error.ts";

/** Where and how one ticket system is reached. */
export interface TicketEndpoint {
  /** For messages: "Jira", "ServiceNow". */
  system: string;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  authorization: string;
  timeoutMs: number;
  /** Removed from any vendor text that reaches a message (the configured credentials). */
  secrets: readonly string[];
}

/** One request. */
export interface TicketRequest {
  method: "GET" | "POST" | "PUT" | "PATCH";
  /** Path below the base URL, already encoded, e.g. `/rest/api/3/issue/NET-1/comment`. */
  path: string;
  query?: Record<string, string> | undefined;
  body?: unknown;
  signal: AbortSignal;
}

/** The largest answer read: comment pages hold whole comment bodies. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** The vendor's own message in an error answer (Jira `errorMessages`, ServiceNow `error.message`), short. */
function vendorMessage(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const record = body as Record<string, unknown>;
  const jira = record.errorMessages;
  if (Array.isArray(jira) && typeof jira[0] === "string") return jira[0];
  const error = record.error;
  if (
    typeof error === "object" &&
    error !== null &&
    typeof (error as Record<string, unknown>).message === "string"
  ) {
    return (error as Record<string, string>).message ?? null;
  }
  return null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Sends one request and returns the JSON answer (null for an empty 2xx body, e.g. 204); throws `TicketApiError`.
 * @example await ticketRequest(jira, { method: "GET", path: "/rest/api/3/issue/NET-1/comment", signal })
 */
export async function ticketRequest(endpoint: TicketEndpoint, request: TicketRequest): Promise<unknown> {
  const url = new URL(`${endpoint.baseUrl}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = {
    accept: "application/json",
    authorization: endpoint.authorization,
    "user-agent": "ens-egress-ticket-notifier/1",
  };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers["content-type"] = "application/json; charset=utf-8";
  }
  let answer: Awaited<ReturnType<typeof httpExchange>>;
  try {
    answer = await httpExchange({
      url,
      method: request.method,
      headers,
      body,
      timeoutMs: endpoint.timeoutMs,
      signal: request.signal,
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
  } catch (error) {
    if (error instanceof HttpExchangeError) throw fromExchangeError(endpoint.system, error);
    throw error;
  }
  const text = answer.body.toString("utf8");
  const parsed = text.trim() === "" ? { ok: true as const, value: null } : parseJson(text);
  if (answer.status >= 200 && answer.status < 300) {
    if (!parsed.ok) {
      throw new TicketApiError(
        "Ticket.InvalidResponse",
        `${endpoint.system} answered HTTP ${answer.status} with a body that is not JSON`,
        {
          httpStatus: answer.status,
        },
      );
    }
    return parsed.value;
  }
  const said = parsed.ok ? vendorMessage(parsed.value) : null;
  const detail =
    said === null
      ? ""
      : `: ${redactText(said, endpoint.secrets)
          .replace(/[\p{Cc}]+/gu, " ")
          .slice(0, 200)}`;
  throw new TicketApiError(
    codeForStatus(answer.status),
    `${endpoint.system} answered HTTP ${answer.status}${detail}`,
    {
      httpStatus: answer.status,
    },
  );
}
