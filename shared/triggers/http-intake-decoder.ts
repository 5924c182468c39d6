/**
 * Routes, authenticates and decodes one http-intake request (docs/interfaces.md) without any I/O. The order
 * of the checks is part of the security design: route and method, then size, then authentication over the RAW
 * bytes, then content type, and only then JSON parsing. Nothing about the body is interpreted before the
 * caller is authenticated, and a 401 never says which check failed.
 */

import { sha256Hex } from "../domain/sha256.ts";
import type { RequestOrigin } from "../domain/types.ts";
import type { LocalErrorCode } from "../errors.ts";
import { isJsonContentType } from "./content-type.ts";
import type { HttpRequest } from "./http-types.ts";
import { parseJsonBytes, printable } from "./safe-json.ts";
import type { AuthCheck } from "./webhooks/auth-check.ts";
import { verifyBearerToken } from "./webhooks/bearer.ts";
import { isJiraIssueWebhook, mapJiraIssueWebhook } from "./webhooks/jira-issue.ts";
import { verifyJiraSignature } from "./webhooks/jira-signature.ts";
import { verifyStandardWebhook } from "./webhooks/standard-webhooks.ts";

/** The credentials and limits the decoder checks against (from `shared/config.ts`). */
export interface HttpIntakeSecrets {
  apiTokens: string[];
  jiraSecrets: string[];
  /** Bearer tokens for Jira Automation "send web request", which can send fixed headers but cannot sign. */
  jiraAutomationTokens: string[];
  serviceNowTokens: string[];
  standardWebhookSecrets: string[];
  webhookToleranceSeconds: number;
  maxBodyBytes: number;
  jiraFieldMap: Record<string, string> | null;
}

// The edge, not the decoder, adds the last one.
const HTTP_REFUSAL_CODES = [
  "InvalidRequest",
  "Unauthorized",
  "PayloadTooLarge",
  "UnsupportedMediaType",
  "NotFound",
  "MethodNotAllowed",
  "IdempotencyKeyReused",
] as const satisfies readonly LocalErrorCode[];

/** The codes a refusal of http-intake may carry: rows of the error table, so a code without a row does not compile. */
export type HttpRefusalCode = (typeof HTTP_REFUSAL_CODES)[number];

/** What the function should do with a request. */
export type HttpIntakeDecision =
  | { kind: "health" }
  | {
      kind: "request";
      /** The parsed JSON body, after the Jira issue mapping; not yet validated as a rule request. */
      body: unknown;
      /** e.g. `http:/rules`, `http:/webhooks/jira`. */
      trigger: string;
      origin: Extract<RequestOrigin, "operator" | "webhook">;
      deliveryId: string | null;
      /**
       * SHA-256 (hex) of the raw body, present only when `deliveryId` is an `Idempotency-Key` the sender chose: a
       * signed webhook id names one delivery, but a sender may reuse its own key for another body.
       */
      bodySha256?: string;
    }
  | {
      kind: "refused";
      status: number;
      code: HttpRefusalCode;
      /** Safe for the caller. */
      message: string;
      /** `http:<route>`, or `http:unknown` when no route matched. */
      trigger: string;
      /** Null until the caller is authenticated: an unauthenticated id must not name anything in the audit trail. */
      deliveryId: string | null;
      /** False for refusals before authentication (404, 405, 413, 401): the caller may be anyone. */
      authenticated: boolean;
      /** As on a request: present only when `deliveryId` is an `Idempotency-Key`. */
      bodySha256?: string;
      /** Detail for the logs; holds no secret. */
      logReason: string;
      /** The `Allow` header value of a 405 answer. */
      allow?: string;
    };

/** A refused request. */
export type HttpRefusal = Extract<HttpIntakeDecision, { kind: "refused" }>;

type RouteAuth = "api-token" | "jira" | "servicenow" | "standard-webhooks";

interface Route {
  auth: RouteAuth;
  origin: "operator" | "webhook";
}

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["/rules", { auth: "api-token", origin: "operator" }],
  ["/webhooks/jira", { auth: "jira", origin: "webhook" }],
  ["/webhooks/servicenow", { auth: "servicenow", origin: "webhook" }],
  ["/webhooks/generic", { auth: "standard-webhooks", origin: "webhook" }],
]);

const HEALTH_PATH = "/healthz";

/** The generic 401 message: the caller must not learn which check failed. */
export const AUTHENTICATION_FAILED = "authentication failed";

// Delivery ids end up in audit events and logs: visible ASCII only, bounded like an Idempotency-Key.
const DELIVERY_ID = /^[\x21-\x7e]{1,255}$/;

/** A refusal before authentication: nothing about it may be attributed to a sender. */
function refused(
  status: number,
  code: HttpRefusalCode,
  message: string,
  trigger: string,
  logReason: string,
): HttpRefusal {
  return {
    kind: "refused",
    status,
    code,
    message,
    trigger,
    deliveryId: null,
    authenticated: false,
    logReason,
  };
}

/** The delivery id and body digest of an authenticated sender, which may label its refusals and its request. */
interface Sender {
  deliveryId: string | null;
  bodySha256?: string;
}

