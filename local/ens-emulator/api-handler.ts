import { randomUUID } from "node:crypto";
import { ACTIONS, API_VERSION } from "./actions.ts";
import type { ApiRequest } from "./api-request.ts";
import { authenticate, callTarget } from "./auth.ts";
import type { EmulatorCore } from "./core.ts";
import { EnsEmulatorError } from "./errors.ts";
import { NO_ANSWER_CODES } from "./stats.ts";

/** What the HTTP layer must do with a business request. */
export type ApiOutcome =
  | { kind: "answer"; status: number; requestId: string; body: Record<string, unknown> }
  /** Drop the connection with a TCP reset. */
  | { kind: "reset" }
  /** Never answer; keep the socket until the client or close() ends it. */
  | { kind: "hang" };

/** Action names worth a stats entry; anything else off the wire is not counted (and cannot pollute keys). */
const ACTION_NAME = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;

/** The gateway's error body: RequestId, HostId, Code, Message, Recommend. */
export function errorBody(
  error: EnsEmulatorError,
  requestId: string,
  hostId: string,
): Record<string, unknown> {
  const query = new URLSearchParams({ q: error.code, product: "Ens", requestId });
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.alibabacloud.com/troubleshoot?${query.toString()}`,
  };
}

/**
 * Runs one business request: decides its answer at once (`decideApiRequest`), then holds the answer until
 * `latencyMs` (+ jitter) after the call arrived. Latency applies to every business call, refused or not, as a slow
 * network would. The emulator's own work (signature checks, the action) is part of the latency a client sees,
 * never added on top of it, so a benchmark at "20 ms" measures calls of 20 ms however busy the emulator is; the
 * action therefore takes effect at arrival, before the answer travels back.
 */
export async function handleApiRequest(
  core: EmulatorCore,
  request: ApiRequest,
  sleep: (ms: number) => Promise<void>,
  receivedAt: number = performance.now(),
): Promise<ApiOutcome> {
  const delayMs = core.faults().delayMs();
  const outcome = decideApiRequest(core, request);
  await sleep(receivedAt + delayMs - performance.now());
  return outcome;
}

/**
 * The gateway's steps, in order: route, action and version, authentication, permission, fault draw, the action
 * itself, and commit-then-error. Stats count every call whose action name could be read.
 */
function decideApiRequest(core: EmulatorCore, request: ApiRequest): ApiOutcome {
  const requestId = randomUUID().toUpperCase();
  const hostId = request.headerValues("host")[0] ?? "ens.aliyuncs.com";
  const target = callTarget(request);
  const countable = target.action !== undefined && ACTION_NAME.test(target.action) ? target.action : null;
  const record = (code: string | null) => {
    if (countable) core.stats.record(countable, code);
  };
  try {
    if (request.path !== "/" || (request.method !== "GET" && request.method !== "POST")) {
      throw new EnsEmulatorError("InvalidAction.NotFound", `(${request.method} ${request.path})`);
    }
    if (!target.action) throw new EnsEmulatorError("MissingAction", "Action");
    if (!target.version) throw new EnsEmulatorError("MissingVersion", "Version");
    if (target.version !== API_VERSION) throw new EnsEmulatorError("InvalidVersion");
    const handler = ACTIONS.get(target.action);
    if (!handler) throw new EnsEmulatorError("InvalidAction.NotFound");
    const key = authenticate(request, target, core);
    if (key.deniedActions?.includes(target.action)) throw new EnsEmulatorError("NoPermission");

    const fault = core.faults().draw(target.action, request.params.get("SecurityGroupId"));
    if (fault?.kind === "reset" || fault?.kind === "timeout") {
      record(NO_ANSWER_CODES[fault.kind]);
      return { kind: fault.kind === "reset" ? "reset" : "hang" };
    }
    if (fault?.kind === "error") throw new EnsEmulatorError(fault.code, undefined, { status: fault.status });
    const result = handler(request.params, core.state);
    // The action has taken effect; only the answer is lost. This is the case that tests idempotency.
    if (fault?.kind === "commit-then-error") {
      throw new EnsEmulatorError(fault.code, undefined, { status: fault.status });
    }
    record(null);
    return { kind: "answer", status: 200, requestId, body: { RequestId: requestId, ...result } };
  } catch (error) {
    const ensError =
      error instanceof EnsEmulatorError
        ? error
        : new EnsEmulatorError("InternalError", undefined, { cause: error });
    record(ensError.code);
    return {
      kind: "answer",
      status: ensError.status,
      requestId,
      body: errorBody(ensError, requestId, hostId),
    };
  }
}
