/** How long a nonce stays used, and how far a request time may be from the server's (both 15 minutes). */
export const REPLAY_WINDOW_MS = 15 * 60 * 1000;

/** Remembers signature nonces per access key, so a replayed request is refused with SignatureNonceUsed. */
export interface NonceStore {
  /** Records the nonce; returns false when it was already used and has not expired. */
  use(accessKeyId: string, nonce: string, requestTime: number): boolean;
  clear(): void;
}

/** Creates an empty store. Expired entries are swept when the store grows, so memory stays bounded. */
export function createNonceStore(now: () => number, sweepAbove = 10_000): NonceStore {
  const expiries = new Map<string, number>();
  return {
    use(accessKeyId, nonce, requestTime) {
      const at = now();
      const key = `${accessKeyId}\n${nonce}`;
      const expiry = expiries.get(key);
      if (expiry !== undefined && expiry > at) return false;
      if (expiries.size >= sweepAbove) {
        for (const [k, e] of expiries) if (e <= at) expiries.delete(k);
      }
      // A request stamped in the future stays valid until its own time + 15 min; the nonce must outlive that.
      expiries.set(key, Math.max(at, requestTime) + REPLAY_WINDOW_MS);
      return true;
    },
    clear() {
      expiries.clear();
    },
  };
}