/** A refusal after authentication, labelled with the sender's delivery id. */
function refusedSender(
  status: number,
  code: HttpRefusalCode,
  message: string,
  trigger: string,
  logReason: string,
  sender: Sender,
): HttpRefusal {
  return { ...refused(status, code, message, trigger, logReason), ...sender, authenticated: true };
}

function authenticate(
  route: Route,
  request: HttpRequest,
  secrets: HttpIntakeSecrets,
  nowMs: number,
): AuthCheck {
  const { headers, body } = request;
  switch (route.auth) {
    case "api-token":
      return verifyBearerToken(headers.authorization, secrets.apiTokens);
    case "servicenow":
      return verifyBearerToken(headers.authorization, secrets.serviceNowTokens);
    case "jira":
      // A signed delivery (Jira webhook) is judged by its signature alone; only an unsigned one (Jira Automation)
      // may fall back to a bearer token, so a bad signature can never be rescued by another credential.
      return headers["x-hub-signature"] === undefined && headers.authorization !== undefined
        ? verifyBearerToken(headers.authorization, secrets.jiraAutomationTokens)
        : verifyJiraSignature(headers["x-hub-signature"], body, secrets.jiraSecrets);
    case "standard-webhooks":
      return verifyStandardWebhook(
        headers,
        body,
        secrets.standardWebhookSecrets,
        secrets.webhookToleranceSeconds,
        nowMs,
      );
  }
}

/**
 * The header that carries the delivery id of a route: Jira's per-delivery identifier, the Standard Webhooks id
 * (signed), or for bearer routes an `Idempotency-Key` the sender may set (ServiceNow has no standard header).
 */
function deliveryIdHeader(auth: RouteAuth): string {
  switch (auth) {
    case "jira":
      return "x-atlassian-webhook-identifier";
    case "standard-webhooks":
      return "webhook-id";
    default:
      return "idempotency-key";
  }
}

function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Routes, authenticates and decodes one request; never throws. `nowMs` is the clock for the replay window. */
export function decodeHttpIntake(
  request: HttpRequest,
  secrets: HttpIntakeSecrets,
  nowMs: number,
): HttpIntakeDecision {
  const path = normalizePath(request.path);
  const method = request.method.toUpperCase();

  if (path === HEALTH_PATH) {
    if (method === "GET" || method === "HEAD") return { kind: "health" };
    const refusal = refused(
      405,
      "MethodNotAllowed",
      "use GET",
      `http:${HEALTH_PATH}`,
      `${printable(method)} on ${HEALTH_PATH}`,
    );
    return { ...refusal, allow: "GET, HEAD" };
  }
  const route = ROUTES.get(path);
  if (route === undefined) {
    return refused(
      404,
      "NotFound",
      "no such route",
      "http:unknown",
      `no route for ${printable(method)} ${printable(path)}`,
    );
  }
  const trigger = `http:${path}`;
  if (method !== "POST") {
    return {
      ...refused(405, "MethodNotAllowed", "use POST", trigger, `${printable(method)} on ${path}`),
      allow: "POST",
    };
  }
  if (request.body.length > secrets.maxBodyBytes) {
    return refused(
      413,
      "PayloadTooLarge",
      `the body is larger than ${secrets.maxBodyBytes} bytes`,
      trigger,
      `body of ${request.body.length} bytes`,
    );
  }

  const auth = authenticate(route, request, secrets, nowMs);
  if (!auth.ok) return refused(401, "Unauthorized", AUTHENTICATION_FAILED, trigger, auth.reason);

  // From here on the sender is authenticated, so its delivery id may label the refusal.
  const idHeader = deliveryIdHeader(route.auth);
  const presentedId = request.headers[idHeader];
  if (presentedId !== undefined && !DELIVERY_ID.test(presentedId)) {
    return refusedSender(
      400,
      "InvalidRequest",
      `the ${idHeader} header must be 1 to 255 visible ASCII characters`,
      trigger,
      `bad ${idHeader} header`,
      { deliveryId: null },
    );
  }
  const deliveryId = presentedId ?? null;
  // A sender-chosen key is bound to the bytes it was first sent with; a webhook id is signed with its body.
  const sender: Sender =
    deliveryId !== null && idHeader === "idempotency-key"
      ? { deliveryId, bodySha256: sha256Hex(request.body) }
      : { deliveryId };

  const contentType = request.headers["content-type"];
  if (!isJsonContentType(contentType)) {
    return refusedSender(
      415,
      "UnsupportedMediaType",
      "the content type must be application/json (UTF-8)",
      trigger,
      `content-type ${contentType === undefined ? "missing" : `"${printable(contentType)}"`}`,
      sender,
    );
  }
  const parsed = parseJsonBytes(request.body);
  if (!parsed.ok) {
    return refusedSender(
      400,
      "InvalidRequest",
      `the body ${parsed.message}`,
      trigger,
      `body refused: ${parsed.refusal}`,
      sender,
    );
  }

  let body = parsed.value;
  if (route.auth === "jira" && isJiraIssueWebhook(body)) {
    const mapped = mapJiraIssueWebhook(body, secrets.jiraFieldMap);
    if (!mapped.ok)
      return refusedSender(
        400,
        "InvalidRequest",
        mapped.message,
        trigger,
        "Jira issue webhook not mapped",
        sender,
      );
    body = mapped.body;
  }
  return { kind: "request", body, trigger, origin: route.origin, ...sender };
}
