/**
 * Jira Cloud webhook signatures: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` (WebSub style,
 * docs/interfaces.md). The signature covers the body only, so there is no replay window to check;
 * deduplication relies on the delivery id. The header is read strictly: exactly 64 hex digits after
 * `sha256=`, nothing around them.
 */
import { createHmac } from "node:crypto";
import { matchesAny } from "../constant-time.ts";
import { type AuthCheck, authFailed } from "./auth-check.ts";

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** The `X-Hub-Signature` value Jira sends for `body` signed with `secret`. */
export function signJiraBody(body: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Checks `X-Hub-Signature` over the raw body against every configured secret (rotation). */
export function verifyJiraSignature(
  signatureHeader: string | undefined,
  body: Uint8Array,
  secrets: readonly string[],
): AuthCheck {
  const configured = secrets.filter((secret) => secret !== "");
  if (configured.length === 0) return authFailed("no Jira webhook secret is configured");
  if (signatureHeader === undefined || signatureHeader === "") return authFailed("no X-Hub-Signature header");
  const match = SIGNATURE.exec(signatureHeader);
  if (!match?.[1]) return authFailed("X-Hub-Signature is not sha256=<64 hex digits>");
  const presented = Buffer.from(match[1], "hex");
  const expected = configured.map((secret) => createHmac("sha256", secret).update(body).digest());
  return matchesAny(presented, expected)
    ? { ok: true }
    : authFailed("X-Hub-Signature matches no configured secret");
}
