import { timingSafeEqual } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { constantTimeEqual, matchesAny } from "#shared/triggers/constant-time.ts";
import { verifyBearerToken } from "#shared/triggers/webhooks/bearer.ts";
import { signJiraBody, verifyJiraSignature } from "#shared/triggers/webhooks/jira-signature.ts";
import { signStandardWebhook, verifyStandardWebhook } from "#shared/triggers/webhooks/standard-webhooks.ts";

// A spy, not a fake: the real comparison still runs. This is the one place where module mocking is the only way
// to observe that every credential check goes through crypto.timingSafeEqual, once per configured secret.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const spy = vi.mocked(timingSafeEqual);

beforeEach(() => {
  spy.mockClear();
});

describe("constantTimeEqual", () => {
  it("compares content of any length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual(Buffer.from("abc"), "abc")).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("compares equal-length digests, whatever the input lengths", () => {
    constantTimeEqual("a", "a much longer value");
    const [a, b] = spy.mock.calls[0] ?? [];
    expect((a as Buffer).length).toBe(32);
    expect((b as Buffer).length).toBe(32);
  });
});

describe("every credential check compares against every secret in constant time", () => {
  it("matchesAny does not stop at the first match", () => {
    expect(matchesAny("a", ["a", "b", "c"])).toBe(true);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it("bearer tokens", () => {
    expect(verifyBearerToken("Bearer token-1", ["token-1", "token-2"]).ok).toBe(true);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("Jira signatures", () => {
    const body = Buffer.from("{}");
    expect(verifyJiraSignature(signJiraBody(body, "s2"), body, ["s1", "s2", "s3"]).ok).toBe(true);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it("Standard Webhooks signatures (each listed signature against each secret)", () => {
    const secrets = [
      `whsec_${Buffer.from("k1").toString("base64")}`,
      `whsec_${Buffer.from("k2").toString("base64")}`,
    ];
    const body = Buffer.from("{}");
    const now = 1_700_000_000_000;
    const ts = now / 1000;
    const signature = `${signStandardWebhook("id", ts, body, secrets[0] ?? "")} ${signStandardWebhook("id", ts, body, secrets[1] ?? "")}`;
    const headers = { "webhook-id": "id", "webhook-timestamp": String(ts), "webhook-signature": signature };
    expect(verifyStandardWebhook(headers, body, secrets, 300, now).ok).toBe(true);
    expect(spy).toHaveBeenCalledTimes(4);
  });
});
