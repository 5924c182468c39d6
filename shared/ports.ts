/**
 * Ports: the interfaces the use cases depend on. Adapters implement them; function entry files (the composition
 * root) build the adapters and hand them in, so tests swap in fakes from `test/fakes/` without module mocking.
 */
import type { AuditData, AuditEvent, Delivery } from "./domain/audit-types.ts";
import type { RequestSettledEvent, TicketRef } from "./domain/request-summary.ts";
import type { TicketComment } from "./domain/ticket-comment.ts";
import type { TicketCommentEvent, TicketSystemKind } from "./domain/ticket-comment-record.ts";
import type { EgressRule, RequestMeta } from "./domain/types.ts";

/**
 * Anything the audit trail carries: a rule decision, a request summary (docs/tickets.md), or the ticket notifier's
 * record of a comment. All are CloudEvents with an id a redelivery keeps.
 */
export type AuditRecord = AuditEvent | RequestSettledEvent | TicketCommentEvent;

/** Alibaba Cloud credentials; STS credentials carry a security token. */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

/** Options for one logical ENS call (all its attempts). */
export interface EnsCallOptions {
  credentials: Credentials;
  /** Epoch ms by which every attempt must have ended; an attempt in flight is aborted then. */
  deadline: number;
  /** Aborts the whole call (all attempts) early. */
  signal?: AbortSignal | undefined;
}

/** What ENS answered, safe to log and to show a caller. */
export interface EnsErrorInfo {
  /** ENS or gateway `Code`, or a local code such as `NetworkError` / `AttemptTimeout` / `DeadlineExceeded`. */
  code: string;
  message: string;
  requestId: string | null;
  httpStatus: number | null;
  /**
   * True when a later delivery may succeed: every retryable row whose retry budget ran out, and rows such as an
   * expired STS token that the next invocation (fresh credentials) can fix. The platform should deliver it again.
   */
  redeliver: boolean;
}

/** The result of one logical ENS call, after retries. */
export interface EnsCallResult {
  outcome: "created" | "already_exists" | "failed";
  /** Number of HTTP attempts made (0 only if the deadline had already passed). */
  attempts: number;
  /** ENS RequestId of each attempt that got an answer, in order. */
  ensRequestIds: string[];
  /** The last error when `outcome` is `failed`; otherwise null. */
  error: EnsErrorInfo | null;
  /**
   * True when the outcome is `already_exists` after an earlier attempt of this call that may have stored the rule
   * (its answer was lost): this delivery may have created the rule, but no answer proves it.
   */
  mayHaveCreated?: boolean | undefined;
}

/** The result of reading one security group, after retries. */
export type GroupReadResult =
  | {
      ok: true;
      /** The group's egress rules, normalised to the request spelling (lowercase protocol and policy). */
      rules: EgressRule[];
      attempts: number;
      ensRequestIds: string[];
    }
  | { ok: false; attempts: number; ensRequestIds: string[]; error: EnsErrorInfo };

/** ENS, as the use case sees it: one rule in, one settled result out. Retry lives behind this port. */
export interface EnsClient {
  authorizeSecurityGroupEgress(rule: EgressRule, options: EnsCallOptions): Promise<EnsCallResult>;
  /** Reads the group's current egress rules (`DescribeSecurityGroupAttribute`), retried like a write. */
  describeSecurityGroupEgress(securityGroupId: string, options: EnsCallOptions): Promise<GroupReadResult>;
}

/** A destination for audit events. `write` resolves once the event is durably accepted, or rejects. */
export interface AuditSink {
  readonly name: string;
  /** True for a sink reached over the network (HTTP, EventBridge): refusals before authentication skip it. */
  readonly remote?: boolean;
  /** `json`, when given, is `JSON.stringify(event)`, already made by the caller: a sink may write it as it is. */
  write(event: AuditRecord, options: { deadline: number; json?: string | undefined }): Promise<void>;
}

/** Structured logger; every line carries the FC request id and correlation id via `child`. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Wall clock, injectable for tests. */
export interface Clock {
  now(): number;
}

/** The audit trail: writes each event to the log and to every durable sink, within the deadline. */
export interface AuditTrail {
  emit(events: AuditEvent[], options: { deadline: number }): Promise<AuditDelivery>;
}

/**
 * The same trail for every kind of record (`createAuditTrail` builds this one). Code that emits only rule events
 * asks for an `AuditTrail`; a `RecordTrail` is one.
 */
export interface RecordTrail {
  emit(events: readonly AuditRecord[], options: { deadline: number }): Promise<AuditDelivery>;
}

/** The result of one `AuditTrail.emit`. */
export interface AuditDelivery {
  /** True when every event reached the log and every durable sink. */
  delivered: boolean;
  /** One entry per event and sink that failed after its retries; `error` is safe to show a caller. */
  failures: Array<{ sink: string; eventId: string; error: string }>;
}

/** Options of one ticket-system step (all its attempts). */
export interface TicketCallOptions {
  /** Epoch ms by which every attempt must have ended. */
  deadline: number;
}

/** Why a ticket-system step failed, safe to log, audit and show on a ticket. */
export interface TicketErrorInfo {
  /** A `Ticket.*` code of the error table (shared/errors.ts). */
  code: string;
  message: string;
  /** The ticket system's status, when it answered. */
  httpStatus: number | null;
}

/** The settled result of one ticket-system step, after its retries. */
export type TicketStep<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: TicketErrorInfo; attempts: number };

/** Where a summary's comment stands on its ticket. */
export interface TicketCommentState {
  commentId: string;
  /** True once the configured transition was made for this summary (recorded on the comment itself). */
  transitioned: boolean;
}

/**
 * A ticket system, as the notifier use case sees it (docs/tickets.md). Retry lives behind this port: each step is
 * retried inside the deadline, and `ensureComment` looks for the summary before every write, so a write whose answer
 * was lost is never repeated.
 */
export interface TicketSystemPort {
  readonly kind: TicketSystemKind;
  /** Finds the comment that carries the summary's id, or writes it: the ticket ends with exactly one. */
  ensureComment(
    ticket: TicketRef,
    comment: TicketComment,
    options: TicketCallOptions,
  ): Promise<TicketStep<{ state: "written" | "present"; comment: TicketCommentState }>>;
  /**
   * Makes a transition and records it on the comment, so a redelivery does not make it again (Jira only).
   * `recorded` is false when the transition was made but the record could not be written.
   */
  transition?(
    request: { ticket: TicketRef; comment: TicketCommentState; summaryId: string; transitionId: string },
    options: TicketCallOptions,
  ): Promise<TicketStep<{ recorded: boolean }>>;
}

// The records are domain types; ports re-export them so that adapters need one import.
export type { AuditData, AuditEvent, Delivery, RequestMeta };
