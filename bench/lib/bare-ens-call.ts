/**
 * The baseline of every ratio: the ENS calls the product must make, each signed with the product's own V3 signer and
 * sent over a keep-alive agent, with nothing else (no validation, guardrails, retry, audit). Since the product reads
 * a group before it writes to it (docs/policy.md), a request's bare calls are one `DescribeSecurityGroupAttribute`
 * per group it touches, then one `AuthorizeSecurityGroupEgress` per rule. What the function adds on top of those
 * calls is its overhead.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { canonicalizeQueryV3, signRequestV3 } from "#shared/adapters/ens/sign-v3.ts";
import { BENCH_CREDENTIALS } from "./fc-context.ts";
import { type BenchRule, toWireParams } from "./rules.ts";

/** The ENS action that reads a group (what the product calls before it writes). */
export const READ_ACTION = "DescribeSecurityGroupAttribute";
/** The ENS action that writes one rule. */
export const WRITE_ACTION = "AuthorizeSecurityGroupEgress";

/** The answer of one bare call: HTTP status, the ENS Code (null on success) and the parsed body. */
export interface BareAnswer {
  status: number;
  code: string | null;
  body: Record<string, unknown>;
}

/** A bare ENS caller bound to one emulator URL. */
export interface BareEnsCaller {
  /** Sends one signed call of `action`. */
  call(action: string, params: Record<string, string>): Promise<BareAnswer>;
  close(): void;
}

/** Creates a bare caller with its own keep-alive agent. */
export function createBareEnsCaller(ensUrl: string): BareEnsCaller {
  const url = new URL(ensUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const call = (action: string, params: Record<string, string>) =>
    new Promise<BareAnswer>((resolve, reject) => {
      const signed = signRequestV3({
        method: "POST",
        host: url.host,
        path: "/",
        query: params,
        headers: { accept: "application/json" },
        body: "",
        action,
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
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
          const code = typeof body.Code === "string" ? body.Code : null;
          resolve({ status: res.statusCode ?? 0, code, body });
        });
      });
      req.end();
    });
  return { call, close: () => agent.destroy() };
}

/** Which bare calls stand for one request: the read of each group and the writes, or the writes alone. */
export type BareShape = "read-write" | "write";

/**
 * Makes the bare calls of one request, in the product's order: one read per distinct group, then each write, one
 * after another. Resolves with the number of calls that did not succeed (0 when every read answered and every
 * write created its rule).
 */
export async function bareRequest(
  caller: BareEnsCaller,
  rules: readonly BenchRule[],
  shape: BareShape,
): Promise<number> {
  let failures = 0;
  if (shape === "read-write") {
    for (const group of new Set(rules.map((rule) => rule.SecurityGroupId))) {
      const answer = await caller.call(READ_ACTION, { SecurityGroupId: group });
      if (answer.status !== 200) failures++;
    }
  }
  for (const rule of rules) {
    const answer = await caller.call(WRITE_ACTION, toWireParams(rule));
    if (answer.status !== 200) failures++;
  }
  return failures;
}
