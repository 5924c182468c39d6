/**
 * The local Function Compute server: the HTTP trigger of one function mounted at the root (FC 3.0 event
 * convention) and FC's invoke API under `/2016-08-15/` for every function. Binds 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { listen } from "../lib/loopback-server.ts";
import { readBody } from "../lib/request-body.ts";
import { type AsyncRetryPolicy, createAsyncInvoker, DEFAULT_ASYNC_RETRY } from "./async-invoker.ts";
import { createFcContext, createFcRequestId, type FcCredentials } from "./context.ts";
import { LocalStackError } from "./errors.ts";
import type { FcHandler } from "./function-loader.ts";
import { type InvocationOutcome, runHandler } from "./function-runner.ts";
import { fromFc3HttpResult, type TriggerReply, toFc3HttpEvent } from "./http-trigger.ts";
import {
  type ApiReply,
  FC_API_PREFIX,
  fcErrorReply,
  handleInvokeApi,
  SYNC_PAYLOAD_LIMIT,
} from "./invoke-api.ts";

/** One loaded function. */
export interface LocalFunction {
  name: string;
  handler: FcHandler;
  timeoutSeconds: number;
  memoryMb: number;
}

/** Options of the local FC server. */
export interface FcServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The service in the invoke API's paths; functions' contexts name none, as on FC 3.0. */
  serviceName: string;
  /** The function whose HTTP trigger is mounted at the root. */
  httpFunction: string;
  functions: readonly LocalFunction[];
  /** The key the invoke API verifies FC signatures against (LOCAL_FC_ACCESS_KEY_ID / _SECRET). */
  fcKey: { accessKeyId: string; accessKeySecret: string };
  accountId: string;
  region: string;
  /** Credentials handed to functions in `context.credentials`. */
  credentials: FcCredentials;
  logProject?: string;
  logStore?: string;
  asyncRetry?: AsyncRetryPolicy;
  /** Bound on waiting for in-flight work at shutdown. */
  drainTimeoutMs?: number;
  /** Function log lines (default: stdout, like FC's function log). */
  writeFunctionLog?: (line: string) => void;
  /** Server lines (default: stderr). */
  log?: (line: string) => void;
  now?: () => number;
}

/** A running local FC server. */
export interface FcServer {
  url: string;
  port: number;
  /** Asynchronous invocations not finished yet. */
  pendingAsync(): number;
  /** Stops accepting, waits (bounded) for in-flight and async work, then closes every socket. */
  close(): Promise<void>;
}

function send(
  response: ServerResponse,
  reply: ApiReply | TriggerReply,
  extra: Record<string, string> = {},
): void {
  response.writeHead(reply.status, {
    ...reply.headers,
    ...extra,
    "content-length": String(reply.body.length),
  });
  response.end(reply.body);
}

