/**
 * The http-intake pipeline: decode and authenticate the request (raw bytes first, JSON last), run the use case,
 * encode the answer. Anything unexpected becomes a generic 500 that names only the request id.
 */

import { redactJsonDocument } from "../adapters/redaction.ts";
import { classifyError } from "../errors.ts";
import { type Fc3HttpResult, parseFc3HttpEvent, toFc3HttpResult } from "../triggers/fc-http.ts";
import { decodeHttpIntake, type HttpRefusal } from "../triggers/http-intake-decoder.ts";
import type { HttpRequest, HttpResponse } from "../triggers/http-types.ts";
import { authorizeEgressRequest, recordRefusedDelivery } from "../use-cases/authorize-egress-request.ts";
import { handlerFactory, type Invocation, type Runtime } from "./compose.ts";
import { errorResponse, jsonResponse, refusalResponse, toHttpResponse } from "./http-answer.ts";

/** Statuses of refusals that concern a would-be rule request, and so get an audit event. */
const AUDITED_REFUSALS = new Set([400, 401, 413, 415, 422]);

/** The refusal of a request whose Idempotency-Key already stands for another body on this route. */
function reusedKey(decision: {
  trigger: string;
  deliveryId: string | null;
  bodySha256?: string;
}): HttpRefusal {
  return {
    kind: "refused",
    status: classifyError("IdempotencyKeyReused").httpStatus,
    code: "IdempotencyKeyReused",
    message:
      "this Idempotency-Key was already used with a different body; to retry, send the same body again, and use a new key for a new request",
    trigger: decision.trigger,
    deliveryId: decision.deliveryId,
    authenticated: true,
    ...(decision.bodySha256 === undefined ? {} : { bodySha256: decision.bodySha256 }),
    logReason: "Idempotency-Key reused with another body",
  };
}

/**
 * Logs and audits a refusal. One before authentication is counted in the log line and audited to the local sinks
 * only (log, file), so that an anonymous caller costs no remote write and never waits on a remote sink.
 */
async function refuse(
  refusal: HttpRefusal,
  request: HttpRequest,
  runtime: Runtime,
  invocation: Invocation,
): Promise<HttpResponse> {
  const { deps, budget, fcRequestId } = invocation;
  const count = refusal.authenticated
    ? {}
    : { unauthenticatedRefusals: ++runtime.intake.unauthenticatedRefusals };
  deps.logger.warn("request refused", {
    correlationId: refusal.deliveryId ?? fcRequestId,
    status: refusal.status,
    code: refusal.code,
    reason: refusal.logReason,
    path: request.path,
    sourceIp: request.sourceIp,
    ...count,
  });
  const delivery = {
    trigger: refusal.trigger,
    origin: refusal.trigger === "http:/rules" ? "operator" : "webhook",
    deliveryId: refusal.deliveryId,
    fcRequestId,
    ...(refusal.bodySha256 === undefined ? {} : { bodySha256: refusal.bodySha256 }),
  } as const;
  const audit = refusal.authenticated ? deps.audit : invocation.localAudit;
  const audited = AUDITED_REFUSALS.has(refusal.status)
    ? await recordRefusedDelivery(
        { code: refusal.code, message: refusal.message, delivery },
        { ...deps, audit },
        budget,
      )
    : null;
  return refusalResponse(refusal, audited, fcRequestId);
}

/** Handles one HTTP request end to end; never throws, and never echoes a known secret back to the caller. */
export async function handleHttpIntake(
  request: HttpRequest,
  runtime: Runtime,
  invocation: Invocation,
): Promise<HttpResponse> {
  const response = await answerHttpIntake(request, runtime, invocation);
  return { ...response, body: redactJsonDocument(response.body, invocation.secrets) };
}

async function answerHttpIntake(
  request: HttpRequest,
  runtime: Runtime,
  invocation: Invocation,
): Promise<HttpResponse> {
  const { config } = runtime;
  const { deps, budget, fcRequestId } = invocation;
  try {
    const nowMs = deps.clock.now();
    const decision = decodeHttpIntake(
      request,
      {
        apiTokens: config.apiTokens,
        jiraSecrets: config.jiraWebhookSecrets,
        jiraAutomationTokens: config.jiraAutomationTokens,
        serviceNowTokens: config.serviceNowTokens,
        standardWebhookSecrets: config.standardWebhookSecrets,
        webhookToleranceSeconds: config.webhookToleranceSeconds,
        maxBodyBytes: config.maxBodyBytes,
        jiraFieldMap: config.jiraFieldMap,
      },
      nowMs,
    );
    if (decision.kind === "health") return jsonResponse(200, { status: "ok" }, fcRequestId);
    const keys = runtime.intake.idempotencyKeys;
    const { deliveryId: key, bodySha256 } = decision;
    const keyed =
      key !== null && bodySha256 !== undefined ? { route: decision.trigger, key, bodySha256 } : null;
    if (decision.kind === "refused") {
      // A refused body leaves its key free, but a key that stands for another body is the first thing to say.
      const bound = keyed && keys.lookup(keyed.route, keyed.key, nowMs);
      const refusal = bound && bound !== keyed?.bodySha256 ? reusedKey(decision) : decision;
      return await refuse(refusal, request, runtime, invocation);
    }
    const binding = keyed && keys.bind(keyed.route, keyed.key, keyed.bodySha256, nowMs);
    if (binding === "other") return await refuse(reusedKey(decision), request, runtime, invocation);
    const delivery = {
      trigger: decision.trigger,
      origin: decision.origin,
      deliveryId: decision.deliveryId,
      fcRequestId,
      ...(bodySha256 === undefined ? {} : { bodySha256 }),
    };
    const result = await authorizeEgressRequest(
      { body: decision.body, delivery, credentials: invocation.credentials },
      deps,
      budget,
    );
    // As payment APIs do, a request refused as invalid leaves its key free: the sender may correct the body.
    if (keyed && binding === "bound" && result.issues.length > 0) {
      keys.unbind(keyed.route, keyed.key, keyed.bodySha256);
    }
    return toHttpResponse(result, fcRequestId);
  } catch (error) {
    deps.logger.error("unexpected error", { error });
    return errorResponse(
      500,
      { code: "InternalError", message: `internal error (request ${fcRequestId})` },
      fcRequestId,
    );
  }
}

/** FC 3.0 convention: the event is a Buffer holding the HTTP event JSON; a malformed event is a 400, not a crash. */
export async function handleFc3HttpEvent(
  event: unknown,
  runtime: Runtime,
  invocation: Invocation,
): Promise<Fc3HttpResult> {
  let request: HttpRequest;
  try {
    request = parseFc3HttpEvent(event);
  } catch (error) {
    invocation.deps.logger.warn("malformed FC HTTP event", { error });
    const message = "the event is not an FC HTTP trigger event";
    return toFc3HttpResult(errorResponse(400, { code: "InvalidRequest", message }, invocation.fcRequestId));
  }
  return toFc3HttpResult(await handleHttpIntake(request, runtime, invocation));
}

/**
 * Builds the http-intake handler: the runtime once (configuration, policy, clients), then one invocation per call.
 * `functions/http-intake/index.ts` is this with `process.env`; tests pass fakes as `deps`.
 * @example export const handler = createHttpIntakeHandler(process.env);
 */
export const createHttpIntakeHandler = handlerFactory(handleFc3HttpEvent);
