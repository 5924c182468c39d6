/**
 * Alibaba Cloud signature V3 (ACS3-HMAC-SHA256), docs/signing.md: the scheme the official TypeScript SDK uses
 * by default, also for RPC products such as ENS. Pure: date and nonce are inputs, so vectors reproduce
 * exactly.
 */
import { createHmac } from "node:crypto";
import { sha256Hex } from "../../domain/sha256.ts";
import type { Credentials } from "../../ports.ts";
import { percentEncode } from "./sign-v1.ts";

/** The only algorithm this module implements. */
export const ACS3_ALGORITHM = "ACS3-HMAC-SHA256";

/** Canonical query string: encoded names and values, sorted by encoded name, `k=v` joined by `&`; empty value -> `k=`. */
export function canonicalizeQueryV3(query: Record<string, string>): string {
  const pairs = Object.entries(query).map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * Canonical headers and the signed-header list: `host`, `content-type` and `x-acs-*`, names lowercased, values
 * trimmed; names that differ only in case are merged with their values sorted and comma-joined (as the SDK does).
 */
export function canonicalizeHeadersV3(headers: Record<string, string>): {
  canonicalHeaders: string;
  signedHeaders: string;
} {
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== "host" && lower !== "content-type" && !lower.startsWith("x-acs-")) continue;
    const list = merged.get(lower) ?? [];
    list.push(value.trim());
    merged.set(lower, list);
  }
  const names = [...merged.keys()].sort();
  const canonicalHeaders = names.map((n) => `${n}:${(merged.get(n) ?? []).sort().join(",")}\n`).join("");
  return { canonicalHeaders, signedHeaders: names.join(";") };
}

/** Input of `signRequestV3`. */
export interface SignV3Input {
  method: "POST" | "GET";
  /** `host[:port]` exactly as sent in the Host header. */
  host: string;
  /** Canonical URI; `/` for RPC APIs such as ENS. */
  path: string;
  query: Record<string, string>;
  /** Extra headers to send (e.g. `accept`, `user-agent`, `content-type`); signed if they are signable. */
  headers: Record<string, string>;
  body: string;
  action: string;
  version: string;
  credentials: Credentials;
  /** UTC ISO 8601 without milliseconds, e.g. `2024-01-01T00:00:00Z`. */
  date: string;
  nonce: string;
}

/** What `signRequestV3` returns: all headers to send (Authorization included) and the signing intermediates. */
export interface SignV3Result {
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/**
 * Signs one request with ACS3-HMAC-SHA256. STS credentials add `x-acs-security-token` and, like the official SDK,
 * `x-acs-accesskey-id`; both are signed.
 * @example signRequestV3({ method: "POST", host: "ens.aliyuncs.com", path: "/", query, headers: {}, body: "",
 *   action: "AuthorizeSecurityGroupEgress", version: "2017-11-10", credentials, date, nonce }).headers.Authorization
 */
export function signRequestV3(input: SignV3Input): SignV3Result {
  const payloadHash = sha256Hex(input.body);
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.host,
    "x-acs-action": input.action,
    "x-acs-version": input.version,
    "x-acs-date": input.date,
    "x-acs-signature-nonce": input.nonce,
    "x-acs-content-sha256": payloadHash,
  };
  const token = input.credentials.securityToken;
  if (token) {
    headers["x-acs-accesskey-id"] = input.credentials.accessKeyId;
    headers["x-acs-security-token"] = token;
  }
  const { canonicalHeaders, signedHeaders } = canonicalizeHeadersV3(headers);
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalizeQueryV3(input.query),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac("sha256", input.credentials.accessKeySecret)
    .update(stringToSign)
    .digest("hex");
  headers.Authorization = `${ACS3_ALGORITHM} Credential=${input.credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { headers, canonicalRequest, stringToSign, signature };
}
