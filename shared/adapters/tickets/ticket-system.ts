/**
 * The ticket-system port (shared/ports.ts) over one vendor API: each step runs on the product's one retry policy
 * (retry.ts: full jitter, a larger base for 429, a budget that ends at the invocation's deadline), and the unit that
 * is retried is "look for the summary, then write it if absent". A write whose answer was lost (a timeout, a reset,
 * a 5xx after the server stored it) is therefore found by the next attempt instead of being written twice.
 */
import type { TicketRef } from "../../domain/request-summary.ts";
import type { TicketComment } from "../../domain/ticket-comment.ts";
import type { TicketSystemKind } from "../../domain/ticket-comment-record.ts";
import type { Clock, TicketCommentState, TicketStep, TicketSystemPort } from "../../ports.ts";
import { type RetryPolicy, retryWithinDeadline } from "../retry.ts";
import {
  classifyTicketError,
  describeTicketError,
  mayHaveApplied,
  TicketApiError,
} from "./ticket-api-error.ts";

/** One vendor's API, one attempt per call; `TicketApiError` on failure. */
export interface TicketApi {
  readonly kind: TicketSystemKind;
  /** The comment that carries the summary id, or null. */
  find(ticket: TicketRef, summaryId: string, signal: AbortSignal): Promise<TicketCommentState | null>;
  /** Writes the comment, marked with the summary id. */
  write(ticket: TicketRef, comment: TicketComment, signal: AbortSignal): Promise<TicketCommentState>;
  /** Makes a workflow transition (Jira). */
  transition?(ticket: TicketRef, transitionId: string, signal: AbortSignal): Promise<void>;
  /** Records on the comment that the summary's transition was made (Jira). */
  markTransitioned?(
    ticket: TicketRef,
    comment: TicketCommentState,
    summaryId: string,
    signal: AbortSignal,
  ): Promise<void>;
}

/** Options of `createTicketSystem`. */
export interface TicketSystemOptions {
  retry: RetryPolicy;
  clock?: Clock;
}

/** Builds the port over one vendor API. */
export function createTicketSystem(api: TicketApi, options: TicketSystemOptions): TicketSystemPort {
  const run = async <T>(
    deadline: number,
    step: (signal: AbortSignal) => Promise<T>,
  ): Promise<TicketStep<T>> => {
    const result = await retryWithinDeadline(step, {
      policy: options.retry,
      deadline,
      classify: classifyTicketError,
      deadlineError: () =>
        new TicketApiError("Ticket.DeadlineExceeded", "no time left before the invocation's deadline"),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    return result.ok
      ? { ok: true, value: result.value, attempts: result.attempts }
      : { ok: false, error: describeTicketError(result.error), attempts: result.attempts };
  };

  const port: TicketSystemPort = {
    kind: api.kind,
    ensureComment(ticket, comment, { deadline }) {
      // A write whose answer was lost may still land after the next look finds nothing (a slow server stores it
      // late): it is never written again in this invocation. The summary comes back later and is looked for first.
      let unconfirmed = false;
      return run(deadline, async (signal) => {
        const found = await api.find(ticket, comment.marker, signal);
        if (found !== null) return { state: "present" as const, comment: found };
        if (unconfirmed) {
          throw new TicketApiError(
            "Ticket.WriteUnconfirmed",
            "a write whose answer was lost is not visible yet; it is looked for again on the next push",
          );
        }
        try {
          return { state: "written" as const, comment: await api.write(ticket, comment, signal) };
        } catch (error) {
          unconfirmed = mayHaveApplied(error);
          throw error;
        }
      });
    },
  };
  const { transition, markTransitioned } = api;
  if (transition !== undefined) {
    port.transition = async ({ ticket, comment, summaryId, transitionId }, { deadline }) => {
      // Two steps retried apart: once the transition is made, a failed mark must not make it again (the workflow
      // would refuse it from the new status, and the record would say "failed" for a transition that happened).
      const made = await run(deadline, (signal) => transition.call(api, ticket, transitionId, signal));
      if (!made.ok) return made;
      if (markTransitioned === undefined)
        return { ok: true, value: { recorded: false }, attempts: made.attempts };
      const marked = await run(deadline, (signal) =>
        markTransitioned.call(api, ticket, comment, summaryId, signal),
      );
      return { ok: true, value: { recorded: marked.ok }, attempts: made.attempts + marked.attempts };
    };
  }
  return port;
}
