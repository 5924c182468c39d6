import { describe, expect, it } from "vitest";
import { FcEventError } from "#shared/triggers/fc-event-error.ts";
import { type Fc3HttpEvent, parseFc3HttpEvent, toFc3HttpResult } from "#shared/triggers/fc-http.ts";

const body = '{"SecurityGroupId":"sg-demo0001","PortRange":"443/443"}';

function fc3Event(overrides: Partial<Fc3HttpEvent> = {}): Fc3HttpEvent {
  return {
    version: "v1",
    rawPath: "/webhooks/jira",
    body,
    isBase64Encoded: false,
    headers: { "Content-Type": "application/json", "X-Hub-Signature": "sha256=ab", Accept: "a/b,c/d" },
    queryParameters: { dry: "1", tag: "a,b" },
    requestContext: {
      accountId: "1384729506172839",
      domainName: "fn.cn-hangzhou.fcapp.run",
      domainPrefix: "fn",
      http: {
        method: "post",
        path: "/webhooks/jira",
        protocol: "HTTP/1.1",
        sourceIp: "10.1.2.3",
        userAgent: "x",
      },
      requestId: "1-67877214-0a1b2c3d-4e5f60718293",
      time: "2025-01-15T08:30:12Z",
      timeEpoch: "1736929812345",
    },
    ...overrides,
  };
}

const expected = {
  method: "POST",
  path: "/webhooks/jira",
  headers: { "content-type": "application/json", "x-hub-signature": "sha256=ab", accept: "a/b,c/d" },
  query: { dry: "1", tag: "a,b" },
  body: Buffer.from(body),
  sourceIp: "10.1.2.3",
  requestId: "1-67877214-0a1b2c3d-4e5f60718293",
};

describe("parseFc3HttpEvent", () => {
  it("accepts the Buffer FC hands over, its text, or the parsed object", () => {
    const event = fc3Event();
    expect(parseFc3HttpEvent(Buffer.from(JSON.stringify(event)))).toEqual(expected);
    expect(parseFc3HttpEvent(JSON.stringify(event))).toEqual(expected);
    expect(parseFc3HttpEvent(event)).toEqual(expected);
  });

  it("decodes a Base64 body to the exact bytes, binary included", () => {
    const bytes = Buffer.from([0x7b, 0x00, 0xff, 0x7d]);
    const request = parseFc3HttpEvent(fc3Event({ body: bytes.toString("base64"), isBase64Encoded: true }));
    expect(request.body.equals(bytes)).toBe(true);
  });

  it("uses the decoded path, else decodes rawPath", () => {
    const event = fc3Event({ rawPath: "/webhooks/%6Aira" });
    expect(parseFc3HttpEvent(event).path).toBe("/webhooks/jira");
    const withoutPath = JSON.parse(JSON.stringify(event)) as { requestContext: { http: { path?: string } } };
    delete withoutPath.requestContext.http.path;
    expect(parseFc3HttpEvent(withoutPath).path).toBe("/webhooks/jira");
    const broken = fc3Event({ rawPath: "/%E0%A4%A" });
    (broken.requestContext.http as { path?: string }).path = "";
    expect(parseFc3HttpEvent(broken).path).toBe("/%E0%A4%A");
  });

  it("lower-cases header names, joins duplicates and drops __proto__", () => {
    const event = JSON.parse(
      JSON.stringify(fc3Event()).replace('"headers":{', '"headers":{"__proto__":"x","accept":"e/f",'),
    ) as unknown;
    const request = parseFc3HttpEvent(event);
    expect(request.headers.accept).toBe("e/f,a/b,c/d");
    expect(Object.hasOwn(request.headers, "__proto__")).toBe(false);
    expect(Object.getPrototypeOf(request.headers)).toBe(Object.prototype);
  });

  it("treats a missing body as empty and missing context fields as null", () => {
    const event = { rawPath: "/healthz", requestContext: { http: { method: "GET" } } };
    expect(parseFc3HttpEvent(event)).toEqual({
      method: "GET",
      path: "/healthz",
      headers: {},
      query: {},
      body: Buffer.alloc(0),
      sourceIp: null,
      requestId: null,
    });
  });

  it.each([
    ["not JSON", Buffer.from("hello")],
    ["not UTF-8", Buffer.from([0xff, 0xfe])],
    ["an array", "[]"],
    ["a queue event", { data: { messageBody: "x" } }],
    ["no path", { requestContext: { http: { method: "GET" } } }],
    ["a non-string body", { rawPath: "/", body: 42, requestContext: { http: { method: "POST" } } }],
  ])("throws FcEventError for %s", (_, event) => {
    expect(() => parseFc3HttpEvent(event)).toThrow(FcEventError);
    try {
      parseFc3HttpEvent(event);
    } catch (error) {
      expect((error as FcEventError).code).toBe("InvalidFcEvent");
    }
  });
});

describe("toFc3HttpResult", () => {
  it("returns the FC 3.0 response struct with a text body", () => {
    const response = { statusCode: 201, headers: { "content-type": "application/json" }, body: "{}" };
    const result = toFc3HttpResult(response);
    expect(result).toEqual({ ...response, isBase64Encoded: false });
    expect(result.headers).not.toBe(response.headers);
  });
});
