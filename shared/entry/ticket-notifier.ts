/**
 * The ticket notifier's composition root and handler (docs/tickets.md): an EventBridge rule on the audit bus pushes
 * `ens.egress_request.settled` summaries here, and each becomes one comment on its ticket. Configuration, the ticket
 * clients (with their keep-alive agents) and the static audit sinks are built once per instance; the deadline and the
 * EventBridge sink, which signs with the invocation's credentials, per invocation.
 *
 * The handler throws only when some summary must be pushed again (a ticket system still down at the deadline, a
 * record not delivered); a summary that cannot succeed (malformed, an unknown ticket, refused credentials) is
 * recorded and acknowledged, so EventBridge does not push it for ever.
 */
import { createAuditTrail } from "../adapters/audit/audit-trail.ts";
import { createLogSink } from "../adapters/audit/log-sink.ts";
import { createLogger } from "../adapters/logger.ts";
import { redactJsonText } from "../adapters/redaction.ts";
import type { RetryPolicy } from "../adapters/retry.ts";
import { createJiraApi } from "../adapters/tickets/jira-api.ts";
import { createServiceNowApi } from "../adapters/tickets/servicenow-api.ts";
import { createTicketSystem } from "../adapters/tickets/ticket-system.ts";
import { configSecrets, loadConfig } from "../config.ts";
import { ProductError } from "../domain/product-error.ts";
import type { AuditSink, Clock, TicketSystemPort } from "../ports.ts";
import { loadTicketConfig } from "../ticket-config.ts";
import { decodeSettledEvents } from "../triggers/settled-event.ts";
import { type NotifyResult, notifyTicket } from "../use-cases/notify-ticket.ts";
import {
  auditSourceOf,
  createStaticSinks,
  credentialsOf,
  type FcContext,
  invocationSinks,
} from "./compose.ts";

/** When FC gives no timeout (direct calls in tests), assume FC's default. */
const FALLBACK_TIMEOUT_SECONDS = 60;
/** Kept before the hard deadline for the record and the answer. */
const FINAL_MARGIN_MS = 250;

/** What a test may put in place of the real adapters, without mocking modules. */
export interface TicketNotifierOverrides {
  /** Replaces the ticket system of one kind (null: none configured). */
  systems?: { jira?: TicketSystemPort | null; servicenow?: TicketSystemPort | null };
  /** Replaces the static audit sinks (file, HTTP). */
  sinks?: AuditSink[];
  /** Receives each logger line and each audit log line (default: stdout). */
  writeLine?: (line: string) => void;
  clock?: Clock;
  /** Test seams of the retry policy (`random`, `sleep`). */
  retry?: Pick<RetryPolicy, "random" | "sleep">;
}

/** The answer of one invocation: what became of each summary. */
export interface NotifierSummary {
  summaries: Array<{
    summaryId: string | null;
    ticket: string | null;
    outcome: NotifyResult["outcome"] | "invalid";
    errorCode: string | null;
    recordId: string | null;
    redeliver: boolean;
  }>;
}

/** Thrown to have EventBridge push the event again; carries the redacted summary of the invocation. */
export class TicketRedeliveryError extends ProductError {
  override readonly code = "TicketRedelivery";
  constructor(readonly summary: NotifierSummary) {
    const pending = summary.summaries.filter((s) => s.redeliver);
    super(
      `${pending.length} of ${summary.summaries.length} summary(ies) need another push: ` +
        pending.map((s) => `${s.summaryId ?? "?"} ${s.errorCode ?? s.outcome}`).join("; "),
    );
    this.name = "TicketRedeliveryError";
  }
}

/**
 * Builds the ticket-notifier handler: the runtime once, then one invocation per call.
 * `functions/ticket-notifier/index.ts` is this with `process.env`; tests pass fakes as `deps`.
 * @example export const handler = createTicketNotifierHandler(process.env);
 */
