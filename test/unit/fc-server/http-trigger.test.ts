import { describe, expect, it } from "vitest";
import {
  canonicalHeaderName,
  fromFc3HttpResult,
  isTextBody,
  type TriggerRequest,
  toFc3HttpEvent,
} from "../../../local/fc-server/http-trigger.ts";

const meta = {
  requestId: "1-6b0c54c2-1acea9a9-e7cee5335ecf",
  accountId: "1234567890123456",
  now: new Date(1730965976961),
};

function request(overrides: Partial<TriggerRequest> = {}): TriggerRequest {
  return {
    method: "POST",
    url: "/rules",
    httpVersion: "1.1",
    headers: { host: ["127.0.0.1:9000"], "content-type": ["application/json"], "user-agent": ["curl/8.5.0"] },
    sourceIp: "127.0.0.1",
    body: Buffer.from('{"SecurityGroupId":"sg-demo0001"}'),
    ...overrides,
  };
}

describe("toFc3HttpEvent (docs/fc-conventions.md)", () => {
  it("builds every field of the FC 3.0 event", () => {
    expect(toFc3HttpEvent(request(), meta)).toEqual({
      version: "v1",
      rawPath: "/rules",
      headers: { Host: "127.0.0.1:9000", "Content-Type": "application/json", "User-Agent": "curl/8.5.0" },
      queryParameters: {},
      body: '{"SecurityGroupId":"sg-demo0001"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: "1234567890123456",
        domainName: "127.0.0.1",
        domainPrefix: "127",
        http: {
          method: "POST",
          path: "/rules",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "curl/8.5.0",
        },
        requestId: meta.requestId,
        time: "2024-11-07T07:52:56Z",
        timeEpoch: "1730965976961",
      },
    });
  });

  it("comma-joins repeated headers and query parameters, keeps rawPath encoded and decodes path", () => {
    const event = toFc3HttpEvent(
      request({
        url: "/a%20b/c?x=1&x=2&y=%2F",
        headers: { "x-hub-signature": ["sha256=aa", "sha256=bb"] },
      }),
      meta,
    );
    expect(event.rawPath).toBe("/a%20b/c");
    expect(event.requestContext.http.path).toBe("/a b/c");
    expect(event.queryParameters).toEqual({ x: "1,2", y: "/" });
    expect(event.headers).toEqual({ "X-Hub-Signature": "sha256=aa,sha256=bb" });
  });

  it("sends a binary body as Base64 and text as text", () => {
    const binary = toFc3HttpEvent(
      request({ headers: { "content-type": ["application/octet-stream"] }, body: Buffer.from([0, 255, 1]) }),
      meta,
    );
    expect(binary).toMatchObject({ isBase64Encoded: true, body: "AP8B" });
    const gzip = toFc3HttpEvent(
      request({
        headers: { "content-type": ["application/json"], "content-encoding": ["gzip"] },
        body: Buffer.from("{}"),
      }),
      meta,
    );
    expect(gzip.isBase64Encoded).toBe(true);
  });
});

describe("isTextBody", () => {
  it.each([
    ["application/json; charset=utf-8", true],
    ["application/cloudevents+json", true],
    ["text/plain", true],
    ["application/x-www-form-urlencoded", true],
    [undefined, true],
    ["image/png", false],
    ["application/octet-stream", false],
  ])("content type %s -> text %s", (contentType, text) => {
    expect(isTextBody(contentType, undefined, Buffer.from("hello"))).toBe(text);
  });

  it("treats invalid UTF-8 as binary whatever the content type says", () => {
    expect(isTextBody("text/plain", undefined, Buffer.from([0xc3, 0x28]))).toBe(false);
  });
});

describe("canonicalHeaderName", () => {
  it("title-cases each dash-separated part like Go's CanonicalHeaderKey", () => {
    expect(canonicalHeaderName("x-hub-signature")).toBe("X-Hub-Signature");
    expect(canonicalHeaderName("WEBHOOK-ID")).toBe("Webhook-Id");
  });
});

describe("fromFc3HttpResult", () => {
  it("maps {statusCode, headers, body, isBase64Encoded} and drops headers FC ignores", () => {
    const reply = fromFc3HttpResult({
      statusCode: 201,
      headers: {
        "Content-Type": "application/octet-stream",
        "X-Fc-Foo": "no",
        Connection: "close",
        "X-Custom": 7,
      },
      body: "AAEC/w==",
      isBase64Encoded: true,
    });
    expect(reply).toEqual({
      status: 201,
      headers: { "content-type": "application/octet-stream", "x-custom": "7" },
      body: Buffer.from([0, 1, 2, 255]),
    });
  });

  it("sends any other result as a 200 with the result serialised", () => {
    expect(fromFc3HttpResult({ hello: "world" })).toEqual({
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"hello":"world"}'),
    });
    expect(fromFc3HttpResult("hi").body.toString()).toBe("hi");
  });

  it("answers 502 for a statusCode that is not an HTTP status", () => {
    expect(fromFc3HttpResult({ statusCode: "nope", body: "" }).status).toBe(502);
  });
});
