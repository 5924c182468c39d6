/**
 * FC's invoke API as `@alicloud/fc2` calls it (docs/signing.md, docs/interfaces.md):
 * `POST /2016-08-15/services/<service>[.<qualifier>]/functions/<function>/invocations`, signed with the FC
 * signature. Sync answers 200 with the result, or 200 plus `x-fc-error-type` when the function failed; Async
 * answers 202 at once. Refusals use FC's `{"ErrorCode","ErrorMessage"}` body, which the SDK turns into
 * `FC<ErrorCode>Error`.
 */
import { type FcVerifyOptions, verifyFcRequest } from "./fc-signature.ts";
import { type InvocationOutcome, serializeResult } from "./function-runner.ts";

/** Path prefix of the FC 2.0 API. */
export const FC_API_PREFIX = "/2016-08-15";

const INVOCATION_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations\/?$/;
/** FC's payload limits: 32 MB for a sync invocation, 128 KB for an async one (docs/fc-conventions.md). */
export const SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT = 128 * 1024;
const TAIL_LOG_BYTES = 4096;

/** The target named by an invocation path. */
export interface InvocationTarget {
  service: string;
  qualifier: string | null;
  functionName: string;
}

/** Parses an invocation path (already URL-decoded); null when it is not one. */
export function parseInvocationPath(path: string): InvocationTarget | null {
  const match = INVOCATION_PATH.exec(path);
  if (!match) return null;
  const [, serviceWithQualifier = "", functionName = ""] = match;
  const dot = serviceWithQualifier.indexOf(".");
  return dot === -1
    ? { service: serviceWithQualifier, qualifier: null, functionName }
    : {
        service: serviceWithQualifier.slice(0, dot),
        qualifier: serviceWithQualifier.slice(dot + 1),
        functionName,
      };
}

/** A request to the invoke API, body already read. */
export interface ApiRequest {
  method: string;
  url: string;
  /** Node's joined headers (lowercase names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/** The answer to write. */
export interface ApiReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What the invoke API needs from the server. */
export interface InvokeApiDeps {
  serviceName: string;
  hasFunction(name: string): boolean;
  credentials: Omit<FcVerifyOptions, "now" | "maxSkewMs">;
  now(): number;
  newRequestId(): string;
  /** Runs a sync invocation; `logs` holds the lines the function logged through `context.logger`. */
  invokeSync(
    name: string,
    event: Buffer,
    requestId: string,
    qualifier: string,
  ): Promise<{ outcome: InvocationOutcome; logs: string[] }>;
  /** Queues an async invocation. */
  submitAsync(name: string, event: Buffer, requestId: string, qualifier: string): void;
}

/** An FC-style error answer. */
export function fcErrorReply(status: number, code: string, message: string, requestId: string): ApiReply {
  return {
    status,
    headers: { "content-type": "application/json", "x-fc-request-id": requestId },
    body: Buffer.from(JSON.stringify({ ErrorCode: code, ErrorMessage: message })),
  };
}

function header(request: ApiRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function decodedPath(url: string): string {
  const path = url.split("?", 1)[0] ?? "";
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function tailHeader(logs: readonly string[]): string {
  const text = Buffer.from(logs.map((line) => `${line}\n`).join(""), "utf8");
  return text.subarray(Math.max(0, text.length - TAIL_LOG_BYTES)).toString("base64");
}

/** Answers one invoke API request. */
export async function handleInvokeApi(request: ApiRequest, deps: InvokeApiDeps): Promise<ApiReply> {
  const requestId = deps.newRequestId();
  const path = decodedPath(request.url);
  const target = parseInvocationPath(path);
  if (target === null || request.method !== "POST") {
    return fcErrorReply(
      400,
      "PathNotSupported",
      `'${request.method}' against '${path}' is not supported`,
      requestId,
    );
  }
  const verdict = verifyFcRequest(
    { method: request.method, path, headers: request.headers, body: request.body },
    { ...deps.credentials, now: deps.now() },
  );
  if (!verdict.ok) return fcErrorReply(verdict.status, verdict.code, verdict.message, requestId);
  if (target.service !== deps.serviceName) {
    return fcErrorReply(404, "ServiceNotFound", `service '${target.service}' does not exist`, requestId);
  }
  const qualifier = target.qualifier ?? "LATEST";
  if (qualifier !== "LATEST") {
    return fcErrorReply(
      404,
      "AliasNotFound",
      `alias '${qualifier}' of service '${target.service}' does not exist`,
      requestId,
    );
  }
  if (!deps.hasFunction(target.functionName)) {
    return fcErrorReply(
      404,
      "FunctionNotFound",
      `function '${target.functionName}' does not exist in service '${target.service}'`,
      requestId,
    );
  }
  const invocationType = header(request, "x-fc-invocation-type") ?? "Sync";
  if (invocationType === "Async") {
    if (request.body.length > ASYNC_PAYLOAD_LIMIT) {
      const message = `payload size exceeds maximum allowed size (${ASYNC_PAYLOAD_LIMIT} bytes)`;
      return fcErrorReply(400, "EntityTooLarge", message, requestId);
    }
    deps.submitAsync(target.functionName, request.body, requestId, qualifier);
    return { status: 202, headers: { "x-fc-request-id": requestId }, body: Buffer.alloc(0) };
  }
  if (invocationType !== "Sync") {
    const message = `x-fc-invocation-type must be Sync or Async (got '${invocationType}')`;
    return fcErrorReply(400, "InvalidArgument", message, requestId);
  }
  const { outcome, logs } = await deps.invokeSync(target.functionName, request.body, requestId, qualifier);
  const headers: Record<string, string> = { "x-fc-request-id": requestId };
  if (header(request, "x-fc-log-type") === "Tail") headers["x-fc-log-result"] = tailHeader(logs);
  if (!outcome.ok) {
    headers["x-fc-error-type"] = "UnhandledInvocationError";
    headers["content-type"] = "application/json";
    return { status: 200, headers, body: Buffer.from(JSON.stringify(outcome.error)) };
  }
  const { body, contentType } = serializeResult(outcome.result);
  headers["content-type"] = contentType;
  return { status: 200, headers, body };
}
