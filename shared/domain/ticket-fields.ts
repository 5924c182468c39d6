/**
 * Checks of the request fields that name a ServiceNow record (docs/tickets.md, which ticket a request names). Each
 * returns what is wrong in a ticket author's words, or null; `rule-request.ts` wraps them as schema checks.
 */
import { quoteInput } from "./validation-text.ts";

/** A ServiceNow table name: lowercase letters, digits and `_`, starting with a letter (custom tables start `u_`). */
export const SERVICENOW_TABLE = /^[a-z][a-z0-9_]{0,79}$/;

/** A ServiceNow `sys_id`: 32 lowercase hex digits. */
export const SERVICENOW_SYS_ID = /^[0-9a-f]{32}$/;

/** Describes what is wrong with a `ServiceNowTable`, or null when it is valid. */
export function describeServiceNowTableProblem(text: string): string | null {
  if (SERVICENOW_TABLE.test(text)) return null;
  const lower = text.toLowerCase();
  if (SERVICENOW_TABLE.test(lower))
    return `${quoteInput(text)} is not valid: table names are lowercase; did you mean ${quoteInput(lower)}?`;
  return `${quoteInput(text)} is not a table name: use the table's name as ServiceNow spells it, e.g. "change_request" or "sc_req_item"`;
}

/** Describes what is wrong with a `ServiceNowSysId`, or null when it is valid. */
export function describeSysIdProblem(text: string): string | null {
  if (SERVICENOW_SYS_ID.test(text)) return null;
  if (SERVICENOW_SYS_ID.test(text.toLowerCase()))
    return `${quoteInput(text)} is not valid: give the sys_id in lowercase`;
  return `${quoteInput(text)} is not a sys_id: give the record's sys_id, 32 hex digits such as "9d385017c611228701d22104cc95c371"`;
}
