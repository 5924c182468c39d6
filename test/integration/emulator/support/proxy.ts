/**
 * A loopback proxy between an official SDK client and the emulator. It records each request exactly as the
 * client sent it and can change it on the way, which is how the tests tamper with a real client's signed
 * request or replay it byte for byte.
 */
import { createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as it left the client. */
export interface CapturedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the emulator answered. */
export interface RawAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends a request to `target` and reads the JSON answer. */
export function send(target: string, req: CapturedRequest): Promise<RawAnswer> {
  const headers: IncomingHttpHeaders = { ...req.headers, "content-length": String(req.body.length) };
  delete headers.connection;
  return new Promise((resolve, reject) => {
    const outgoing = request(`${target}${req.url}`, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
      });
      res.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(req.body);
  });
}

/** A running proxy: its URL, what it saw, and how to stop it. */
export interface TamperingProxy {
  url: string;
  captured: CapturedRequest[];
  close(): Promise<void>;
}

/** Starts a proxy to `target`; `mutate` may rewrite each request before it is forwarded. */
export async function startProxy(
  target: string,
  mutate: (req: CapturedRequest) => CapturedRequest = (req) => req,
): Promise<TamperingProxy> {
  const captured: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const original: CapturedRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      captured.push(original);
      send(target, mutate(original)).then(
        (answer) => {
          res.writeHead(answer.status, { "content-type": "application/json" });
          res.end(JSON.stringify(answer.body));
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    captured,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Replaces one query parameter's value in a captured URL, leaving the signature as the client computed it. */
export function withQueryParam(url: string, name: string, value: string): string {
  const [path, query = ""] = url.split("?", 2);
  const params = new URLSearchParams(query);
  params.set(name, value);
  return `${path}?${params.toString()}`;
}
