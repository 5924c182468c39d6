import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  composeFcStringToSign,
  fcAuthorization,
  fcContentMd5,
  signFcString,
  verifyFcRequest,
} from "../../../local/fc-server/fc-signature.ts";

const sdkHelper = createRequire(import.meta.url)("@alicloud/fc2/lib/helper.js") as {
  composeStringToSign(
    method: string,
    path: string,
    headers: Record<string, string>,
    queries: unknown,
  ): string;
};

describe("composeFcStringToSign (docs/signing.md vectors)", () => {
  it("reproduces the SDK's official unit vector", () => {
    const text = composeFcStringToSign({
      method: "GET",
      path: "/path/action with-escaped~chars_here.ext",
      headers: {
        "content-md5": "1bca714f406993b309bb87fabeb30a6b",
        "content-type": "text/json",
        date: "today",
        "x-fc-foo": "123",
        "x-fc-bar": "xyz",
        "x-fcdummy": "dummy",
        test: "foo",
      },
      queries: {
        key1: ["xyz", "abc"],
        "key3 with-escaped~chars_here.ext": "value with-escaped~chars_here.ext",
        key2: "123",
        foo: "bar",
      },
    });
    expect(text).toBe(
      "GET\n1bca714f406993b309bb87fabeb30a6b\ntext/json\ntoday\nx-fc-bar:xyz\nx-fc-foo:123\n" +
        "/path/action with-escaped~chars_here.ext\nfoo=bar\nkey1=abc\nkey1=xyz\nkey2=123\n" +
        "key3 with-escaped~chars_here.ext=value with-escaped~chars_here.ext",
    );
    expect(signFcString(text, "secret")).toBe("NTyPaXYf3Ov7dlYqr1J/oZCZQgkW8MAzld+kR80NMRs=");
  });

  it("reproduces the invoke example: content-md5 and Authorization", () => {
    const body = Buffer.from('{"a":1}');
    const md5 = fcContentMd5(body);
    expect(md5).toBe("YmI2Y2I1YzY4ZGY0NjUyOTQxY2FmNjUyYTM2NmYyZDg=");
    const authorization = fcAuthorization("testid", "testsecret", {
      method: "POST",
      path: "/2016-08-15/services/svc/functions/fn/invocations",
      headers: {
        "content-md5": md5,
        "content-type": "application/octet-stream",
        date: "Mon, 01 Jan 2024 00:00:00 GMT",
        "x-fc-account-id": "123456",
        "x-fc-invocation-type": "Async",
      },
    });
    expect(authorization).toBe("FC testid:O1oJ5cmpqBa38FNcG9CufeNKZNn7reuh/3PiDr1FI9k=");
  });

  it("agrees with the SDK's own helper on random headers", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            name,
            name.map((n) => `x-fc-${n}`),
          ),
          fc.stringMatching(/^[ -~]{0,20}$/),
        ),
        fc.constantFrom("GET", "POST", "PUT"),
        fc.stringMatching(/^\/[a-z0-9/._-]{0,30}$/),
        (headers, method, path) => {
          const all = { date: "Mon, 01 Jan 2024 00:00:00 GMT", ...headers };
          expect(composeFcStringToSign({ method, path, headers: all })).toBe(
            sdkHelper.composeStringToSign(method, path, all, null),
          );
        },
      ),
    );
  });
});

describe("verifyFcRequest", () => {
  const key = {
    accessKeyId: "local-fc-ak",
    accessKeySecret: "local-fc-secret",
    accountId: "1234567890123456",
  };
  const now = Date.parse("2024-01-01T00:00:00Z");
  const path = "/2016-08-15/services/ens-egress/functions/queue-worker/invocations";

  function signed(overrides: { secret?: string; id?: string; date?: string; body?: Buffer } = {}) {
    const body = overrides.body ?? Buffer.from('{"SecurityGroupId":"sg-demo0001"}');
    const headers: Record<string, string> = {
      "content-md5": fcContentMd5(body),
      "content-type": "application/octet-stream",
      date: overrides.date ?? new Date(now).toUTCString(),
      "x-fc-account-id": key.accountId,
      "x-fc-invocation-type": "Sync",
    };
    headers.authorization = fcAuthorization(
      overrides.id ?? key.accessKeyId,
      overrides.secret ?? key.accessKeySecret,
      {
        method: "POST",
        path,
        headers,
      },
    );
    return { method: "POST", path, headers, body };
  }

  it("accepts a request signed with the configured key", () => {
    expect(verifyFcRequest(signed(), { ...key, now })).toEqual({ ok: true });
  });

  it("refuses a wrong secret with 403 SignatureNotMatch", () => {
    expect(verifyFcRequest(signed({ secret: "wrong" }), { ...key, now })).toMatchObject({
      ok: false,
      status: 403,
      code: "SignatureNotMatch",
    });
  });

  it("refuses an unknown key id with 403 InvalidAccessKeyID", () => {
    expect(verifyFcRequest(signed({ id: "other-ak" }), { ...key, now })).toMatchObject({
      status: 403,
      code: "InvalidAccessKeyID",
    });
  });

  it("refuses a tampered body even though the signature itself is intact", () => {
    const request = { ...signed(), body: Buffer.from('{"SecurityGroupId":"sg-evil0001"}') };
    expect(verifyFcRequest(request, { ...key, now })).toMatchObject({
      status: 403,
      code: "SignatureNotMatch",
    });
  });

  it("refuses a tampered x-fc- header", () => {
    const request = signed();
    const tampered = { ...request, headers: { ...request.headers, "x-fc-invocation-type": "Async" } };
    expect(verifyFcRequest(tampered, { ...key, now })).toMatchObject({
      status: 403,
      code: "SignatureNotMatch",
    });
  });

  it("refuses a date more than 15 minutes away, and accepts one just inside", () => {
    const stale = signed({ date: new Date(now - 16 * 60_000).toUTCString() });
    expect(verifyFcRequest(stale, { ...key, now })).toMatchObject({
      status: 403,
      code: "RequestTimeTooSkewed",
    });
    const recent = signed({ date: new Date(now - 14 * 60_000).toUTCString() });
    expect(verifyFcRequest(recent, { ...key, now })).toEqual({ ok: true });
  });

  it("refuses another account id", () => {
    expect(verifyFcRequest(signed(), { ...key, accountId: "999", now })).toMatchObject({
      status: 403,
      code: "AccessDenied",
    });
  });

  it("names a missing header", () => {
    const { authorization: _, ...headers } = signed().headers;
    expect(verifyFcRequest({ ...signed(), headers }, { ...key, now })).toMatchObject({
      status: 400,
      code: "MissingRequiredHeader",
      message: "required HTTP header authorization was not specified",
    });
  });

  it("refuses any single-character change to the signature", () => {
    const request = signed();
    const authorization = request.headers.authorization ?? "";
    const start = authorization.indexOf(":") + 1;
    fc.assert(
      fc.property(
        fc.integer({ min: start, max: authorization.length - 2 }),
        fc.constantFrom("A", "z", "0", "+"),
        (at, ch) => {
          fc.pre(authorization[at] !== ch);
          const changed = `${authorization.slice(0, at)}${ch}${authorization.slice(at + 1)}`;
          const verdict = verifyFcRequest(
            { ...request, headers: { ...request.headers, authorization: changed } },
            { ...key, now },
          );
          expect(verdict.ok).toBe(false);
        },
      ),
    );
  });
});
