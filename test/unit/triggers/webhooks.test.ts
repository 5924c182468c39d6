import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyBearerToken } from "#shared/triggers/webhooks/bearer.ts";
import { signJiraBody, verifyJiraSignature } from "#shared/triggers/webhooks/jira-signature.ts";
import {
  decodeStandardWebhookSecret,
  signStandardWebhook,
  verifyStandardWebhook,
} from "#shared/triggers/webhooks/standard-webhooks.ts";

const body = Buffer.from(
  '{"SecurityGroupId":"sg-demo0001","IpProtocol":"tcp","PortRange":"443/443","DestCidrIp":"10.0.0.0/8"}',
);

/** Flips one bit of one byte: the smallest possible tampering. */
function tamper(bytes: Buffer, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe("verifyBearerToken", () => {
  it("accepts any configured token (rotation) and refuses others", () => {
    expect(verifyBearerToken("Bearer old-token", ["old-token", "new-token"])).toEqual({ ok: true });
    expect(verifyBearerToken("Bearer new-token", ["old-token", "new-token"])).toEqual({ ok: true });
    expect(verifyBearerToken("bearer  new-token", ["old-token", "new-token"])).toEqual({ ok: true });
    expect(verifyBearerToken("Bearer new-tokem", ["old-token", "new-token"]).ok).toBe(false);
    expect(verifyBearerToken("Bearer new-token-and-more", ["new-token"]).ok).toBe(false);
    expect(verifyBearerToken("Bearer new", ["new-token"]).ok).toBe(false);
  });

  it("refuses missing, non-bearer and empty configurations, with a reason that holds no secret", () => {
    const cases = [
      verifyBearerToken(undefined, ["s3cr3t-value"]),
      verifyBearerToken("", ["s3cr3t-value"]),
      verifyBearerToken("Basic czNjcjN0LXZhbHVl", ["s3cr3t-value"]),
      verifyBearerToken("Bearer s3cr3t-valu", ["s3cr3t-value"]),
      verifyBearerToken("Bearer s3cr3t-value", []),
      verifyBearerToken("Bearer ", [""]),
    ];
    for (const check of cases) {
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).not.toMatch(/s3cr3t|czNjcjN0/);
    }
  });
});

describe("verifyJiraSignature", () => {
  const header = signJiraBody(body, "second-secret");

  it("computes sha256=<hex HMAC> over the raw body", () => {
    expect(header).toBe(`sha256=${createHmac("sha256", "second-secret").update(body).digest("hex")}`);
  });

  it("accepts a signature made with any configured secret (rotation)", () => {
    expect(verifyJiraSignature(header, body, ["first-secret", "second-secret"])).toEqual({ ok: true });
    expect(
      verifyJiraSignature(header.toUpperCase().replace("SHA256=", "sha256="), body, ["second-secret"]),
    ).toEqual({
      ok: true,
    });
    expect(verifyJiraSignature(header, body, ["first-secret"]).ok).toBe(false);
  });

  it("fails when any single byte of the body is changed", () => {
    for (const index of [0, 10, body.length - 1]) {
      expect(verifyJiraSignature(header, tamper(body, index), ["second-secret"]).ok).toBe(false);
    }
  });

  it("refuses malformed headers", () => {
    for (const bad of [
      undefined,
      "",
      "sha1=abc",
      `${header}00`,
      header.slice(0, -2),
      header.replace("sha256=", ""),
    ]) {
      expect(verifyJiraSignature(bad, body, ["second-secret"]).ok).toBe(false);
    }
  });

  it("decodes strictly: exactly 64 hex digits after sha256=, nothing before or after", () => {
    expect(verifyJiraSignature(header, body, ["second-secret"])).toEqual({ ok: true });
    for (const bad of [
      `${header}!!`,
      `${header}0`,
      header.slice(0, -1),
      `${header} `,
      ` ${header}`,
      `${header}\n`,
      `${header},${header}`,
      header.replace("sha256=", "SHA256="),
      header.replace("sha256=", "sha256= "),
      `sha256=${Buffer.from(header.slice(7), "hex").toString("base64")}`,
    ]) {
      expect(verifyJiraSignature(bad, body, ["second-secret"]), JSON.stringify(bad)).toMatchObject({
        ok: false,
      });
    }
  });
});

