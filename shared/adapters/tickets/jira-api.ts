/**
 * Jira as the notifier writes to it (docs/tickets.md, Jira): Cloud REST v3 with an Atlassian Document Format body,
 * Data Center REST v2 with a wiki-markup body, or a Jira Service Management request comment. Every comment carries
 * the entity property `ens-egress.summary` = `{summaryId, transitioned}`, set in the same request as the comment
 * (issue comments) or right after it (request comments, whose API takes no properties); the comment's text also
 * ends with the summary id, so a request comment whose property was never set is still found.
 */
import type { TicketRef } from "../../domain/request-summary.ts";
import type { TicketComment } from "../../domain/ticket-comment.ts";
import { renderAdf, renderWiki } from "../../domain/ticket-comment-render.ts";
import type { TicketCommentState } from "../../ports.ts";
import type { JiraSettings } from "../../ticket-config.ts";
import { TicketApiError } from "./ticket-api-error.ts";
import { type TicketEndpoint, ticketRequest } from "./ticket-http.ts";
import type { TicketApi } from "./ticket-system.ts";

/** The comment property that marks a summary's comment. */
export const SUMMARY_PROPERTY = "ens-egress.summary";

/** Comments read per page while looking for the summary. */
const PAGE_SIZE = 100;

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function invalid(what: string): TicketApiError {
  return new TicketApiError("Ticket.InvalidResponse", `Jira answered with ${what}`);
}

function jiraKey(ticket: TicketRef): string {
  if (ticket.system !== "jira") throw new TicketApiError("Ticket.NotConfigured", "not a Jira ticket");
  return ticket.key;
}

/** The summary's mark on one comment of a page, or null. */
function markOf(comment: unknown, summaryId: string): TicketCommentState | null {
  if (!isRecord(comment) || typeof comment.id !== "string") throw invalid("a comment without an id");
  const properties = Array.isArray(comment.properties) ? comment.properties : [];
  for (const property of properties) {
    if (!isRecord(property) || property.key !== SUMMARY_PROPERTY || !isRecord(property.value)) continue;
    if (property.value.summaryId === summaryId) {
      return { commentId: comment.id, transitioned: property.value.transitioned === true };
    }
  }
  // The text fallback: a request comment whose property was not set yet. The id is a random-looking UUID that only
  // this summary's comment holds; a wiki-markup body (REST v2) holds it with its dashes escaped.
  const body = comment.body ?? null;
  const text = typeof body === "string" ? body.replace(/\\(.)/g, "$1") : JSON.stringify(body);
  if (text.includes(summaryId)) return { commentId: comment.id, transitioned: false };
  return null;
}

/** Options of `createJiraApi`. */
export interface JiraApiOptions {
  settings: JiraSettings;
  timeoutMs: number;
  /** Redacted from any vendor message. */
  secrets: readonly string[];
}

/** Builds the Jira API of the notifier. */
export function createJiraApi(options: JiraApiOptions): TicketApi {
  const { settings } = options;
  const version = settings.api === "cloud" ? "3" : "2";
  const endpoint: TicketEndpoint = {
    system: "Jira",
    baseUrl: settings.url,
    authorization: settings.authorization,
    timeoutMs: options.timeoutMs,
    secrets: options.secrets,
  };
  const issuePath = (key: string) => `/rest/api/${version}/issue/${encodeURIComponent(key)}`;
  const propertyPath = (commentId: string) =>
    `/rest/api/${version}/comment/${encodeURIComponent(commentId)}/properties/${SUMMARY_PROPERTY}`;
  const markValue = (summaryId: string, transitioned: boolean) => ({ summaryId, transitioned });
  const serviceDesk = settings.comment !== "issue";

  return {
    kind: serviceDesk
      ? "jira-service-management"
      : settings.api === "cloud"
        ? "jira-cloud"
        : "jira-datacenter",

    async find(ticket, summaryId, signal) {
      const key = jiraKey(ticket);
      // Newest first: the summary is usually among the last comments. Every page is read if need be.
      for (let startAt = 0; ; ) {
        const page = await ticketRequest(endpoint, {
          method: "GET",
          path: `${issuePath(key)}/comment`,
          query: {
            startAt: String(startAt),
            maxResults: String(PAGE_SIZE),
            orderBy: "-created",
            expand: "properties",
          },
          signal,
        });
        if (!isRecord(page) || !Array.isArray(page.comments))
          throw invalid("a comment page without comments");
        for (const comment of page.comments) {
          const mark = markOf(comment, summaryId);
          if (mark !== null) return mark;
        }
        const total = typeof page.total === "number" ? page.total : 0;
        startAt += page.comments.length;
        if (page.comments.length === 0 || startAt >= total) return null;
      }
    },

    async write(ticket, comment: TicketComment, signal) {
      const key = jiraKey(ticket);
      if (!serviceDesk) {
        const created = await ticketRequest(endpoint, {
          method: "POST",
          path: `${issuePath(key)}/comment`,
          body: {
            body: settings.api === "cloud" ? renderAdf(comment) : renderWiki(comment),
            properties: [{ key: SUMMARY_PROPERTY, value: markValue(comment.marker, false) }],
          },
          signal,
        });
        if (!isRecord(created) || typeof created.id !== "string")
          throw invalid("a created comment without an id");
        return { commentId: created.id, transitioned: false };
      }
      const created = await ticketRequest(endpoint, {
        method: "POST",
        path: `/rest/servicedeskapi/request/${encodeURIComponent(key)}/comment`,
        body: { body: renderWiki(comment), public: settings.comment === "servicedesk-public" },
        signal,
      });
      if (!isRecord(created) || typeof created.id !== "string")
        throw invalid("a created comment without an id");
      // A request comment is a Jira comment with the same id: it takes the same property.
      await ticketRequest(endpoint, {
        method: "PUT",
        path: propertyPath(created.id),
        body: markValue(comment.marker, false),
        signal,
      });
      return { commentId: created.id, transitioned: false };
    },

    async transition(ticket, transitionId, signal) {
      await ticketRequest(endpoint, {
        method: "POST",
        path: `${issuePath(jiraKey(ticket))}/transitions`,
        body: { transition: { id: transitionId } },
        signal,
      });
    },

    async markTransitioned(_ticket, comment, summaryId, signal) {
      await ticketRequest(endpoint, {
        method: "PUT",
        path: propertyPath(comment.commentId),
        body: markValue(summaryId, true),
        signal,
      });
    },
  };
}
