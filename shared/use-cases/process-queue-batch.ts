/**
 * Processes a batch of queue messages: each message independently, at most `concurrency` ENS calls in flight, and
 * messages that touch the same security group one after another (ENS evaluates rules per group; serialising avoids
 * racing two changes to one group and keeps `already_exists` answers deterministic on redelivery).
 *
 * Twice as many messages as ENS call slots are in progress, and a message whose call has returned yields to the
 * answers already waiting before it writes its audit event: a returning call hands its slot at once to a message
 * that is validated and ready, instead of holding it through its own audit write and the next message's
 * validation (bench/BENCH.md has the measurement).
 *
 * Poison, invalid, refused and permanently failed messages are audited and acknowledged. Transient failures and
 * undelivered audit events make the batch "redeliver": the caller throws only after every message is settled, and
 * redelivery is safe: the read of each group finds the rules created the first time, which settle as
 * `already_exists` without a write, so every redelivery goes on where the last one stopped.
 */
import { createSemaphore, runScheduled } from "../concurrency.ts";
import type { Credentials, Delivery, EnsClient } from "../ports.ts";
import {
  type AuthorizeDeps,
  authorizeEgressRequest,
  type InvocationBudget,
  type RequestResult,
  recordRefusedDelivery,
} from "./authorize-egress-request.ts";
import { createGroupStates } from "./group-state.ts";

/** One decoded message, as the queue decoder yields it. */
export interface BatchMessage {
  messageId: string | null;
  trigger: string;
  body: { ok: true; value: unknown } | { ok: false; message: string };
}

/** The settled result of one message. */
export interface MessageResult {
  messageId: string | null;
  result: RequestResult;
  /** True when the platform must deliver this message again. */
  redeliver: boolean;
}

/** Security group ids a message body names, read defensively before validation (for serialisation only). */
export function securityGroupsOf(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const record = body as Record<string, unknown>;
  const entries = Array.isArray(record.Rules) ? record.Rules : [record];
  return entries.flatMap((entry) => {
    const id =
      typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>).SecurityGroupId : null;
    return typeof id === "string" ? [id] : [];
  });
}

/** Messages in progress per ENS call slot: one waiting for ENS, one being prepared or audited. */
const MESSAGES_PER_SLOT = 2;

/** Resolves in the event loop's check phase, after the I/O callbacks (other ENS answers) already waiting. */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `ens` with at most `slots` calls in flight; a returning call lets the answers already waiting go first. */
function slotted(ens: EnsClient, slots: number): EnsClient {
  const semaphore = createSemaphore(slots);
  const inSlot = async <R>(task: () => Promise<R>): Promise<R> => {
    const result = await semaphore.run(task);
    await afterPendingIo();
    return result;
  };
  return {
    authorizeSecurityGroupEgress: (rule, call) => inSlot(() => ens.authorizeSecurityGroupEgress(rule, call)),
    describeSecurityGroupEgress: (id, call) => inSlot(() => ens.describeSecurityGroupEgress(id, call)),
  };
}

/** Settles every message of a batch; never throws for a message's own failure. */
export async function processQueueBatch(
  messages: readonly BatchMessage[],
  context: { fcRequestId: string; credentials: Credentials | null; concurrency: number },
  deps: AuthorizeDeps,
  budget: InvocationBudget,
): Promise<MessageResult[]> {
  const keysOf = (message: BatchMessage) => (message.body.ok ? securityGroupsOf(message.body.value) : []);
  // A lone message has no neighbour to make way for: it goes straight to ENS and on to its audit event.
  const ens = messages.length < 2 ? deps.ens : slotted(deps.ens, context.concurrency);
  // One read per group for the whole batch: later messages for a group see it as the earlier ones left it.
  const groups = createGroupStates(ens);
  const inProgress = Math.max(1, context.concurrency) * MESSAGES_PER_SLOT;
  return runScheduled(messages, keysOf, inProgress, async (message) => {
    const delivery: Delivery = {
      trigger: message.trigger,
      origin: message.trigger === "invoke" ? "operator" : "queue",
      deliveryId: message.messageId,
      fcRequestId: context.fcRequestId,
    };
    const log = deps.logger.child({ deliveryId: message.messageId, trigger: message.trigger });
    const messageDeps = { ...deps, ens, groups, logger: log };
    let result: RequestResult;
    if (!message.body.ok) {
      log.warn("poison message acknowledged", { reason: message.body.message });
      result = await recordRefusedDelivery(
        { code: "InvalidRequest", message: message.body.message, delivery },
        messageDeps,
        budget,
      );
    } else {
      const body = message.body.value;
      result = await authorizeEgressRequest(
        { body, delivery, credentials: context.credentials },
        messageDeps,
        budget,
      );
    }
    const redeliver =
      !result.auditDelivered || result.results.some((r) => r.outcome === "failed" && r.redeliver);
    return { messageId: message.messageId, result, redeliver };
  });
}