export function createTicketNotifierHandler(
  env: NodeJS.ProcessEnv,
  deps: TicketNotifierOverrides = {},
): (event: unknown, context: FcContext) => Promise<NotifierSummary> {
  const config = loadConfig(env);
  const tickets = loadTicketConfig(env);
  const secrets = [...configSecrets(config), ...tickets.secrets];
  const clock = deps.clock ?? { now: Date.now };
  const logger = createLogger({
    level: config.logLevel,
    secrets,
    ...(deps.writeLine ? { write: deps.writeLine } : {}),
  });
  const logSink = createLogSink(deps.writeLine);
  const staticSinks = createStaticSinks(config, deps.sinks);
  const retry: RetryPolicy = { ...tickets.retry, ...deps.retry };
  const common = { timeoutMs: tickets.timeoutMs, secrets };
  const jira =
    deps.systems?.jira !== undefined
      ? deps.systems.jira
      : tickets.jira &&
        createTicketSystem(createJiraApi({ settings: tickets.jira, ...common }), { retry, clock });
  const serviceNow =
    deps.systems?.servicenow !== undefined
      ? deps.systems.servicenow
      : tickets.serviceNow &&
        createTicketSystem(createServiceNowApi({ settings: tickets.serviceNow, ...common }), {
          retry,
          clock,
        });

  return async (event, context) => {
    const hardDeadline = clock.now() + (context.function?.timeout ?? FALLBACK_TIMEOUT_SECONDS) * 1000;
    const credentials = credentialsOf(context, config.fallbackCredentials);
    const invocationSecrets = [
      ...secrets,
      ...(credentials ? [credentials.accessKeySecret, credentials.securityToken ?? ""].filter(Boolean) : []),
    ];
    const functionName = context.function?.name ?? "ticket-notifier";
    const log = logger.withSecrets(invocationSecrets.slice(secrets.length)).child({
      fcRequestId: context.requestId,
      function: functionName,
    });
    const sinks = invocationSinks(config, staticSinks, credentials, context);
    const notifyDeps = {
      systemFor: (ticket: { system: "jira" | "servicenow" }) =>
        (ticket.system === "jira" ? jira : serviceNow) ?? null,
      transitions: tickets.jira?.transitions ?? { applied: null, refused: null },
      comment: { exceptionContact: tickets.exceptionContact },
      audit: createAuditTrail({ logSink, sinks, logger: log, secrets: invocationSecrets }),
      clock,
      logger: log,
      source: auditSourceOf(config, { ...context, function: { ...context.function, name: functionName } }),
    };
    const budget = {
      ticketDeadline: hardDeadline - config.auditMarginMs,
      auditDeadline: hardDeadline - FINAL_MARGIN_MS,
    };
    const summaries: NotifierSummary["summaries"] = [];
    for (const decoded of decodeSettledEvents(event)) {
      if (!decoded.ok) {
        log.error("event is not a request summary; acknowledged", {
          eventId: decoded.id,
          problem: decoded.message,
        });
        summaries.push({
          summaryId: decoded.id,
          ticket: null,
          outcome: "invalid",
          errorCode: "InvalidRequest",
          recordId: null,
          redeliver: false,
        });
        continue;
      }
      // The summary was redacted with the sender's secrets; a ticket credential pasted into a Reason is removed here.
      const summaryEvent = redactJsonText(decoded.event, invocationSecrets).value;
      let result: NotifyResult;
      try {
        result = await notifyTicket(summaryEvent, { fcRequestId: context.requestId }, notifyDeps, budget);
      } catch (error) {
        // A bug on our side: the summary is pushed again rather than lost.
        log.error("unexpected error while notifying the ticket", { error, summaryId: decoded.event.id });
        result = {
          summaryId: decoded.event.id,
          ticket: decoded.event.data.ticket,
          outcome: "retry",
          error: { code: "InternalError", message: "internal error", httpStatus: null },
          recordId: null,
          redeliver: true,
        };
      }
      summaries.push({
        summaryId: result.summaryId,
        ticket: decoded.event.subject,
        outcome: result.outcome,
        errorCode: result.error?.code ?? null,
        recordId: result.recordId,
        redeliver: result.redeliver,
      });
    }
    const summary = redactJsonText({ summaries }, invocationSecrets).value;
    if (summary.summaries.some((s) => s.redeliver)) throw new TicketRedeliveryError(summary);
    return summary;
  };
}
