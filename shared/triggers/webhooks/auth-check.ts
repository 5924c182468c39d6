/** The verdict of one authentication check; `reason` is for logs only (no secrets) and never reaches the caller. */
export type AuthCheck = { ok: true } | { ok: false; reason: string };

/** A failed check with a reason for the logs. */
export function authFailed(reason: string): AuthCheck {
  return { ok: false, reason };
}
