/**
 * Local receivers for the remote audit sinks, on real sockets (127.0.0.1, port 0). Each verifies signatures with
 * its own code, written from the specs (Standard Webhooks; the EventBridge SDK's signing scheme) rather than
 * imported from the sinks, so a bug in a sink's signer cannot be mirrored here. A mode switchable at runtime
 * simulates a sink that is down (connection refused), slow (answers after the client gave up) or failing (500).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AuditEvent } from "#shared/ports.ts";

/** How a receiver behaves. */
export type ReceiverMode = "ok" | "down" | "slow" | "500";

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  /** True when the signature (and every other check) passed, whatever the mode then answered. */
  verified: boolean;
  /** True when verified and answered 2xx (mode `ok`). */
  accepted: boolean;
  /** Why it was refused; null when accepted. */
  reason: string | null;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What both receivers offer a test. */
export interface AuditReceiver {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Events accepted (verified and answered 2xx), in order. */
  readonly events: AuditEvent[];
  /** Every request that reached the receiver (all modes but `down`), verified or not. */
  readonly requests: ReceivedRequest[];
  readonly mode: string;
  /** Switches the behaviour; `down` stops listening, leaving `down` listens again on the same port. */
  setMode(mode: string): Promise<void>;
  close(): Promise<void>;
}

interface Switchable {
  url: string;
  mode: string;
  setMode(mode: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server whose handler sees the current mode; `down` really closes the port. */
async function startSwitchable(
  initialMode: string,
  slowMs: number,
  handle: (
    req: http.IncomingMessage,
    body: string,
    res: http.ServerResponse,
    mode: string,
    hold: () => void,
  ) => void,
): Promise<Switchable> {
  let mode = initialMode;
  const pending = new Set<NodeJS.Timeout>();
  // Answers long after any sane client timeout; the client is expected to have given up by then.
  const holder = (res: http.ServerResponse) => () => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!res.destroyed) res.writeHead(200).end("{}");
    }, slowMs);
    pending.add(timer);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, Buffer.concat(chunks).toString("utf8"), res, mode, holder(res)));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  if (initialMode === "down") await stop();
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    async setMode(next) {
      if (next === mode) return;
      const wasDown = mode === "down";
      mode = next;
      if (next === "down") await stop();
      else if (wasDown) await listen(port);
    },
    async close() {
      if (mode !== "down") await stop();
      mode = "down";
    },
  };
}

/** Answers a verified request according to the failure modes; returns true when it did. */
function answerFailureMode(res: http.ServerResponse, mode: string, hold: () => void): boolean {
  if (mode === "slow") {
    hold();
    return true;
  }
  if (mode === "500") {
    res
      .writeHead(500, { "content-type": "application/json" })
      .end('{"code":"InternalError","message":"boom"}');
    return true;
  }
  return false;
}

function refuse(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ code, message, requestId: randomUUID() }));
}