describe("Standard Webhooks", () => {
  const secret = `whsec_${Buffer.from("first-standard-secret").toString("base64")}`;
  const rotated = `whsec_${Buffer.from("second-standard-secret").toString("base64")}`;
  const nowMs = 1_736_929_816_345;
  const timestamp = Math.floor(nowMs / 1000);
  const id = "msg_2mYqBkHZ9hO5wQ3nL8vT1xR4pJs";

  function headers(signature: string, ts = timestamp): Record<string, string> {
    return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signature };
  }

  it("matches the reference construction: HMAC-SHA256 of id.timestamp.body with the decoded secret", () => {
    const expected = createHmac("sha256", Buffer.from("first-standard-secret"))
      .update(`${id}.${timestamp}.${body.toString("utf8")}`)
      .digest("base64");
    expect(signStandardWebhook(id, timestamp, body, secret)).toBe(`v1,${expected}`);
  });

  it("reproduces the Standard Webhooks specification's test vector", () => {
    // From standard-webhooks/standard-webhooks libraries' tests (secret, id, timestamp, payload -> signature).
    const vector = signStandardWebhook(
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    expect(vector).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("accepts any listed v1 signature made with any configured secret", () => {
    const good = signStandardWebhook(id, timestamp, body, rotated);
    const other = signStandardWebhook(
      id,
      timestamp,
      body,
      `whsec_${Buffer.from("unknown").toString("base64")}`,
    );
    expect(verifyStandardWebhook(headers(`${other} ${good}`), body, [secret, rotated], 300, nowMs)).toEqual({
      ok: true,
    });
    expect(verifyStandardWebhook(headers(`v1a,abc ${good}`), body, [rotated], 300, nowMs)).toEqual({
      ok: true,
    });
    expect(verifyStandardWebhook(headers(other), body, [secret, rotated], 300, nowMs).ok).toBe(false);
  });

  it("decodes signatures strictly: only the canonical padded Base64 of 32 bytes is read", () => {
    const good = signStandardWebhook(id, timestamp, body, secret);
    const encoded = good.slice("v1,".length);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // 32 bytes leave 2 spare bits in the last digit: flipping one spells the same bytes another way.
    const lastDigit = alphabet.indexOf(encoded.at(-2) ?? "A");
    const spareBits = `${encoded.slice(0, -2)}${alphabet[lastDigit ^ 1]}=`;
    expect(Buffer.from(spareBits, "base64")).toEqual(Buffer.from(encoded, "base64"));
    expect(verifyStandardWebhook(headers(good), body, [secret], 300, nowMs)).toEqual({ ok: true });
    for (const bad of [
      `${good}!!`,
      `${good}=`,
      `v1,${encoded.slice(0, -1)}`,
      `${good}\t`,
      `v1,${spareBits}`,
      `v1,${encoded.replace("=", "")}`,
      `v1,!${encoded}`,
      `v1,${encoded.slice(0, 20)}\n${encoded.slice(20)}`,
      `v1,${encoded}AAAA`,
      `v1, ${encoded}`,
    ]) {
      expect(
        verifyStandardWebhook(headers(bad), body, [secret], 300, nowMs),
        JSON.stringify(bad),
      ).toMatchObject({ ok: false });
    }
    // The URL-safe alphabet is another encoding, not the one the specification names.
    const urlSafe = signStandardWebhook(
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
      secret,
    );
    const urlSafeHeaders = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": urlSafe.replaceAll("+", "-").replaceAll("/", "_"),
    };
    expect(urlSafeHeaders["webhook-signature"]).not.toBe(urlSafe);
    expect(
      verifyStandardWebhook(
        urlSafeHeaders,
        Buffer.from('{"test": 2432232314}'),
        [secret],
        300,
        1614265330_000,
      ).ok,
    ).toBe(false);
    // A malformed entry is skipped, not fatal: a well-formed one beside it still counts.
    expect(verifyStandardWebhook(headers(`${good}!! ${good}`), body, [secret], 300, nowMs)).toEqual({
      ok: true,
    });
  });

  it("fails when one byte of the body, the id or the timestamp changes", () => {
    const signature = signStandardWebhook(id, timestamp, body, secret);
    expect(verifyStandardWebhook(headers(signature), tamper(body, 5), [secret], 300, nowMs).ok).toBe(false);
    expect(
      verifyStandardWebhook({ ...headers(signature), "webhook-id": `${id}x` }, body, [secret], 300, nowMs).ok,
    ).toBe(false);
    expect(verifyStandardWebhook(headers(signature, timestamp - 1), body, [secret], 300, nowMs).ok).toBe(
      false,
    );
  });

  it("refuses stale and future timestamps beyond the tolerance, both ways, and accepts the edge", () => {
    for (const skew of [-300, 0, 300]) {
      const ts = timestamp + skew;
      const check = verifyStandardWebhook(
        headers(signStandardWebhook(id, ts, body, secret), ts),
        body,
        [secret],
        300,
        nowMs,
      );
      expect(check).toEqual({ ok: true });
    }
    for (const skew of [-301, 301, -86_400]) {
      const ts = timestamp + skew;
      const check = verifyStandardWebhook(
        headers(signStandardWebhook(id, ts, body, secret), ts),
        body,
        [secret],
        300,
        nowMs,
      );
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).toMatch(skew < 0 ? /s old/ : /in the future/);
    }
  });

  it("refuses missing headers, non-numeric timestamps and unusable secrets", () => {
    const signature = signStandardWebhook(id, timestamp, body, secret);
    expect(
      verifyStandardWebhook({ "webhook-id": id, "webhook-signature": signature }, body, [secret], 300, nowMs)
        .ok,
    ).toBe(false);
    expect(verifyStandardWebhook(headers(signature, Number.NaN), body, [secret], 300, nowMs).ok).toBe(false);
    expect(verifyStandardWebhook(headers(signature), body, ["whsec_not base64!"], 300, nowMs).ok).toBe(false);
    expect(verifyStandardWebhook(headers(signature), body, [], 300, nowMs).ok).toBe(false);
  });

  it("decodes whsec_ secrets with or without the prefix", () => {
    expect(decodeStandardWebhookSecret(secret)?.toString()).toBe("first-standard-secret");
    expect(decodeStandardWebhookSecret(secret.slice(6))?.toString()).toBe("first-standard-secret");
    expect(decodeStandardWebhookSecret("whsec_")).toBeNull();
    expect(decodeStandardWebhookSecret("whsec_abc")).toBeNull();
  });
});
