import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildPutEventsHeaders,
  eventBridgeStringToSign,
  signEventBridgeRequest,
} from "#shared/adapters/audit/eventbridge-signer.ts";

// The SDK's own signing helpers (what @alicloud/eventbridge's client calls), used as the oracle.
const require = createRequire(import.meta.url);
const sdkUtil = (require("@alicloud/eventbridge-util") as { default: SdkUtil }).default;
interface SdkUtil {
  getStringToSign(request: {
    method: string;
    pathname: string;
    headers: Record<string, string>;
    query: Record<string, string>;
  }): string;
  getSignature(stringToSign: string, secret: string): string;
}

const CREDENTIALS = { accessKeyId: "LTAI5tTestKeyId", accessKeySecret: "test-secret-value" };

describe("EventBridge request signing", () => {
  it("builds the SDK's string to sign and signature for a PutEvents request (pinned date and nonce)", () => {
    const headers = buildPutEventsHeaders({
      host: "1234567890.eventbridge.cn-hangzhou.aliyuncs.com",
      pathname: "/openapi/putEvents",
      date: "Mon, 06 Jan 2025 08:00:00 GMT",
      nonce: "5f6e7d8c-0000-4000-8000-000000000001",
      credentials: CREDENTIALS,
      regionId: "cn-hangzhou",
    });
    const { authorization, ...unsigned } = headers;
    const sdkString = sdkUtil.getStringToSign({
      method: "POST",
      pathname: "/openapi/putEvents",
      headers: unsigned,
      query: {},
    });
    expect(
      eventBridgeStringToSign({ method: "POST", pathname: "/openapi/putEvents", headers: unsigned }),
    ).toBe(sdkString);
    expect(authorization).toBe(
      `acs:${CREDENTIALS.accessKeyId}:${sdkUtil.getSignature(sdkString, CREDENTIALS.accessKeySecret)}`,
    );
    // Pinned too, so a change in both implementations at once is still caught.
    expect(sdkString).toBe(
      [
        "POST",
        "",
        "application/cloudevents-batch+json; charset=utf-8",
        "Mon, 06 Jan 2025 08:00:00 GMT",
        "x-acs-signature-method:HMAC-SHA1",
        "x-acs-signature-nonce:5f6e7d8c-0000-4000-8000-000000000001",
        "x-acs-signature-version:1.0",
        "/openapi/putEvents",
      ].join("\n"),
    );
  });

  it("signs the STS headers as the SDK does", () => {
    const credentials = { ...CREDENTIALS, securityToken: "CAIStoken0123456789abcdefghij" };
    const headers = buildPutEventsHeaders({
      host: "h",
      pathname: "/openapi/putEvents",
      date: "Tue, 07 Jan 2025 09:30:00 GMT",
      nonce: "n-2",
      credentials,
    });
    const { authorization, ...unsigned } = headers;
    expect(unsigned["x-acs-security-token"]).toBe(credentials.securityToken);
    expect(unsigned["x-acs-accesskey-id"]).toBe(credentials.accessKeyId);
    const sdkString = sdkUtil.getStringToSign({
      method: "POST",
      pathname: "/openapi/putEvents",
      headers: unsigned,
      query: {},
    });
    expect(sdkString).toContain(`x-acs-security-token:${credentials.securityToken}`);
    expect(authorization).toBe(
      `acs:${credentials.accessKeyId}:${sdkUtil.getSignature(sdkString, credentials.accessKeySecret)}`,
    );
  });

  it("agrees with the SDK on arbitrary headers, queries and secrets", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
    const value = fc.string({ maxLength: 20 });
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "put"),
        fc.stringMatching(/^\/[a-zA-Z/]{0,20}$/),
        fc.dictionary(
          fc.oneof(
            name,
            name.map((n) => `x-acs-${n}`),
          ),
          value,
          { maxKeys: 6 },
        ),
        fc.dictionary(fc.stringMatching(/^[A-Za-z]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9]{0,8}$/), {
          maxKeys: 3,
        }),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.option(value, { nil: undefined }),
        (method, pathname, extra, query, secret, contentType) => {
          const headers: Record<string, string> = { ...extra, date: "Wed, 01 Jan 2025 00:00:00 GMT" };
          if (contentType !== undefined) headers["content-type"] = contentType;
          const ours = signEventBridgeRequest(
            { method, pathname, headers, query },
            { accessKeyId: "id", accessKeySecret: secret },
          );
          const sdk = sdkUtil.getSignature(
            sdkUtil.getStringToSign({ method, pathname, headers, query }),
            secret,
          );
          expect(ours).toBe(`acs:id:${sdk}`);
        },
      ),
    );
  });
});
