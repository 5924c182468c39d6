/**
 * The ticket notifier's own audit record (docs/tickets.md): one `ens.ticket_comment.<outcome>` CloudEvent per summary
 * it finished with, whether it wrote the comment, found it already there, or gave up for good (a ticket that does
 * not exist, credentials the ticket system refuses). Its id depends on the summary and the class of the outcome, so
 * a summary pushed again records the same id, and a give-up is recorded once however often it is pushed.
 */
import { type TicketRef, ticketLabel, uuidV8 } from "./request-summary.ts";
import { sha256Hex } from "./sha256.ts";

/** What became of one summary's comment. */
export type TicketCommentOutcome = "written" | "present" | "failed";

/** The ticket systems the notifier writes to, as its records name them. */
export type TicketSystemKind = "jira-cloud" | "jira-datacenter" | "jira-service-management" | "servicenow";

/** What became of the configured transition, when there is one. */
export interface TransitionRecord {
  id: string;
  outcome: "made" | "already_made" | "failed";
  errorCode: string | null;
}

/** The `data` of a ticket comment record. */
export interface TicketCommentData {
  summaryId: string;
  ticket: TicketRef;
  /** Null when the notifier has no settings for the ticket's system. */
  system: TicketSystemKind | null;
  outcome: TicketCommentOutcome;
  /** The comment's id in the ticket system (a Jira comment id, a ServiceNow journal entry's sys_id). */
  commentId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Calls made to the ticket system for this summary in this invocation. */
  attempts: number;
  transition: TransitionRecord | null;
  fcRequestId: string;
}

/** CloudEvents `dataschema` of the record, the `$id` of `events/audit/ticket-comment-v1.json`. */
export const TICKET_COMMENT_DATASCHEMA = "urn:ens-egress:events:ticket-comment:v1";

/** The record as a CloudEvents 1.0 structured-mode event. */
export interface TicketCommentEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: `ens.ticket_comment.${TicketCommentOutcome}`;
  time: string;
  subject: string;
  datacontenttype: "application/json";
  dataschema: typeof TICKET_COMMENT_DATASCHEMA;
  /** The summary id: joins the record to the `ens.egress_request.settled` event it answers. */
  correlationid: string;
  fcrequestid: string;
  data: TicketCommentData;
}

// Bumped only if the canonical form changes.
const ID_NAMESPACE = "ens-egress/ticket-comment-id/v1";

/** Input of `buildTicketCommentEvent`: everything of `data`, plus where and when. */
export interface TicketCommentRecordInput {
  source: string;
  time: Date;
  data: TicketCommentData;
}

/**
 * Builds the record. `written` and `present` are one class ("the ticket has its comment"): a redelivery that finds
 * the comment its first push wrote records the same id.
 */
export function buildTicketCommentEvent(input: TicketCommentRecordInput): TicketCommentEvent {
  const { data } = input;
  const outcomeClass = data.outcome === "failed" ? "failed" : "commented";
  return {
    specversion: "1.0",
    id: uuidV8(sha256Hex(JSON.stringify([ID_NAMESPACE, data.summaryId, outcomeClass]))),
    source: input.source,
    type: `ens.ticket_comment.${data.outcome}`,
    time: input.time.toISOString(),
    subject: ticketLabel(data.ticket),
    datacontenttype: "application/json",
    dataschema: TICKET_COMMENT_DATASCHEMA,
    correlationid: data.summaryId,
    fcrequestid: data.fcRequestId,
    data: {
      summaryId: data.summaryId,
      ticket: data.ticket,
      system: data.system,
      outcome: data.outcome,
      commentId: data.commentId,
      errorCode: data.errorCode,
      errorMessage: data.errorMessage,
      attempts: data.attempts,
      transition: data.transition === null ? null : { ...data.transition },
      fcRequestId: data.fcRequestId,
    },
  };
}
