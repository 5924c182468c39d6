/**
 * Alibaba Cloud RPC signature V1 (HMAC-SHA1, `SignatureVersion=1.0`; the SDK calls it "v2"), docs/signing.md.
 * Pure: the caller supplies timestamp and nonce, so official vectors can be reproduced exactly.
 */
import { createHmac } from "node:crypto";
import type { Credentials } from "../../ports.ts";

/**
 * Percent-encodes a string the way Alibaba Cloud signs it: RFC 3986 unreserved characters stay, everything else
 * becomes `%XX` with uppercase hex (space is `%20`, `*` is `%2A`, `~` stays).
 * @example percentEncode("10.0.0.0/8") // "10.0.0.0%2F8"
 */
export function percentEncode(s: string): string {
  // encodeURIComponent leaves !'()* alone; the gateway requires them encoded (the SDK's exact approach).
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Builds the canonicalized query string: encoded `name=value` pairs sorted by encoded name, joined by `&`. */
export function canonicalizeRpcParams(params: Record<string, string>): string {
  const pairs = Object.entries(params).map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  // Byte order of the encoded names; encoded names are ASCII, so a plain comparison is byte order.
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** Computes the V1 string to sign and its HMAC-SHA1 signature over every parameter except `Signature`. */
export function computeRpcSignature(
  params: Record<string, string>,
  method: string,
  accessKeySecret: string,
): { stringToSign: string; signature: string; canonicalQuery: string } {
  const canonicalQuery = canonicalizeRpcParams(params);
  const stringToSign = `${method}&${percentEncode("/")}&${percentEncode(canonicalQuery)}`;
  const signature = createHmac("sha1", `${accessKeySecret}&`).update(stringToSign).digest("base64");
  return { stringToSign, signature, canonicalQuery };
}

/** Input of `signRequestV1`: business parameters plus what the common parameters are built from. */
export interface SignV1Input {
  method: "POST" | "GET";
  /** Business parameters (e.g. the seven ENS rule fields). */
  params: Record<string, string>;
  action: string;
  version: string;
  credentials: Credentials;
  /** UTC ISO 8601 without milliseconds, e.g. `2024-01-01T00:00:00Z`. */
  timestamp: string;
  nonce: string;
  /** `JSON` unless stated; the official vector uses `XML`. */
  format?: string;
}

/**
 * Signs an RPC request with signature V1: returns every query parameter to send (common + business +
 * `Signature`), the string to sign and the URL query string ready to append after `?`.
 */
export function signRequestV1(input: SignV1Input): {
  query: Record<string, string>;
  stringToSign: string;
  queryString: string;
} {
  const signed: Record<string, string> = {
    ...input.params,
    AccessKeyId: input.credentials.accessKeyId,
    Action: input.action,
    Format: input.format ?? "JSON",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: input.nonce,
    SignatureVersion: "1.0",
    Timestamp: input.timestamp,
    Version: input.version,
  };
  if (input.credentials.securityToken) signed.SecurityToken = input.credentials.securityToken;
  const { stringToSign, signature, canonicalQuery } = computeRpcSignature(
    signed,
    input.method,
    input.credentials.accessKeySecret,
  );
  return {
    query: { ...signed, Signature: signature },
    stringToSign,
    queryString: `${canonicalQuery}&Signature=${percentEncode(signature)}`,
  };
}
