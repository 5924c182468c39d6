/**
 * Why each row of the error table (`shared/errors.ts`) decides what it decides, for the README. Kept apart from the
 * table so that this prose stays out of the function bundles; a test fails when a row has no entry here.
 */
import {
  ERROR_TABLE,
  type ErrorRow,
  UNKNOWN_CLIENT_ERROR_ROW,
  UNKNOWN_SERVER_ERROR_ROW,
  UNKNOWN_THROTTLE_ROW,
} from "./errors.ts";

/** Keyed by `<source>:<code>`, because `InternalError` is both the gateway's code and ours. */
export const ERROR_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "ens:MissingParameter":
    "ENS says a required parameter was not sent. Validation fills all seven fields, so this is a bug on our side, not the caller's: 502.",
  "ens:Missing*":
    "Per-parameter variant of MissingParameter (e.g. MissingSecurityGroupId): 502 for the same reason.",
  "ens:NoPermission":
    "The function's RAM role may not call ens:AuthorizeSecurityGroupEgress. Only an operator can fix the role, the caller cannot: 502.",
  "ens:InvalidParameter":
    "ENS refused a field value that validation let through; the caller must change the rule: 400 with the ENS message.",
  "ens:InvalidParameter.*":
    "ENS refused the named field (InvalidParameter.<Field>): 400, the caller must change it.",
  "ens:InvalidSecurityGroupId.NotFound":
    "The security group does not exist (or not in this account/region): 404.",
  "ens:SecurityGroupRuleConflict.Duplicated":
    "The identical rule exists: a success. On a retry after a lost or failed answer it proves our earlier call took effect, and the outcome is created.",
  "ens:AuthorizationLimitExceed":
    "The group has reached its rule quota; the request conflicts with the group's state until rules are removed: 409.",
  "ens:ens.interface.error":
    "ENS failed internally; retried with backoff. Once the budget is spent: 503 with Retry-After, redeliver.",
  "ens:CallInterface": "Like ens.interface.error (the page gives no more detail).",
  "gateway:Throttling": "Flow control refused the call before it ran; retried with a 5x larger base.",
  "gateway:Throttling.User": "Per-user flow control; as Throttling.",
  "gateway:Throttling.Api": "Per-API flow control; as Throttling.",
  "gateway:Throttling*": "Any other throttling code; as Throttling.",
  "gateway:ServiceUnavailable": "Temporary server failure; retried.",
  "gateway:ServiceUnAvailable": "Spelling variant some products use; as ServiceUnavailable.",
  "gateway:InternalError":
    "The gateway's unknown server error; retried. Once the budget is spent: 503 with Retry-After, redeliver.",
  "gateway:SignatureNonceUsed":
    "Replay protection refused a nonce; every attempt signs with a fresh nonce, so a retry can succeed.",
  "gateway:SignatureDoesNotMatch":
    "Our signature or AccessKey secret is wrong: 502, an operator must fix the credentials. ENS's message is replaced by a fixed one: it echoes the string to sign, security token included.",
  "gateway:IncompleteSignature":
    "The signature is malformed (adapter bug): 502. ENS's message is replaced by a fixed one, as for SignatureDoesNotMatch.",
  "gateway:InvalidAccessKeyId.NotFound": "The AccessKey id is unknown: 502, fix the credentials.",
  "gateway:InvalidAccessKeyId.Inactive": "The AccessKey is disabled: 502, fix the credentials.",
  "gateway:InvalidAccessKeyId*": "Any other AccessKey problem: 502.",
  "gateway:InvalidSecurityToken.Expired":
    "The STS token expired. Retrying with the same token cannot help, but the next invocation gets fresh credentials from FC: 503, redeliver.",
  "gateway:InvalidSecurityToken*": "The STS token is malformed or does not match the AccessKey: 502.",
  "gateway:InvalidTimeStamp.Expired":
    "Our clock is more than 15 minutes off; a fresh timestamp from the same clock would fail again: 502.",
  "gateway:InvalidTimeStamp.Format": "The timestamp is not ISO 8601 (adapter bug): 502.",
  "gateway:InvalidAction.NotFound": "Action or version unknown to the endpoint (wrong ENS_ENDPOINT?): 502.",
  "gateway:InvalidApi.NotFound": "As InvalidAction.NotFound: 502.",
  "gateway:InvalidVersion": "API version refused (wrong ENS_ENDPOINT?): 502.",
  "gateway:Forbidden*": "RAM denied the call (e.g. Forbidden.RAM): the function's role must be fixed: 502.",
  "local:NetworkError":
    "The connection failed or was reset; retried. A refused connection or DNS failure proves the call never reached ENS.",
  "local:AttemptTimeout": "One attempt outlasted its timeout and was aborted; retried.",
  "local:InvalidResponse":
    "The answer was not a JSON object (a proxy page, a truncated body); retried, the budget bounds it.",
  "local:DeadlineExceeded":
    "The retry budget ended at the invocation's deadline (an attempt in flight was aborted): 503 with Retry-After, redeliver.",
  "local:Aborted": "The caller aborted the call (e.g. the invocation is ending): 503, redeliver.",
  "local:InvalidRequest": "Invalid JSON or an invalid rule; no ENS call was made.",
  "local:Unauthorized": "Authentication failed; the answer does not say which check failed.",
  "local:Policy.*": "A guardrail refused the rule; the code names the guardrail (Policy.<Guardrail>).",
  "local:PayloadTooLarge": "The body is larger than MAX_BODY_BYTES.",
  "local:UnsupportedMediaType": "The body is not JSON.",
  "local:NotFound": "No such route.",
  "local:MethodNotAllowed": "The route exists but not for this HTTP method.",
  "local:IdempotencyKeyReused":
    "The Idempotency-Key was already used on this route with a different body; retry with the same bytes, or use a new key for a new request (docs/security.md).",
  "local:AuditDeliveryFailed":
    "An audit sink did not accept the event; the delivery is answered 503 / redelivered so no outcome goes unaudited.",
  "local:MissingCredentials":
    "The function has no credentials (no role on the service, no ALIBABA_CLOUD_ACCESS_KEY_ID): no ENS call; redelivered so the message reaches the dead-letter queue rather than being lost.",
  "local:InternalError":
    "A bug on our side: a generic 500 with the request id; a queue message is redelivered (ENS calls are idempotent).",
  "ticket:Ticket.NotFound":
    "The ticket (Jira issue, JSM request or ServiceNow record) answered 404: it does not exist or the notifier's account cannot see it. Recorded once, not retried.",
  "ticket:Ticket.Unauthorized":
    "401: the ticket system refused the notifier's credentials (token or password wrong or revoked). Recorded once; fix TICKET_* and the next summary goes through.",
  "ticket:Ticket.Forbidden":
    "403: the notifier's account may not comment on (or read) this ticket. Recorded once, not retried.",
  "ticket:Ticket.Refused":
    "Any other 4xx (a malformed comment, a transition not available from the ticket's status): recorded once, not retried.",
  "ticket:Ticket.NotConfigured":
    "The summary names a ticket system the notifier has no settings for (TICKET_JIRA_URL or TICKET_SERVICENOW_URL unset): recorded once.",
  "ticket:Ticket.Throttled":
    "429: retried with the throttling base inside the invocation, then the invocation fails so EventBridge pushes the summary again.",
  "ticket:Ticket.Unavailable":
    "5xx: retried with backoff; a write may have gone through, so every attempt looks for the comment before writing. Then redelivered.",
  "ticket:Ticket.NetworkError":
    "The connection failed or broke off; retried like Ticket.Unavailable (look first, then write).",
  "ticket:Ticket.Timeout": "One call outlasted TICKET_TIMEOUT_MS; retried like Ticket.Unavailable.",
  "ticket:Ticket.InvalidResponse":
    "A 2xx answer that is not the JSON the API documents (a proxy or login page); retried, the budget bounds it.",
  "ticket:Ticket.DeadlineExceeded":
    "The invocation's deadline ended the retries: the invocation fails and EventBridge pushes the summary again.",
  "ticket:Ticket.WriteUnconfirmed":
    "A write whose answer was lost is not found yet: it may still land, so it is not written again now; the summary is pushed again later and looked for first.",
  "gateway:(other code, HTTP 4xx)":
    "An ENS refusal this table does not know; we cannot claim the caller is wrong: 502 with the ENS code.",
  "gateway:(other code, HTTP 429)": "Too many requests; as Throttling.",
  "gateway:(other code, HTTP 5xx)":
    "A server-side failure this table does not know; retried like InternalError.",
};

