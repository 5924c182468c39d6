/**
 * Maps a native Jira issue webhook (`{webhookEvent, user, issue: {key, fields}}`) to a rule request
 * (docs/interfaces.md) through `JIRA_FIELD_MAP`: each rule-request field names the Jira field it is read
 * from. Jira Automation's "send web request" posts a rule request directly and is passed through unchanged.
 */
import { isRecord } from "../../domain/records.ts";
import { FORBIDDEN_JSON_KEYS } from "../safe-json.ts";

/** The result of mapping a native issue webhook; `message` is safe to show the caller. */
export type JiraMappingResult = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** True for a native Jira issue webhook, as opposed to a rule request sent by Jira Automation. */
export function isJiraIssueWebhook(body: unknown): body is Record<string, unknown> {
  return isRecord(body) && typeof own(body, "webhookEvent") === "string" && isRecord(own(body, "issue"));
}

/** A Jira user object as its e-mail address (Jira Cloud often hides it) or else its display name. */
function userName(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  for (const key of ["emailAddress", "displayName"]) {
    const name = own(value, key);
    if (typeof name === "string" && name.trim() !== "") return name.trim();
  }
  return undefined;
}

/**
 * The plain value of a Jira field: select options are `{value}`, users `{emailAddress, displayName}`, versions
 * and components `{name}`; a one-element multi-select or checkbox counts as its element; empty means unset.
 */
function fieldValue(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return value.length === 1 ? fieldValue(value[0]) : value.map(fieldValue);
  }
  if (!isRecord(value)) return value;
  if (Object.hasOwn(value, "value")) return fieldValue(value.value);
  const user = userName(value);
  if (user !== undefined) return user;
  if (typeof own(value, "name") === "string") return fieldValue(value.name);
  return value;
}

/** Text fields hold numbers and flags as text; turn the two non-string rule fields into their JSON types. */
function coerce(field: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (field === "Priority" && /^-?\d{1,9}$/.test(value)) return Number(value);
  if (field === "DryRun") {
    if (/^(true|yes|on)$/i.test(value)) return true;
    if (/^(false|no|off)$/i.test(value)) return false;
  }
  return value;
}

/**
 * Builds the rule request of a native issue webhook. `TicketId` is always the issue key; `RequestedBy`, unless
 * mapped, is the issue's reporter (who asked for the rule), else the user whose action fired the webhook.
 */
export function mapJiraIssueWebhook(
  payload: Record<string, unknown>,
  fieldMap: Readonly<Record<string, string>> | null,
): JiraMappingResult {
  if (fieldMap === null || Object.keys(fieldMap).length === 0) {
    return {
      ok: false,
      message:
        "this is a native Jira issue webhook but JIRA_FIELD_MAP is not configured; configure it, or send a rule request from Jira Automation",
    };
  }
  const issue = own(payload, "issue");
  const key = isRecord(issue) ? own(issue, "key") : undefined;
  if (!isRecord(issue) || typeof key !== "string" || key.trim() === "") {
    return { ok: false, message: "the Jira webhook has no issue.key" };
  }
  const fieldsValue = own(issue, "fields");
  const fields = isRecord(fieldsValue) ? fieldsValue : {};
  const body: Record<string, unknown> = {};
  for (const [field, jiraField] of Object.entries(fieldMap)) {
    if (FORBIDDEN_JSON_KEYS.has(field) || field === "TicketId") continue;
    const value = coerce(field, fieldValue(own(fields, jiraField)));
    if (value !== undefined) body[field] = value;
  }
  if (body.RequestedBy === undefined) {
    const requester = userName(own(fields, "reporter")) ?? userName(own(payload, "user"));
    if (requester !== undefined) body.RequestedBy = requester;
  }
  body.TicketId = key.trim();
  return { ok: true, body };
}
