import { describe, expect, it } from "vitest";
import { createLogger } from "#shared/adapters/logger.ts";
import { isSensitiveKey, REDACTED, redact } from "#shared/adapters/redaction.ts";

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    now: () => Date.parse("2025-01-02T03:04:05.678Z"),
    ...options,
    write: (l) => lines.push(l),
  });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, parsed };
}

describe("createLogger", () => {
  it("writes one JSON line per call with time, level and message first", () => {
    const { logger, lines, parsed } = capture({ base: { fn: "http-intake" } });
    logger.info("rule created", { auditId: "a-1" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(Object.keys(parsed()[0] ?? {})).toEqual(["time", "level", "message", "fn", "auditId"]);
    expect(parsed()[0]).toEqual({
      time: "2025-01-02T03:04:05.678Z",
      level: "info",
      message: "rule created",
      fn: "http-intake",
      auditId: "a-1",
    });
  });

  it("drops lines below the level", () => {
    const { logger, parsed } = capture({ level: "warn" });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(parsed().map((l) => l.level)).toEqual(["warn", "error"]);
  });

  it("child() merges fields into every later line and leaves the parent alone", () => {
    const { logger, parsed } = capture();
    const child = logger.child({ fcRequestId: "r-1" }).child({ correlationId: "SEC-1" });
    child.info("in child", { n: 1 });
    logger.info("in parent");
    expect(parsed()[0]).toMatchObject({ fcRequestId: "r-1", correlationId: "SEC-1", n: 1 });
    expect(parsed()[1]).not.toHaveProperty("fcRequestId");
  });

  it("does not let a field overwrite time, level or message", () => {
    const { logger, parsed } = capture();
    logger.warn("real", { level: "debug", message: "fake", time: "yesterday" });
    expect(parsed()[0]).toMatchObject({ level: "warn", message: "real", time: "2025-01-02T03:04:05.678Z" });
  });

  it("prints errors with code and cause, survives cycles, bigint and bytes", () => {
    const { logger, parsed } = capture();
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = Object.assign(new Error("sink failed", { cause }), { code: "AuditSinkNetworkError" });
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    logger.error("boom", { error, cyclic, big: 10n, body: Buffer.from("secret bytes") });
    const line = parsed()[0] as {
      error: { cause: unknown };
      cyclic: { self: unknown };
      big: unknown;
      body: unknown;
    };
    expect(line.error).toMatchObject({
      name: "Error",
      message: "sink failed",
      code: "AuditSinkNetworkError",
    });
    expect(line.error.cause).toMatchObject({ message: "socket hang up", code: "ECONNRESET" });
    expect(line.cyclic.self).toBe("[Circular]");
    expect(line.big).toBe("10");
    expect(line.body).toBe("[12 bytes]");
  });

  it("prints URLs, Sets and Maps by their content, and redacts inside them", () => {
    const { logger, parsed } = capture({ secrets: ["s3cr3t-value"] });
    logger.info("shapes", {
      url: new URL("https://audit.example.com/in?key=s3cr3t-value"),
      set: new Set(["a", "s3cr3t-value"]),
      map: new Map([["k", "s3cr3t-value"]]),
    });
    expect(parsed()[0]).toMatchObject({
      url: "https://audit.example.com/in?key=[REDACTED]",
      set: ["a", "[REDACTED]"],
      map: { k: "[REDACTED]" },
    });
  });

  it("keeps a __proto__ field as data, never as a prototype", () => {
    const { logger, lines } = capture();
    logger.info("odd", JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(lines[0]).toContain('"__proto__":{"polluted":true}');
  });

  it("keeps every line JSON with its field names, whatever the secrets", () => {
    const { logger, lines } = capture({ secrets: ["t", "e", "1", "null", '"', "{", "level", "message"] });
    logger.info("rule created", { auditId: "a-1", attempts: 1, ok: true, none: null, nested: { type: "x" } });
    const line = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      "time",
      "level",
      "message",
      "auditId",
      "attempts",
      "ok",
      "none",
      "nested",
    ]);
    expect(line).toMatchObject({ attempts: 1, ok: true, none: null });
    expect(Object.keys(line.nested as object)).toEqual(["type"]);
  });

  it("withSecrets() adds secrets for the new logger only", () => {
    const { logger, lines } = capture({ secrets: ["cfg-token-123"] });
    const scoped = logger.withSecrets(["sts-secret-456"]).child({ fcRequestId: "r" });
    scoped.info("both cfg-token-123 sts-secret-456");
    logger.info("parent sts-secret-456 cfg-token-123");
    expect(lines[0]).not.toContain("cfg-token-123");
    expect(lines[0]).not.toContain("sts-secret-456");
    expect(lines[1]).not.toContain("cfg-token-123");
    expect(lines[1]).toContain("sts-secret-456");
  });
});

describe("redact", () => {
  it("masks values under sensitive keys, whatever their spelling", () => {
    const out = redact(
      {
        Authorization: "Bearer abc",
        headers: { "x-acs-security-token": "t", "webhook-signature": "v1,xyz", cookie: "c" },
        accessKeySecret: "s",
        ACCESS_KEY_SECRET: "s2",
        apiTokens: ["a", "b"],
        password: 42,
        signatureValid: true,
        clientSecret: null,
        accessKeyId: "LTAI-visible",
        ticketId: "SEC-1",
      },
      [],
    ) as Record<string, unknown>;
    expect(out.Authorization).toBe(REDACTED);
    expect(out.headers).toEqual({
      "x-acs-security-token": REDACTED,
      "webhook-signature": REDACTED,
      cookie: REDACTED,
    });
    expect(out.accessKeySecret).toBe(REDACTED);
    expect(out.ACCESS_KEY_SECRET).toBe(REDACTED);
    // Every string under a sensitive key goes, one by one; numbers, booleans and null keep their type.
    expect(out.apiTokens).toEqual([REDACTED, REDACTED]);
    expect(out.password).toBe(42);
    expect(out.signatureValid).toBe(true);
    expect(out.clientSecret).toBeNull();
    expect(out.accessKeyId).toBe("LTAI-visible");
    expect(out.ticketId).toBe("SEC-1");
  });

  it("replaces known secrets inside any string, URL-encoded too, longest first", () => {
    const out = redact(
      { note: "token=abc/def+ghi and abc%2Fdef%2Bghi and abc/def+ghi-longer", list: ["x abc/def+ghi y"] },
      ["abc/def+ghi", "abc/def+ghi-longer"],
    );
    expect(JSON.stringify(out)).not.toMatch(/abc/);
  });

  it("masks secret-shaped text without being told the secret", () => {
    const text = [
      "Authorization: Bearer eyJhbGciOi.J9.abc",
      "key whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      "authorization: acs:LTAI5t:Wq3Zx9Yb8cD7eF6gH5iJ4kL3mN2=",
      "ACS3-HMAC-SHA256 Credential=LTAI5t,SignedHeaders=host,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d8",
      "?Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D&SecurityToken=CAISabc&Timestamp=x",
      "x-hub-signature: sha256=3f2c1b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b",
      "x-acs-security-token:CAIS8gF1q6Ft5B2yfSjIr5bgLvTUsqVj0I6hOW7wgkMTFdG",
    ].join("\n");
    const out = redact(text, []) as string;
    for (const leaked of [
      "eyJhbGciOi",
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "g0hM9SsE",
      "Wq3Zx9Yb8cD7eF6gH5iJ4kL3mN2",
      "06563a9e1b43",
      "OLeaidS1Jv",
      "CAISabc",
      "3f2c1b0a9e8d",
      "CAIS8gF1q6Ft5B2",
    ]) {
      expect(out).not.toContain(leaked);
    }
    // What is not secret stays readable.
    expect(out).toContain("Credential=LTAI5t");
    expect(out).toContain("Timestamp=x");
    expect(redact("sent acs:LTAI5t:Wq3Zx9Yb8cD7eF6gH5iJ4kL3mN2=", [])).toBe("sent acs:LTAI5t:[REDACTED]");
  });

  it("leaves ordinary audit text alone", () => {
    const ordinary = [
      "acs:fc:cn-hangzhou:1234567890:services/ens-egress/functions/http-intake",
      "Basic checks failed; see SEC-1234",
      "Bearer of bad news",
      'PortRange: for IpProtocol "icmp" it must be "-1/-1"',
      "SignatureDoesNotMatch",
      "sg-5p1fg655nh68xyz 10.0.0.0/8 tcp 443/443",
    ];
    for (const text of ordinary) expect(redact(text, [])).toBe(text);
  });

  it("classifies key names", () => {
    for (const key of [
      "authorization",
      "x-hub-signature",
      "AUDIT_HTTP_SECRET",
      "securityToken",
      "set-cookie",
    ]) {
      expect(isSensitiveKey(key)).toBe(true);
    }
    for (const key of [
      "ticketId",
      "errorCode",
      "ensRequestIds",
      "tokenCount",
      "accessKeyId",
      "secretsConfigured",
    ]) {
      expect(isSensitiveKey(key)).toBe(false);
    }
  });
});
