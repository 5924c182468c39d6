import { describe, expect, it } from "vitest";
import { parseTimestamp } from "../../../local/ens-emulator/auth.ts";
import { EnsEmulatorError, messageForCode, statusForCode } from "../../../local/ens-emulator/errors.ts";

describe("parseTimestamp", () => {
  it.each([
    ["2024-01-01T00:00:00Z", Date.UTC(2024, 0, 1)],
    ["2024-02-29T23:59:59Z", Date.UTC(2024, 1, 29, 23, 59, 59)],
    ["2024-01-01T00:00:00.5Z", Date.UTC(2024, 0, 1, 0, 0, 0, 500)],
  ])("reads %s", (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it.each([
    "2024-01-01 00:00:00Z",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00+08:00",
    "2023-02-29T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "yesterday",
    "",
  ])("refuses %j", (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe("error table", () => {
  it("uses the statuses the README documents", () => {
    expect(statusForCode("InvalidAccessKeyId.NotFound")).toBe(404);
    expect(statusForCode("ServiceUnavailable")).toBe(503);
    expect(statusForCode("InternalError")).toBe(500);
    expect(statusForCode("NoPermission")).toBe(400);
    expect(statusForCode("SecurityGroupRuleConflict.Duplicated")).toBe(400);
    expect(statusForCode("InvalidParameter.PortRange")).toBe(400);
    expect(statusForCode("SomethingNew")).toBe(400);
  });

  it("words messages the gateway's way", () => {
    expect(messageForCode("InvalidParameter.Priority")).toBe(
      "The specified field Priority invalid. Please check it again.",
    );
    expect(messageForCode("MissingTimestamp", "Timestamp")).toBe("Timestamp is mandatory for this action.");
    expect(messageForCode("MissingParameter", "IpProtocol")).toContain('"IpProtocol"');
    expect(new EnsEmulatorError("SignatureNonceUsed")).toMatchObject({
      code: "SignatureNonceUsed",
      status: 400,
      message: "Specified signature nonce was used already.",
    });
  });
});
