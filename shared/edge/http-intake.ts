/**
 * The http-intake pipeline: decode and authenticate the request (raw bytes first, JSON last), run the use case,
 * encode the answer. Anything unexpected becomes a generic 500 that names only the request id.
 */
import type { Invocation, Runtime } from "../../functions/compose.ts";
import { redactText } from "../adapters/logger.ts";
import {
  type Fc2Request,
  type Fc2Response,
  type Fc3HttpResult,
  parseFc3HttpEvent,
  readFc2HttpRequest,
  sendFc2HttpResponse,
  toFc3HttpResult,
} from "../triggers/fc-http.ts";
import { decodeHttpIntake } from "../triggers/http-intake-decoder.ts";
import type { HttpRequest, HttpResponse } from "../triggers/http-types.ts";
import { authorizeEgressRequest, recordRefusedDelivery } from "../use-cases/authorize-egress-request.ts";
import { errorResponse, jsonResponse, toHttpResponse } from "./http-answer.ts";

/** Statuses of refusals that concern a would-be rule request, and so get an audit event. */
const AUDITED_REFUSALS = new Set([400, 401, 413, 415]);

/** Handles one HTTP request end to end; never throws, and never echoes a known secret back to the caller. */
export async function handleHttpIntake(
  request: HttpRequest,
  runtime: Runtime,
  invocation: Invocation,
): Promise<HttpResponse> {
  const response = await answerHttpIntake(request, runtime, invocation);
  return { ...response, body: redactText(response.body, invocation.secrets) };
}

async function answerHttpIntake(
  request: HttpRequest,
  runtime: Runtime,
  invocation: Invocation,
): Promise<HttpResponse> {
  const { config } = runtime;
  const { deps, budget, fcRequestId } = invocation;
  try {
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
      deps.clock.now(),
    );
    if (decision.kind === "health") return jsonResponse(200, { status: "ok" }, fcRequestId);
    if (decision.kind === "refused") {
      deps.logger.warn("request refused", {
        correlationId: decision.deliveryId ?? fcRequestId,
        status: decision.status,
        code: decision.code,
        reason: decision.logReason,
        path: request.path,
        sourceIp: request.sourceIp,
      });
      const origin = decision.trigger === "http:/rules" ? "operator" : "webhook";
      const delivery = {
        trigger: decision.trigger,
        origin,
        deliveryId: decision.deliveryId,
        fcRequestId,
      } as const;
      const audited = AUDITED_REFUSALS.has(decision.status)
        ? await recordRefusedDelivery(
            { code: decision.code, message: decision.message, delivery },
            deps,
            budget,
          )
        : null;
      const auditId = audited?.results[0]?.auditId;
      return errorResponse(
        decision.status,
        { code: decision.code, message: decision.message, ...(auditId ? { auditId } : {}) },
        fcRequestId,
        [],
        decision.allow ? { allow: decision.allow } : {},
      );
    }
    const delivery = {
      trigger: decision.trigger,
      origin: decision.origin,
      deliveryId: decision.deliveryId,
      fcRequestId,
    };
    const result = await authorizeEgressRequest(
      { body: decision.body, delivery, credentials: invocation.credentials },
      deps,
      budget,
    );
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

/** FC 2.0 convention: `(req, resp, context)`; FC strips `x-fc-*` headers, so the request id comes from the context. */
export async function handleFc2HttpCall(
  req: Fc2Request,
  resp: Fc2Response,
  runtime: Runtime,
  invocation: Invocation,
): Promise<void> {
  const request = await readFc2HttpRequest(req, {
    requestId: invocation.fcRequestId,
    // The reader keeps one byte over the limit, so the decoder still answers 413.
    maxBodyBytes: runtime.config.maxBodyBytes,
  });
  sendFc2HttpResponse(resp, await handleHttpIntake(request, runtime, invocation));
}
