/**
 * What a vendor emulator (Jira, ServiceNow) provides to the shared server of server.ts: it answers the vendor's API
 * and its own control routes; the server adds transport, the loopback check, faults and call counting.
 */
import type { IncomingMessage } from "node:http";

/** One API call as a vendor module sees it. */
export interface VendorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** A vendor module's answer; `route` names the call in the stats (`POST /rest/api/3/issue/{key}/comment`). */
export interface VendorAnswer {
  status: number;
  body?: unknown;
  route?: string;
}

/** What a vendor emulator (Jira, ServiceNow) provides. */
export interface VendorModule {
  /** Answers one API call (authentication included). */
  handle(request: VendorRequest): VendorAnswer;
  /** Answers a control call under `/__emulator/` that is not reset, faults or stats. */
  control(method: string, route: string, body: unknown): VendorAnswer;
  /** The vendor's error body for a status (used for injected errors). */
  errorBody(status: number, message: string): unknown;
  /** Forgets all state. */
  reset(): void;
}