/** Every row the README shows: the table plus its three fallbacks for unknown codes. */
export function documentedErrorRows(): ErrorRow[] {
  return [...ERROR_TABLE, UNKNOWN_CLIENT_ERROR_ROW, UNKNOWN_THROTTLE_ROW, UNKNOWN_SERVER_ERROR_ROW];
}

/** The description of one row; throws for a row without one, so the docs cannot silently lose a row. */
export function describeErrorRow(row: ErrorRow): string {
  const text = ERROR_DESCRIPTIONS[`${row.source}:${row.code}`];
  if (text === undefined)
    throw new Error(`shared/error-docs.ts has no description for ${row.source}:${row.code}`);
  return text;
}

function cell(text: string): string {
  // Markdown would read "<Field>" as an HTML tag and "|" as a column break.
  return text.replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Renders the error table (plus the three fallback rows) as a Markdown table for the README. */
export function renderErrorTableMarkdown(): string {
  const lines = [
    "| code | from | retry | may have applied | outcome | HTTP | queue | why |",
    "|---|---|---|---|---|---|---|---|",
    ...documentedErrorRows().map(
      (r) =>
        `| \`${cell(r.code)}\` | ${r.source} | ${r.retry} | ${r.mayHaveApplied ? "yes" : "no"} | ${r.outcome} | ${r.httpStatus} | ${r.queue} | ${cell(describeErrorRow(r))} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
