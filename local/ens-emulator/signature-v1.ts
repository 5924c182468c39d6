import { createHmac } from "node:crypto";
import { canonicalQuery, type ParamPair, percentEncode } from "./encoding.ts";

/**
 * Builds the V1 (HMAC-SHA1, `SignatureVersion=1.0`) string to sign from every parameter except `Signature`.
 * @example stringToSignV1("GET", [["Action", "DescribeRegions"]]) // "GET&%2F&Action%3DDescribeRegions"
 */
export function stringToSignV1(method: string, pairs: readonly ParamPair[]): string {
  const signed = pairs.filter(([name]) => name !== "Signature");
  return `${method.toUpperCase()}&${percentEncode("/")}&${percentEncode(canonicalQuery(signed))}`;
}

/** Computes the Base64 V1 signature; the HMAC key is the secret followed by `&` (no token secret in RPC). */
export function signV1(stringToSign: string, accessKeySecret: string): string {
  return createHmac("sha1", `${accessKeySecret}&`).update(stringToSign, "utf8").digest("base64");
}
