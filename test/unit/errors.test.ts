import { describe, expect, it } from "vitest";
import { describeErrorRow, documentedErrorRows, renderErrorTableMarkdown } from "#shared/error-docs.ts";
import {
  classifyError,
  DUPLICATED_CODE,
  EnsApiError,
  ERROR_TABLE,
  UNKNOWN_CLIENT_ERROR_ROW,
  UNKNOWN_SERVER_ERROR_ROW,
} from "#shared/errors.ts";

// The codes the AuthorizeSecurityGroupEgress page lists (docs/ens-api.md), `InvalidParameter.%s` instantiated.
const ENS_PAGE_CODES = [
  "MissingParameter",
  "NoPermission",
  "InvalidParameter.PortRange",
  "InvalidParameter",
  "InvalidSecurityGroupId.NotFound",
  DUPLICATED_CODE,
  "AuthorizationLimitExceed",
  "ens.interface.error",
  "CallInterface",
];

describe("ERROR_TABLE", () => {
  it("has an ENS row for every code of the API page (docs/ens-api.md)", () => {
    for (const code of ENS_PAGE_CODES) {
      const row = classifyError(code, 400);
      expect(row.source, code).toBe("ens");
      expect(row.code === code || row.code.endsWith("*"), code).toBe(true);
    }
  });

  it("lists each code once per source", () => {
    const keys = ERROR_TABLE.map((r) => `${r.source}:${r.code}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("has the product's own rows with the statuses docs/interfaces.md promises", () => {
    const expected: Record<string, [number, string, string]> = {
      InvalidRequest: [400, "rejected", "ack"],
      Unauthorized: [401, "rejected", "ack"],
      "Policy.NoWorldOpen": [403, "rejected", "ack"],
      PayloadTooLarge: [413, "rejected", "ack"],
      UnsupportedMediaType: [415, "rejected", "ack"],
      NotFound: [404, "rejected", "ack"],
      MethodNotAllowed: [405, "rejected", "ack"],
      DeadlineExceeded: [503, "failed", "redeliver"],
      AuditDeliveryFailed: [503, "failed", "redeliver"],
      InternalError: [500, "failed", "redeliver"],
    };
    for (const [code, [status, outcome, queue]] of Object.entries(expected)) {
      const row = classifyError(code);
      expect([row.httpStatus, row.outcome, row.queue], code).toEqual([status, outcome, queue]);
    }
  });

  it("keeps retry, status and queue consistent: retryable means 503 and redeliver; permanent ENS means ack", () => {
    for (const row of ERROR_TABLE) {
      if (row.retry !== "no") {
        expect([row.httpStatus, row.queue, row.outcome], row.code).toEqual([503, "redeliver", "failed"]);
      }
      if (row.retry === "throttle") expect(row.mayHaveApplied, row.code).toBe(false);
      if (row.source === "ens" && row.retry === "no") expect(row.queue, row.code).toBe("ack");
      if (row.outcome === "rejected")
        expect(row.httpStatus >= 400 && row.httpStatus < 500, row.code).toBe(true);
      expect(describeErrorRow(row).length, row.code).toBeGreaterThan(10);
    }
  });

  it("treats Duplicated as the success already_exists", () => {
    expect(classifyError(DUPLICATED_CODE, 400)).toMatchObject({
      outcome: "already_exists",
      httpStatus: 200,
      queue: "ack",
      retry: "no",
    });
  });
});

describe("classifyError", () => {
  it.each([
    ["ens.interface.error", 400, "transient"],
    ["CallInterface", 400, "transient"],
    ["Throttling", 400, "throttle"],
    ["Throttling.User", 400, "throttle"],
    ["Throttling.Tenant", 400, "throttle"],
    ["ThrottlingException", 400, "throttle"],
    ["ServiceUnavailable", 503, "transient"],
    ["InternalError", 500, "transient"],
    ["SignatureNonceUsed", 400, "transient"],
    ["NetworkError", null, "transient"],
    ["AttemptTimeout", null, "transient"],
    ["InvalidResponse", 200, "transient"],
    ["MissingParameter", 400, "no"],
    ["MissingSecurityGroupId", 400, "no"],
    ["InvalidParameter.DestCidrIp", 400, "no"],
    ["NoPermission", 400, "no"],
    ["SignatureDoesNotMatch", 403, "no"],
    ["InvalidAccessKeyId.NotFound", 404, "no"],
    ["InvalidTimeStamp.Expired", 400, "no"],
    ["Forbidden.RAM", 403, "no"],
  ] as const)("%s (HTTP %s) -> retry %s", (code, status, retry) => {
    expect(classifyError(code, status).retry).toBe(retry);
  });

  it("prefers exact rows over families", () => {
    expect(classifyError("MissingParameter", 400).code).toBe("MissingParameter");
    expect(classifyError("Throttling.User", 400).code).toBe("Throttling.User");
    expect(classifyError("InvalidSecurityToken.Expired", 400)).toMatchObject({
      httpStatus: 503,
      queue: "redeliver",
    });
    expect(classifyError("InvalidSecurityToken.Malformed", 400)).toMatchObject({
      httpStatus: 502,
      queue: "ack",
    });
  });

  it("tells the gateway's InternalError (an ENS answer) from ours (no ENS answer)", () => {
    expect(classifyError("InternalError", 500)).toMatchObject({
      source: "gateway",
      retry: "transient",
      httpStatus: 503,
    });
    expect(classifyError("InternalError")).toMatchObject({ source: "local", retry: "no", httpStatus: 500 });
    expect(classifyError("InternalError", null).source).toBe("local");
  });

  it("classifies unknown codes by the HTTP status ENS answered with", () => {
    expect(classifyError("Brand.New", 502)).toMatchObject({ ...UNKNOWN_SERVER_ERROR_ROW, code: "Brand.New" });
    expect(classifyError("Brand.New", 400)).toMatchObject({ ...UNKNOWN_CLIENT_ERROR_ROW, code: "Brand.New" });
    expect(classifyError("Brand.New", 429).retry).toBe("throttle");
    expect(classifyError("Http503", 503).retry).toBe("transient");
    expect(classifyError("Brand.New")).toMatchObject({ code: "Brand.New", httpStatus: 500, retry: "no" });
  });

  it("does not let a family swallow an unrelated code", () => {
    expect(classifyError("InvalidParameterX", 400).code).toBe("InvalidParameterX");
    expect(classifyError("InvalidParameterX", 400).httpStatus).toBe(UNKNOWN_CLIENT_ERROR_ROW.httpStatus);
    expect(classifyError("PolicyX").source).toBe("local");
    expect(classifyError("PolicyX").httpStatus).toBe(500);
  });
});

describe("EnsApiError", () => {
  it("carries code, ENS fields and cause", () => {
    const cause = new Error("socket hang up");
    const error = new EnsApiError({
      code: "ens.interface.error",
      message: "m",
      requestId: "r",
      httpStatus: 400,
      hostId: "ens.aliyuncs.com",
      recommend: "https://x",
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("EnsApiError");
    expect([error.code, error.requestId, error.httpStatus, error.hostId, error.recommend]).toEqual([
      "ens.interface.error",
      "r",
      400,
      "ens.aliyuncs.com",
      "https://x",
    ]);
    expect(error.cause).toBe(cause);
    expect(error.requestSent).toBe(true);
    expect(new EnsApiError({ code: "X", message: "m" }).requestId).toBeNull();
  });
});

describe("renderErrorTableMarkdown", () => {
  it("renders one line per row plus the header, with every code", () => {
    const markdown = renderErrorTableMarkdown();
    const lines = markdown.trimEnd().split("\n");
    expect(lines).toHaveLength(ERROR_TABLE.length + 2 + 3);
    expect(markdown).not.toMatch(/<[A-Za-z]/);
    for (const row of ERROR_TABLE) expect(markdown).toContain(`| \`${row.code}\` | ${row.source} |`);
    expect(lines[0]).toBe("| code | from | retry | may have applied | outcome | HTTP | queue | why |");
    expect(renderErrorTableMarkdown()).toBe(markdown);
  });

  it("has a description for every row, and none for rows that do not exist", () => {
    for (const row of documentedErrorRows())
      expect(describeErrorRow(row).length, row.code).toBeGreaterThan(10);
    expect(() => describeErrorRow({ ...ERROR_TABLE[0]!, code: "NoSuchCode" })).toThrow(/no description/);
  });
});
