/**
 * The local stack's audit bus (docs/tickets.md, local stack): it takes the functions' EventBridge audit sink as a
 * bus does (`POST .../openapi/putEvents`, a JSON array of CloudEvents, answered at once with `FailedEntryCount`), and
 * applies one event rule the way the deployed `ALIYUN::EventBridge::Rule` does: events whose `type` matches are pushed
 * to the target function through the FC invoke API (synchronously, signed like any caller), a function error is
 * retried with backoff, and an event whose retries run out goes to a dead-letter file. Loopback only; it does not
 * verify the sink's signature (the functions' signer is tested against the SDK elsewhere).
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { fcAuthorization, fcContentMd5 } from "./fc-signature.ts";

/** An event rule: events of these types go to this function. */
export interface LocalEventRule {
  types: readonly string[];
  functionName: string;
}

/** Where the bus pushes to: the local FC server's invoke API. */
export interface InvokeTarget {
  url: string;
  serviceName: string;
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/** Options of `startLocalEventBus`. */
export interface LocalEventBusOptions {
  rules: readonly LocalEventRule[];
  /** Delay before retry number n (1-based); default 1 s, 2 s, 4 s (EventBridge's BACKOFF_RETRY waits 10-20 s). */
  retryDelayMs?: (retry: number) => number;
  maxRetries?: number;
  /** Events whose retries ran out are appended here, one per line. */
  deadLetterFile: string;
  log?: (line: string) => void;
}

/** A running bus; `target` is set once the FC server listens. */
export interface LocalEventBus {
  url: string;
  setTarget(target: InvokeTarget): void;
  /** Pushes not finished yet (delivering or waiting for a retry). */
  pending(): number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** One synchronous invocation through the FC invoke API; resolves with the function's error, or null on success. */
function invoke(target: InvokeTarget, functionName: string, event: Buffer): Promise<string | null> {
  const path = `/2016-08-15/services/${target.serviceName}/functions/${functionName}/invocations`;
  const headers: Record<string, string> = {
    date: new Date().toUTCString(),
    "content-type": "application/octet-stream",
    "content-md5": fcContentMd5(event),
    "x-fc-account-id": target.accountId,
    "x-fc-invocation-type": "Sync",
  };
  headers.authorization = fcAuthorization(target.accessKeyId, target.accessKeySecret, {
    method: "POST",
    path,
    headers,
  });
  return new Promise((resolve) => {
    const req = httpRequest(new URL(path, target.url), { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const failed = res.statusCode !== 200 || res.headers["x-fc-error-type"] !== undefined;
        resolve(
          failed ? Buffer.concat(chunks).toString("utf8").slice(0, 300) || `HTTP ${res.statusCode}` : null,
        );
      });
      res.on("error", (error) => resolve(error.message));
    });
    req.on("error", (error) => resolve(error.message));
    req.end(event);
  });
}

/** Starts the bus on loopback. */
export async function startLocalEventBus(options: LocalEventBusOptions): Promise<LocalEventBus> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxRetries = options.maxRetries ?? 3;
  const delay = options.retryDelayMs ?? ((retry: number) => 1000 * 2 ** (retry - 1));
  let target: InvokeTarget | null = null;
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const deadLetter = (event: unknown, reason: string) => {
    mkdirSync(dirname(options.deadLetterFile), { recursive: true });
    appendFileSync(options.deadLetterFile, `${JSON.stringify({ reason, event })}\n`);
    log(`local event bus: dead-lettered ${String((event as { id?: unknown }).id)} (${reason})`);
  };

  const push = (rule: LocalEventRule, event: unknown, attempt: number): void => {
    const task = (async () => {
      if (target === null) return deadLetter(event, "no target yet");
      const failure = await invoke(target, rule.functionName, Buffer.from(JSON.stringify(event)));
      if (failure === null) return;
      if (attempt > maxRetries || closing) return deadLetter(event, failure);
      const wait = delay(attempt);
      log(`local event bus: ${rule.functionName} failed (${failure.split("\n")[0]}); retrying in ${wait} ms`);
      const timer = setTimeout(() => {
        timers.delete(timer);
        push(rule, event, attempt + 1);
      }, wait);
      timers.add(timer);
    })();
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method !== "POST" || !(req.url ?? "").endsWith("/openapi/putEvents")) {
        return send(res, 404, { code: "ResourceNotFound", message: "only PutEvents is served" });
      }
      let batch: unknown;
      try {
        batch = JSON.parse(body.toString("utf8"));
      } catch {
        return send(res, 400, { code: "InvalidArgument", message: "the body is not JSON" });
      }
      const events = Array.isArray(batch) ? batch : [batch];
      for (const event of events) {
        const type = (event as { type?: unknown }).type;
        for (const rule of options.rules)
          if (typeof type === "string" && rule.types.includes(type)) push(rule, event, 1);
      }
      send(res, 200, {
        RequestId: randomUUID(),
        FailedEntryCount: 0,
        EntryList: events.map((event) => ({ EventId: (event as { id?: unknown }).id })),
      });
    })().catch((error: unknown) => send(res, 500, { code: "InternalError", message: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setTarget: (value) => {
      target = value;
    },
    pending: () => running.size + timers.size,
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
