import { createHash, createHmac } from "node:crypto";
import { canonicalQuery, type ParamPair } from "./encoding.ts";

/** The only V3 algorithm the emulator verifies (the SDK default). */
export const V3_ALGORITHM = "ACS3-HMAC-SHA256";

/** The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...` header. */
export interface V3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses a V3 Authorization header; returns null when it does not have the documented shape. */
export function parseV3Authorization(header: string): V3Authorization | null {
  const match = /^(\S+)\s+(.*)$/.exec(header.trim());
  if (!match) return null;
  const fields = new Map<string, string>();
  for (const part of (match[2] ?? "").split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || !signedHeaders || !signature) return null;
  return {
    algorithm: match[1] ?? "",
    accessKeyId,
    signedHeaders: signedHeaders.split(";").map((name) => name.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/** Hex SHA-256, as used for the payload hash and the canonical-request hash. */
export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** What the server needs to rebuild a V3 canonical request. */
export interface V3CanonicalInput {
  method: string;
  /** Always `/` for RPC APIs. */
  path: string;
  queryPairs: readonly ParamPair[];
  /** Header values by lowercase name; several values of one name are merged the SDK's way. */
  headerValues: (name: string) => string[];
  signedHeaders: readonly string[];
  hashedPayload: string;
}

/**
 * Rebuilds the canonical request: method, URI, sorted query, `name:value\n` per signed header, the signed
 * header list and the payload hash, joined by `\n`.
 */
export function canonicalRequestV3(input: V3CanonicalInput): string {
  const headerLines = input.signedHeaders
    .map((name) => {
      const values = input
        .headerValues(name)
        .map((value) => value.trim())
        .sort();
      return `${name}:${values.join(",")}\n`;
    })
    .join("");
  return [
    input.method.toUpperCase(),
    input.path,
    canonicalQuery(input.queryPairs),
    headerLines,
    input.signedHeaders.join(";"),
    input.hashedPayload,
  ].join("\n");
}

/** Computes the hex V3 signature of a canonical request; unlike V1, the key is the bare secret. */
export function signV3(canonicalRequest: string, accessKeySecret: string): string {
  const stringToSign = `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac("sha256", accessKeySecret).update(stringToSign, "utf8").digest("hex");
}
