import { describe, expect, it } from "vitest";
import { AccessKeySpecError, parseAccessKeys } from "../../../local/ens-emulator/access-keys.ts";
import { createNonceStore } from "../../../local/ens-emulator/nonce-store.ts";

describe("parseAccessKeys", () => {
  it("parses id:secret and id:secret:token entries, comma-separated", () => {
    expect(parseAccessKeys("local-ak:local-secret, sts:s2:tok:with:colons ,")).toEqual([
      { id: "local-ak", secret: "local-secret" },
      { id: "sts", secret: "s2", securityToken: "tok:with:colons" },
    ]);
  });

  it.each(["", " , ", "only-id", ":secret", "id:", "id::", "id:secret:"])("refuses %j", (spec) => {
    expect(() => parseAccessKeys(spec)).toThrow(AccessKeySpecError);
  });

  it("never puts a secret in its error message", () => {
    expect(() => parseAccessKeys("good:s3cr3t-value,bad")).toThrow(/entry 2/);
    let thrown: unknown;
    try {
      parseAccessKeys("id:s3cr3t-value:");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AccessKeySpecError);
    expect(String(thrown)).not.toContain("s3cr3t-value");
  });
});

describe("nonce store", () => {
  it("refuses a nonce reused within 15 minutes, per access key, and forgets it after", () => {
    let now = 1_000_000;
    const store = createNonceStore(() => now);
    expect(store.use("ak", "n1", now)).toBe(true);
    expect(store.use("ak", "n1", now)).toBe(false);
    expect(store.use("other", "n1", now)).toBe(true);
    now += 15 * 60 * 1000 - 1;
    expect(store.use("ak", "n1", now)).toBe(false);
    now += 2;
    expect(store.use("ak", "n1", now)).toBe(true);
  });

  it("keeps a nonce stamped in the future until its own time plus 15 minutes", () => {
    let now = 0;
    const store = createNonceStore(() => now);
    expect(store.use("ak", "n", 10 * 60 * 1000)).toBe(true);
    now = 20 * 60 * 1000;
    expect(store.use("ak", "n", now)).toBe(false);
  });

  it("sweeps expired nonces when it grows, without losing live ones", () => {
    let now = 0;
    const store = createNonceStore(() => now, 3);
    store.use("ak", "a", now);
    store.use("ak", "b", now);
    now = 16 * 60 * 1000;
    store.use("ak", "c", now);
    store.use("ak", "d", now);
    expect(store.use("ak", "c", now)).toBe(false);
    expect(store.use("ak", "a", now)).toBe(true);
  });
});