function headerValue(headers: http.IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === "string" ? value : Array.isArray(value) ? value.join(",") : null;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Options of `startHttpAuditReceiver`. */
export interface HttpAuditReceiverOptions {
  /** `whsec_<base64>` secret the sender signs with. */
  secret: string;
  mode?: ReceiverMode;
  /** Accepted clock skew of `webhook-timestamp`, seconds (spec: 5 minutes). */
  toleranceSeconds?: number;
  /** How long `slow` waits before answering. */
  slowMs?: number;
  /** The receiver's clock; injectable. */
  now?: () => number;
}

/** Verifies a Standard Webhooks delivery; returns null when valid, else the reason. */
export function verifyStandardWebhook(
  secret: string,
  headers: http.IncomingHttpHeaders,
  body: string,
  nowMs: number,
  toleranceSeconds: number,
): string | null {
  const id = headerValue(headers, "webhook-id");
  const timestamp = headerValue(headers, "webhook-timestamp");
  const signatures = headerValue(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) return "missing webhook headers";
  if (!/^\d+$/.test(timestamp)) return "bad timestamp";
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return "timestamp outside tolerance";
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  const match = signatures
    .split(" ")
    .map((part) => part.split(","))
    .some(
      ([version, signature]) => version === "v1" && signature !== undefined && safeEqual(signature, expected),
    );
  return match ? null : "no matching signature";
}

/**
 * Starts an HTTP receiver that accepts CloudEvents (structured mode) signed with Standard Webhooks headers.
 * @example const receiver = await startHttpAuditReceiver({ secret: "whsec_...", mode: "ok" })
 */
export async function startHttpAuditReceiver(options: HttpAuditReceiverOptions): Promise<AuditReceiver> {
  const events: AuditEvent[] = [];
  const requests: ReceivedRequest[] = [];
  const now = options.now ?? Date.now;
  const server = await startSwitchable(
    options.mode ?? "ok",
    options.slowMs ?? 10_000,
    (req, body, res, mode, hold) => {
      const contentType = headerValue(req.headers, "content-type") ?? "";
      let reason = verifyStandardWebhook(
        options.secret,
        req.headers,
        body,
        now(),
        options.toleranceSeconds ?? 300,
      );
      if (reason === null && !/^application\/cloudevents\+json(;|$)/.test(contentType))
        reason = "wrong content type";
      let event: AuditEvent | null = null;
      if (reason === null) {
        try {
          event = JSON.parse(body) as AuditEvent;
        } catch {
          reason = "body is not JSON";
        }
      }
      if (reason === null && event?.id !== headerValue(req.headers, "webhook-id"))
        reason = "webhook-id is not the event id";
      const verified = reason === null && event !== null;
      requests.push({ verified, accepted: verified && mode === "ok", reason, headers: req.headers, body });
      if (!verified || event === null) {
        refuse(res, 401, "Unauthorized", reason ?? "refused");
        return;
      }
      if (answerFailureMode(res, mode, hold)) return;
      events.push(event);
      res.writeHead(204).end();
    },
  );
  return {
    url: `${server.url}/audit`,
    events,
    requests,
    get mode() {
      return server.mode;
    },
    setMode: (mode) => server.setMode(mode),
    close: () => server.close(),
  };
}

/** One access key the EventBridge receiver accepts. */
export interface ReceiverAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, requests with this key must carry it as `x-acs-security-token`. */
  securityToken?: string;
}

/** Options of `startEventBridgeReceiver`. */
export interface EventBridgeReceiverOptions {
  accessKeys: ReceiverAccessKey[];
  /** When set, every event must name this bus in `aliyuneventbusname`. */
  busName?: string;
  /** `reject` answers 200 with `FailedEntryCount: 1`, as EventBridge does for an entry it refuses. */
  mode?: ReceiverMode | "reject";
  slowMs?: number;
  now?: () => number;
}

/** The string the EventBridge SDK signs, rebuilt from what arrived on the wire. */
function serverStringToSign(req: http.IncomingMessage): string {
  const h = req.headers;
  const acs = Object.keys(h)
    .filter((name) => name.startsWith("x-acs-"))
    .sort()
    .map((name) => `${name}:${(headerValue(h, name) ?? "").replace(/[\t\n\r\f]/g, " ").trim()}\n`)
    .join("");
  const url = new URL(req.url ?? "/", "http://receiver");
  const query = [...url.searchParams.keys()].sort().map((k) => `${k}=${url.searchParams.get(k)}`);
  const resource = query.length === 0 ? url.pathname : `${url.pathname}?${query.join("&")}`;
  const lines = [
    req.method ?? "",
    headerValue(h, "content-md5") ?? "",
    headerValue(h, "content-type") ?? "",
    headerValue(h, "date") ?? "",
  ];
  return `${lines.join("\n")}\n${acs}${resource}`;
}

/**
 * Starts an EventBridge-compatible PutEvents endpoint (`POST /openapi/putEvents`) that checks the `acs:` signature,
 * the date, nonce reuse and the STS token, and records the events. Like the real gateway, its signature error
 * echoes the server's string to sign (which holds the security token): the redaction test relies on that.
 */
