/**
 * ServiceNow as the notifier writes to it (docs/tickets.md, ServiceNow): the Table API adds a journal entry to the
 * record (`PATCH /api/now/table/<table>/<sys_id>` with `work_notes` or `comments`), and the summary id at the end of
 * the entry is what a later delivery searches for in the journal (`sys_journal_field`), counting only entries the
 * integration user wrote, so that no one else can write a comment that silences the summary.
 */
import type { TicketRef } from "../../domain/request-summary.ts";
import { renderJournalText } from "../../domain/ticket-comment-render.ts";
import type { TicketCommentState } from "../../ports.ts";
import type { ServiceNowSettings } from "../../ticket-config.ts";
import { TicketApiError } from "./ticket-api-error.ts";
import { type TicketEndpoint, ticketRequest } from "./ticket-http.ts";
import type { TicketApi } from "./ticket-system.ts";

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function record(ticket: TicketRef): { table: string; sysId: string } {
  if (ticket.system !== "servicenow")
    throw new TicketApiError("Ticket.NotConfigured", "not a ServiceNow record");
  return { table: ticket.table, sysId: ticket.sysId };
}

/** Encoded-query values must not carry the query's own operators; the ones used here never do, by validation. */
function queryValue(value: string): string {
  if (/[\^=\s]/.test(value))
    throw new TicketApiError("Ticket.Refused", "a value the encoded query cannot carry");
  return value;
}

/** Options of `createServiceNowApi`. */
export interface ServiceNowApiOptions {
  settings: ServiceNowSettings;
  timeoutMs: number;
  secrets: readonly string[];
}

/** Builds the ServiceNow API of the notifier. */
export function createServiceNowApi(options: ServiceNowApiOptions): TicketApi {
  const { settings } = options;
  const endpoint: TicketEndpoint = {
    system: "ServiceNow",
    baseUrl: settings.url,
    authorization: settings.authorization,
    timeoutMs: options.timeoutMs,
    secrets: options.secrets,
  };

  const find = async (ticket: TicketRef, summaryId: string, signal: AbortSignal) => {
    const { table, sysId } = record(ticket);
    const answer = await ticketRequest(endpoint, {
      method: "GET",
      path: "/api/now/table/sys_journal_field",
      query: {
        sysparm_query: [
          `element_id=${queryValue(sysId)}`,
          `name=${queryValue(table)}`,
          `sys_created_by=${queryValue(settings.user)}`,
          `valueLIKE${queryValue(summaryId)}`,
        ].join("^"),
        sysparm_fields: "sys_id",
        sysparm_limit: "1",
      },
      signal,
    });
    if (!isRecord(answer) || !Array.isArray(answer.result)) {
      throw new TicketApiError("Ticket.InvalidResponse", "ServiceNow answered without a result list");
    }
    const [entry] = answer.result;
    if (entry === undefined) return null;
    if (!isRecord(entry) || typeof entry.sys_id !== "string") {
      throw new TicketApiError(
        "Ticket.InvalidResponse",
        "ServiceNow answered with a journal entry without sys_id",
      );
    }
    return { commentId: entry.sys_id, transitioned: false } satisfies TicketCommentState;
  };

  return {
    kind: "servicenow",
    find,

    async write(ticket, comment, signal) {
      const { table, sysId } = record(ticket);
      await ticketRequest(endpoint, {
        method: "PATCH",
        path: `/api/now/table/${encodeURIComponent(table)}/${encodeURIComponent(sysId)}`,
        query: { sysparm_fields: "sys_id" },
        body: { [settings.field]: renderJournalText(comment) },
        signal,
      });
      // The entry's own id, and proof that a later delivery will find it (the table must keep a journal).
      const written = await find(ticket, comment.marker, signal);
      if (written === null) {
        throw new TicketApiError(
          "Ticket.Refused",
          "ServiceNow stored the entry but the journal does not show it: check that the integration user may read sys_journal_field",
        );
      }
      return written;
    },
  };
}
