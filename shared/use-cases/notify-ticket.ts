/**
 * The ticket notifier's use case (docs/tickets.md): one request summary in, exactly one comment on its ticket out,
 * although EventBridge may push the same summary more than once. The ticket-system port looks for the summary's id
 * before it writes; a configured Jira transition follows the comment once, recorded on the comment itself.
 *
 * What happens to the summary follows the error table (shared/errors.ts): a ticket system that is down, slow or
 * throttling has been retried inside the deadline by the port, and the summary is then left for redelivery; a ticket
 * that does not exist or credentials that are refused are recorded once (a `failed` record) and the summary is
 * acknowledged, so that it is not pushed again for ever.
 */
import type { RequestSettledEvent, SettledResult, TicketRef } from "../domain/request-summary.ts";
import { buildTicketComment, type TicketCommentOptions } from "../domain/ticket-comment.ts";
import {
  buildTicketCommentEvent,
  type TicketCommentData,
  type TicketCommentOutcome,
  type TransitionRecord,
} from "../domain/ticket-comment-record.ts";
import { classifyError } from "../errors.ts";
import type { Clock, Logger, RecordTrail, TicketErrorInfo, TicketSystemPort } from "../ports.ts";

/** Adapters and settings the use case runs with. */
export interface NotifyDeps {
  /** The port of the ticket's system, or null when the notifier has no settings for it. */
  systemFor(ticket: TicketRef): TicketSystemPort | null;
  /** Jira transition ids by result; `applied` is made only when rules were applied, never on a dry run. */
  transitions: { applied: string | null; refused: string | null };
  comment: TicketCommentOptions;
  audit: RecordTrail;
  clock: Clock;
  logger: Logger;
  /** CloudEvents `source` of the notifier's records. */
  source: string;
}

/** Time limits of one invocation, as epoch ms. */
export interface NotifyBudget {
  /** Ticket-system attempts must have ended by then. */
  ticketDeadline: number;
  /** The record must have been written by then. */
  auditDeadline: number;
}

/** What became of one summary. */
export interface NotifyResult {
  summaryId: string;
  ticket: TicketRef;
  /** `retry`: the ticket system kept failing transiently; nothing was recorded and the summary must come again. */
  outcome: TicketCommentOutcome | "retry";
  error: TicketErrorInfo | null;
  /** The id of the notifier's record, when one was written. */
  recordId: string | null;
  /** True when the platform must push the summary again (a transient failure, or a record not delivered). */
  redeliver: boolean;
}

function transitionFor(result: SettledResult, deps: NotifyDeps): string | null {
  if (result === "applied") return deps.transitions.applied;
  if (result === "refused") return deps.transitions.refused;
  return null;
}

/** Settles one summary: writes its comment at most once, makes its transition at most once, records the outcome. */
export async function notifyTicket(
  event: RequestSettledEvent,
  context: { fcRequestId: string },
  deps: NotifyDeps,
  budget: NotifyBudget,
): Promise<NotifyResult> {
  const ticket = event.data.ticket;
  const log = deps.logger.child({ correlationId: event.id, ticket: event.subject });
  const system = deps.systemFor(ticket);
  const base: TicketCommentData = {
    summaryId: event.id,
    ticket,
    system: system?.kind ?? null,
    outcome: "failed",
    commentId: null,
    errorCode: null,
    errorMessage: null,
    attempts: 0,
    transition: null,
    fcRequestId: context.fcRequestId,
  };
  const retry = (error: TicketErrorInfo): NotifyResult => {
    log.warn("ticket system unavailable: the summary will be pushed again", {
      errorCode: error.code,
      error: error.message,
    });
    return { summaryId: event.id, ticket, outcome: "retry", error, recordId: null, redeliver: true };
  };
  const record = async (data: TicketCommentData): Promise<NotifyResult> => {
    const recordEvent = buildTicketCommentEvent({
      source: deps.source,
      time: new Date(deps.clock.now()),
      data,
    });
    const delivery = await deps.audit.emit([recordEvent], { deadline: budget.auditDeadline });
    const error =
      data.errorCode === null
        ? null
        : { code: data.errorCode, message: data.errorMessage ?? "", httpStatus: null };
    const fields = {
      outcome: data.outcome,
      errorCode: data.errorCode,
      recordId: recordEvent.id,
      attempts: data.attempts,
    };
    if (data.outcome === "failed")
      log.error("ticket comment given up", { ...fields, error: data.errorMessage });
    else
      log.info(`ticket comment ${data.outcome}`, {
        ...fields,
        commentId: data.commentId,
        transition: data.transition,
      });
    return {
      summaryId: event.id,
      ticket,
      outcome: data.outcome,
      error,
      recordId: recordEvent.id,
      redeliver: !delivery.delivered,
    };
  };

  if (system === null) {
    return record({
      ...base,
      errorCode: "Ticket.NotConfigured",
      errorMessage: `the notifier has no settings for ${ticket.system} tickets`,
    });
  }

  const ensured = await system.ensureComment(ticket, buildTicketComment(event, deps.comment), {
    deadline: budget.ticketDeadline,
  });
  if (!ensured.ok) {
    if (classifyError(ensured.error.code).queue === "redeliver") return retry(ensured.error);
    return record({
      ...base,
      errorCode: ensured.error.code,
      errorMessage: ensured.error.message,
      attempts: ensured.attempts,
    });
  }
  const { state, comment } = ensured.value;
  let attempts = ensured.attempts;
  let transition: TransitionRecord | null = null;
  const transitionId = transitionFor(event.data.result, deps);
  if (transitionId !== null && system.transition !== undefined) {
    if (comment.transitioned) {
      transition = { id: transitionId, outcome: "already_made", errorCode: null };
    } else {
      const made = await system.transition(
        { ticket, comment, summaryId: event.id, transitionId },
        { deadline: budget.ticketDeadline },
      );
      attempts += made.attempts;
      if (made.ok) {
        transition = { id: transitionId, outcome: "made", errorCode: null };
        if (!made.value.recorded)
          log.warn("transition made but not recorded on the comment", { transitionId });
      } else if (classifyError(made.error.code).queue === "redeliver") {
        // The comment stands; the next push finds it and makes the transition.
        return retry(made.error);
      } else {
        transition = { id: transitionId, outcome: "failed", errorCode: made.error.code };
      }
    }
  }
  return record({ ...base, outcome: state, commentId: comment.commentId, attempts, transition });
}