/** Listens, turning the server's error into a `LocalStackError` the CLI can explain. */
async function listenOrExplain(server: Server, port: number, host: string): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new LocalStackError("PortInUse", `port ${port} is in use (set PORT to another port)`, {
        cause: error,
      });
    }
    throw new LocalStackError(
      "LocalConfig",
      `cannot listen on ${host}:${port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Starts the server; rejects with a `LocalStackError` (e.g. `PortInUse`) when it cannot listen. */
export async function startFcServer(options: FcServerOptions): Promise<FcServer> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? Date.now;
  const writeFunctionLog = options.writeFunctionLog ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const functions = new Map(options.functions.map((fn) => [fn.name, fn]));
  const asyncInvoker = createAsyncInvoker(options.asyncRetry ?? DEFAULT_ASYNC_RETRY, log);
  const inFlight = new Set<Promise<void>>();

  async function invoke(
    fn: LocalFunction,
    event: Buffer,
    requestId: string,
    qualifier: string,
  ): Promise<{ outcome: InvocationOutcome; logs: string[] }> {
    const logs: string[] = [];
    const context = createFcContext({
      requestId,
      functionName: fn.name,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      credentials: options.credentials,
      qualifier,
      logProject: options.logProject ?? "",
      logStore: options.logStore ?? "",
      region: options.region,
      accountId: options.accountId,
      writeLog: (line) => {
        logs.push(line);
        writeFunctionLog(line);
      },
    });
    writeFunctionLog(`FC Invoke Start RequestId: ${requestId}`);
    const outcome = await runHandler(fn.handler, event, context, fn.timeoutSeconds);
    if (!outcome.ok)
      writeFunctionLog(`${new Date(now()).toISOString()} ${requestId} [error] ${outcome.error.errorMessage}`);
    writeFunctionLog(`FC Invoke End RequestId: ${requestId}`);
    return { outcome, logs };
  }

  async function handleTrigger(request: IncomingMessage, body: Buffer): Promise<TriggerReply> {
    const fn = functions.get(options.httpFunction);
    const requestId = createFcRequestId(new Date(now()));
    if (!fn)
      return fcErrorReply(
        404,
        "FunctionNotFound",
        `function '${options.httpFunction}' does not exist`,
        requestId,
      );
    const event = toFc3HttpEvent(
      {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        httpVersion: request.httpVersion,
        headers: request.headersDistinct,
        sourceIp: (request.socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
        body,
      },
      { requestId, accountId: options.accountId, now: new Date(now()) },
    );
    const { outcome } = await invoke(fn, Buffer.from(JSON.stringify(event)), requestId, "LATEST");
    if (!outcome.ok) {
      // The caller of an HTTP trigger gets the error type and message, never the stack trace.
      const { errorMessage, errorType } = outcome.error;
      return {
        status: 502,
        headers: {
          "content-type": "application/json",
          "x-fc-error-type": "UnhandledInvocationError",
          "x-fc-request-id": requestId,
        },
        body: Buffer.from(JSON.stringify({ errorMessage, errorType })),
      };
    }
    const reply = fromFc3HttpResult(outcome.result);
    return { ...reply, headers: { ...reply.headers, "x-fc-request-id": requestId } };
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Past the limit reading stops: the answer closes the connection, so the rest need not be read.
    const body = await readBody(request, SYNC_PAYLOAD_LIMIT, "pause").catch(() => undefined);
    if (body === null || body === undefined) {
      const message =
        body === null
          ? `payload size exceeds maximum allowed size (${SYNC_PAYLOAD_LIMIT} bytes)`
          : "the request body could not be read";
      const code = body === null ? "EntityTooLarge" : "InvalidArgument";
      send(response, fcErrorReply(400, code, message, createFcRequestId()), { connection: "close" });
      return;
    }
    const url = request.url ?? "/";
    if (url === FC_API_PREFIX || url.startsWith(`${FC_API_PREFIX}/`)) {
      const reply = await handleInvokeApi(
        { method: request.method ?? "GET", url, headers: request.headers, body },
        {
          serviceName: options.serviceName,
          hasFunction: (name) => functions.has(name),
          credentials: { ...options.fcKey, accountId: options.accountId },
          now,
          newRequestId: () => createFcRequestId(new Date(now())),
          invokeSync: (name, event, requestId, qualifier) =>
            invoke(functions.get(name)!, event, requestId, qualifier),
          submitAsync: (name, event, requestId, qualifier) =>
            asyncInvoker.submit({
              requestId,
              functionName: name,
              attempt: async () => (await invoke(functions.get(name)!, event, requestId, qualifier)).outcome,
            }),
        },
      );
      send(response, reply);
      return;
    }
    send(response, await handleTrigger(request, body));
  }

  const server = createServer((request, response) => {
    const task = route(request, response).catch((error: unknown) => {
      log(`local fc-server: internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent)
        send(response, fcErrorReply(500, "InternalServerError", "an internal error has occurred", ""));
      else response.destroy();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  });
  const port = await listenOrExplain(server, options.port, host);
  const drainTimeoutMs = options.drainTimeoutMs ?? 5000;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    pendingAsync: () => asyncInvoker.pending(),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainTimeoutMs);
        });
        await Promise.race([Promise.allSettled([...inFlight]), bound]);
        clearTimeout(timer);
        const dropped = await asyncInvoker.drain(drainTimeoutMs);
        if (dropped > 0) log(`local fc-server: ${dropped} asynchronous invocation(s) abandoned at shutdown`);
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