export async function startEventBridgeReceiver(options: EventBridgeReceiverOptions): Promise<AuditReceiver> {
  const events: AuditEvent[] = [];
  const requests: ReceivedRequest[] = [];
  const nonces = new Set<string>();
  const now = options.now ?? Date.now;
  const server = await startSwitchable(
    options.mode ?? "ok",
    options.slowMs ?? 10_000,
    (req, body, res, mode, hold) => {
      const record = (reason: string | null, verified = false) =>
        requests.push({
          verified,
          accepted: verified && reason === null && mode === "ok",
          reason,
          headers: req.headers,
          body,
        });
      const fail = (status: number, code: string, message: string) => {
        record(`${code}: ${message}`);
        refuse(res, status, code, message);
      };
      if (
        req.method !== "POST" ||
        new URL(req.url ?? "/", "http://receiver").pathname !== "/openapi/putEvents"
      ) {
        return fail(404, "NotFound", "no such API");
      }
      const authorization = headerValue(req.headers, "authorization") ?? "";
      const match = /^acs:([^:]+):(.+)$/.exec(authorization);
      const key = match ? options.accessKeys.find((k) => k.accessKeyId === match[1]) : undefined;
      if (!match || !key) return fail(401, "InvalidAccessKeyId.NotFound", "unknown access key");
      if (headerValue(req.headers, "x-acs-signature-method") !== "HMAC-SHA1")
        return fail(400, "InvalidSignatureMethod", "HMAC-SHA1 only");
      if (headerValue(req.headers, "x-acs-signature-version") !== "1.0")
        return fail(400, "InvalidSignatureVersion", "1.0 only");
      const date = Date.parse(headerValue(req.headers, "date") ?? "");
      if (Number.isNaN(date) || Math.abs(now() - date) > 15 * 60_000)
        return fail(400, "InvalidTimeStamp.Expired", "date too far off");
      const nonce = headerValue(req.headers, "x-acs-signature-nonce") ?? "";
      if (nonce === "" || nonces.has(nonce))
        return fail(400, "SignatureNonceUsed", "nonce missing or reused");
      if (key.securityToken !== undefined) {
        const token = headerValue(req.headers, "x-acs-security-token") ?? "";
        if (!safeEqual(token, key.securityToken))
          return fail(403, "InvalidSecurityToken", "security token mismatch");
        if (headerValue(req.headers, "x-acs-accesskey-id") !== key.accessKeyId)
          return fail(403, "InvalidAccessKeyId", "mismatch");
      }
      const stringToSign = serverStringToSign(req);
      const expected = createHmac("sha1", key.accessKeySecret).update(stringToSign, "utf8").digest("base64");
      if (!safeEqual(match[2] ?? "", expected)) {
        return fail(
          403,
          "SignatureDoesNotMatch",
          `The request signature does not conform. server string to sign is:${stringToSign}`,
        );
      }
      nonces.add(nonce);
      let batch: unknown;
      try {
        batch = JSON.parse(body);
      } catch {
        return fail(400, "InvalidJSON", "body is not JSON");
      }
      if (!Array.isArray(batch) || batch.length === 0)
        return fail(400, "InvalidArgument", "expected a non-empty array");
      for (const entry of batch as Array<Record<string, unknown>>) {
        if (entry.specversion !== "1.0" || typeof entry.id !== "string")
          return fail(400, "InvalidArgument", "not a CloudEvent");
        if (options.busName !== undefined && entry.aliyuneventbusname !== options.busName) {
          return fail(400, "EventBusNotExist", "wrong bus");
        }
      }
      if (mode === "slow" || mode === "500") {
        record(null, true);
        answerFailureMode(res, mode, hold);
        return;
      }
      if (mode === "reject") {
        record("entry rejected", true);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            RequestId: randomUUID(),
            FailedEntryCount: batch.length,
            EntryList: (batch as Array<{ id: string }>).map((e) => ({
              EventId: e.id,
              ErrorCode: "EventBridgeInternalError",
            })),
          }),
        );
        return;
      }
      record(null, true);
      events.push(...(batch as AuditEvent[]));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          RequestId: randomUUID(),
          FailedEntryCount: 0,
          EntryList: (batch as Array<{ id: string }>).map((e) => ({ EventId: e.id, TraceId: randomUUID() })),
        }),
      );
    },
  );
  return {
    url: server.url,
    events,
    requests,
    get mode() {
      return server.mode;
    },
    setMode: (mode) => server.setMode(mode),
    close: () => server.close(),
  };
}
