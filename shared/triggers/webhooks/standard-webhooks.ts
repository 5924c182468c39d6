/**
 * Standard Webhooks (symmetric `v1`, docs/interfaces.md): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the Base64-decoded part of a `whsec_` secret;
 * `webhook-signature` is a space-separated list of `v1,<base64>`, and any one match passes. The timestamp
 * must lie within the tolerance in both directions. Signatures are decoded strictly: Node's Base64 decoder
 * skips characters it does not know, so `v1,<sig>!!` would otherwise pass as `<sig>`; only the one canonical
 * spelling of a 32-byte value is read.
 */
import { createHmac } from "node:crypto";
import { matchesAny } from "../constant-time.ts";
import { type AuthCheck, authFailed } from "./auth-check.ts";

const TIMESTAMP = /^\d{1,12}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// A sender lists one signature per active secret; more than this is not a rotation but an attempt to burn CPU.
const MAX_SIGNATURES = 16;

/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional); null when it is not valid Base64. */
export function decodeStandardWebhookSecret(secret: string): Buffer | null {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (encoded.length === 0 || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return null;
  return Buffer.from(encoded, "base64");
}

/** HMAC-SHA256 is 32 bytes: 43 Base64 digits and one `=`. */
const SIGNATURE_BYTES = 32;

/** The bytes of one signature, or null unless it is the canonical padded Base64 of a 32-byte value. */
function decodeSignature(encoded: string): Buffer | null {
  const bytes = Buffer.from(encoded, "base64");
  return bytes.length === SIGNATURE_BYTES && bytes.toString("base64") === encoded ? bytes : null;
}

function hmac(key: Buffer, id: string, timestamp: string, body: Uint8Array | string): Buffer {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `webhook-signature` entry (`v1,<base64>`) a Standard Webhooks sender computes. */
export function signStandardWebhook(
  id: string,
  timestampSeconds: number,
  body: Uint8Array | string,
  secret: string,
): string {
  const key = decodeStandardWebhookSecret(secret);
  if (key === null) throw new TypeError("the Standard Webhooks secret is not whsec_<base64>");
  return `v1,${hmac(key, id, String(timestampSeconds), body).toString("base64")}`;
}

/** Checks the three `webhook-*` headers against every configured secret; `nowMs` is the receiver's clock. */
export function verifyStandardWebhook(
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  secrets: readonly string[],
  toleranceSeconds: number,
  nowMs: number,
): AuthCheck {
  const keys = secrets.map(decodeStandardWebhookSecret).filter((key): key is Buffer => key !== null);
  if (keys.length === 0) return authFailed("no usable Standard Webhooks secret is configured");
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signature = headers["webhook-signature"];
  if (!id || !timestamp || !signature)
    return authFailed("a webhook-id, webhook-timestamp or webhook-signature header is missing");
  if (!TIMESTAMP.test(timestamp)) return authFailed("webhook-timestamp is not whole seconds");
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  if (Math.abs(skew) > toleranceSeconds) {
    return authFailed(`webhook-timestamp is ${skew > 0 ? `${skew} s old` : `${-skew} s in the future`}`);
  }
  const presented = signature
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .slice(0, MAX_SIGNATURES)
    .map((entry) => decodeSignature(entry.slice(3)))
    .filter((bytes): bytes is Buffer => bytes !== null);
  if (presented.length === 0) return authFailed("webhook-signature holds no well-formed v1 signature");
  const expected = keys.map((key) => hmac(key, id, timestamp, body));
  let matched = false;
  for (const candidate of presented) {
    const equal = matchesAny(candidate, expected);
    matched = matched || equal;
  }
  return matched ? { ok: true } : authFailed("webhook-signature matches no configured secret");
}
