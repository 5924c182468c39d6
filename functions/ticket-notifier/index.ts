/**
 * FC entry of ticket-notifier: an EventBridge rule on the audit bus pushes each request summary here, and the
 * ticket that asked for the rules gets one comment (docs/tickets.md).
 */
import { createTicketNotifierHandler } from "#shared/entry/ticket-notifier.ts";

export const handler = createTicketNotifierHandler(process.env);
