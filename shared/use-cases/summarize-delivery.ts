/**
 * The last step of a delivery that names a ticket (docs/tickets.md): once every rule is decided for good, one
 * `ens.egress_request.settled` summary goes on the audit trail, beside the rule events, for the ticket notifier. A
 * delivery that must come again (a transient failure, a rule event not delivered) is not settled: its redelivery
 * summarises it, under the same id. A summary that does not reach every sink makes the delivery come again, as a
 * rule event would.
 */
import { buildSettledEvent, isSettled, ticketOf } from "../domain/request-summary.ts";
import type { RuleOutcome } from "../domain/rule-outcome.ts";
import type { RequestMeta } from "../domain/types.ts";
import type { Clock, Delivery, Logger, RecordTrail } from "../ports.ts";

/** What the step needs of the use case's dependencies; without `summaries` it does nothing. */
export interface SummaryDeps {
  /** The audit trail the summary goes on; absent where no ticket is ever told (some tests, tools). */
  summaries?: RecordTrail | undefined;
  clock: Clock;
  logger: Logger;
  auditSource: string;
}

/** Emits the summary of a settled delivery that names a ticket; returns the result, not delivered if it was not. */
export async function summarizeDelivery<R extends { results: RuleOutcome[]; auditDelivered: boolean }>(
  result: R,
  request: { delivery: Delivery; meta: Partial<RequestMeta> },
  deps: SummaryDeps,
  budget: { auditDeadline: number },
): Promise<R> {
  if (deps.summaries === undefined) return result;
  const ticket = ticketOf(request.delivery.trigger, request.meta);
  if (ticket === null || !isSettled(result.results, result.auditDelivered)) return result;
  const event = buildSettledEvent({
    source: deps.auditSource,
    time: new Date(deps.clock.now()),
    delivery: request.delivery,
    ticket,
    meta: request.meta,
    rules: result.results,
  });
  const delivery = await deps.summaries.emit([event], { deadline: budget.auditDeadline });
  deps.logger.info("request summary emitted", {
    summaryId: event.id,
    ticket: event.subject,
    result: event.data.result,
    delivered: delivery.delivered,
  });
  return delivery.delivered ? result : { ...result, auditDelivered: false };
}
