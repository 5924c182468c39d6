import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatAcsTimestamp,
  parseEnsEndpoint,
  parseEnsResponse,
} from "#shared/adapters/ens/http-ens-transport.ts";
import { EnsApiError } from "#shared/errors.ts";

const noHeaders = { contentType: "application/json", requestId: null };

function thrown(fn: () => unknown): EnsApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnsApiError) return error;
    throw error;
  }
  throw new Error("expected an EnsApiError");
}

describe("parseEnsResponse", () => {
  it("returns RequestId and body of a success", () => {
    expect(parseEnsResponse(200, noHeaders, '{"RequestId":"473469C7-AA6F"}')).toEqual({
      requestId: "473469C7-AA6F",
      body: { RequestId: "473469C7-AA6F" },
    });
  });

  it("falls back to the x-acs-request-id header, then to an empty id", () => {
    expect(parseEnsResponse(200, { contentType: null, requestId: "hdr-1" }, "{}").requestId).toBe("hdr-1");
    expect(parseEnsResponse(200, noHeaders, "{}").requestId).toBe("");
  });

  it("does not forward the message of a signature error, which echoes the string to sign", () => {
    for (const code of ["SignatureDoesNotMatch", "IncompleteSignature"]) {
      const echo = `server string to sign is:POST&%2F&AccessKeyId%3Dak%26SecurityToken%3DCAIS%252Fsts%252Btoken`;
      const error = thrown(() =>
        parseEnsResponse(400, noHeaders, JSON.stringify({ RequestId: "r-9", Code: code, Message: echo })),
      );
      expect(error.code).toBe(code);
      expect(error.requestId).toBe("r-9");
      expect(error.message).not.toContain("string to sign");
      expect(error.message).not.toContain("CAIS");
    }
  });

  it("reads every field of an error body", () => {
    const error = thrown(() =>
      parseEnsResponse(
        400,
        noHeaders,
        JSON.stringify({
          RequestId: "r-1",
          HostId: "ens.aliyuncs.com",
          Code: "AuthorizationLimitExceed",
          Message: "The limit of authorization records in the security group reaches.",
          Recommend: "https://api.aliyun.com/troubleshoot?q=AuthorizationLimitExceed",
        }),
      ),
    );
    expect(error).toMatchObject({
      code: "AuthorizationLimitExceed",
      requestId: "r-1",
      httpStatus: 400,
      hostId: "ens.aliyuncs.com",
      recommend: "https://api.aliyun.com/troubleshoot?q=AuthorizationLimitExceed",
      requestSent: true,
    });
    expect(error.message).toBe(
      "ENS answered HTTP 400 AuthorizationLimitExceed: The limit of authorization records in the security group reaches.",
    );
  });

  it("accepts lower-case field names and names an error without Code after its status", () => {
    expect(
      thrown(() => parseEnsResponse(403, noHeaders, '{"code":"Forbidden.RAM","requestId":"r"}')),
    ).toMatchObject({
      code: "Forbidden.RAM",
      requestId: "r",
    });
    expect(thrown(() => parseEnsResponse(503, noHeaders, "{}")).code).toBe("Http503");
  });

  it.each(["<html>502</html>", "", "[1,2]", "null", '"text"', '{"RequestId":'])(
    "refuses the body %j as InvalidResponse without echoing it",
    (body) => {
      const error = thrown(() => parseEnsResponse(200, { contentType: "text/html", requestId: "hdr" }, body));
      expect(error).toMatchObject({ code: "InvalidResponse", httpStatus: 200, requestId: "hdr" });
      expect(error.message).toContain("not a JSON object (content-type text/html");
      if (body.length > 2) expect(error.message).not.toContain(body);
    },
  );

  it("caps a very long ENS message", () => {
    const error = thrown(() =>
      parseEnsResponse(400, noHeaders, JSON.stringify({ Code: "X", Message: "m".repeat(5000) })),
    );
    expect(error.message.length).toBeLessThan(600);
  });
});

describe("formatAcsTimestamp / parseEnsEndpoint", () => {
  it("formats UTC without milliseconds", () => {
    expect(formatAcsTimestamp(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe("2024-01-02T03:04:05Z");
  });

  it("gives the same text as toISOString without milliseconds for any instant, in any order (it keeps the last second)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 998) }), { minLength: 1 }),
        (instants) => {
          for (const ms of [
            ...instants,
            ...instants.map((t) => t - (t % 1000)),
            ...instants.map((t) => t + 1),
          ]) {
            expect(formatAcsTimestamp(ms)).toBe(new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
          }
        },
      ),
    );
  });

  it("accepts http(s) endpoints and bare hosts, refuses other schemes", () => {
    expect(parseEnsEndpoint("ens.aliyuncs.com").href).toBe("https://ens.aliyuncs.com/");
    expect(parseEnsEndpoint("http://127.0.0.1:9001").host).toBe("127.0.0.1:9001");
    expect(() => parseEnsEndpoint("ftp://ens.aliyuncs.com")).toThrow(TypeError);
  });
});
