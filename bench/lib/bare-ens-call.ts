/**
 * The baseline of every ratio: one AuthorizeSecurityGroupEgress signed with the product's own V3 signer and sent
 * over a keep-alive agent, with nothing else (no validation, guardrails, retry, audit). What the function adds
 * on top of this is its overhead.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { canonicalizeQueryV3, signRequestV3 } from "../../shared/adapters/ens/sign-v3.ts";
import { BENCH_CREDENTIALS } from "./fc-context.ts";

/** A bare ENS caller bound to one emulator URL. */
export interface BareEnsCaller {
  /** Sends one signed call; resolves with the HTTP status and the ENS Code (null on success). */
  call(params: Record<string, string>): Promise<{ status: number; code: string | null }>;
  close(): void;
}

/** Creates a bare caller with its own keep-alive agent (one socket is enough: calls are sequential). */
export function createBareEnsCaller(ensUrl: string): BareEnsCaller {
  const url = new URL(ensUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const call = (params: Record<string, string>) =>
    new Promise<{ status: number; code: string | null }>((resolve, reject) => {
      const signed = signRequestV3({
        method: "POST",
        host: url.host,
        path: "/",
        query: params,
        headers: { accept: "application/json" },
        body: "",
        action: "AuthorizeSecurityGroupEgress",
        version: "2017-11-10",
        credentials: BENCH_CREDENTIALS,
        date: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        nonce: randomUUID(),
      });
      const req = request({
        hostname: url.hostname,
        port: url.port,
        path: `/?${canonicalizeQueryV3(params)}`,
        method: "POST",
        headers: { ...signed.headers, "content-length": "0" },
        agent,
      });
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Code?: string };
          resolve({ status: res.statusCode ?? 0, code: body.Code ?? null });
        });
      });
      req.end();
    });
  return { call, close: () => agent.destroy() };
}
