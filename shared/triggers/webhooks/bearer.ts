/**
 * `Authorization: Bearer <token>` against a list of tokens (`API_TOKENS`, `SERVICENOW_TOKENS`); the list holds
 * two tokens during a rotation, and every one of them is compared.
 */
import { matchesAny } from "../constant-time.ts";
import { type AuthCheck, authFailed } from "./auth-check.ts";

// Any visible characters: a stricter RFC 6750 b64token check would lock out a configured token that uses others.
const BEARER = /^Bearer +(\S+) *$/i;

/** Checks a bearer token in constant time against every configured token. */
export function verifyBearerToken(authorization: string | undefined, tokens: readonly string[]): AuthCheck {
  const configured = tokens.filter((token) => token !== "");
  if (configured.length === 0) return authFailed("no token is configured for this route");
  if (authorization === undefined || authorization === "") return authFailed("no Authorization header");
  const match = BEARER.exec(authorization);
  if (!match?.[1]) return authFailed("Authorization is not a Bearer token");
  return matchesAny(match[1], configured)
    ? { ok: true }
    : authFailed("the bearer token matches no configured token");
}
