/**
 * The CloudEvents `source` of audit events when AUDIT_SOURCE is unset: the function's ARN. FC 3.0 functions have no
 * service, so their ARN is `acs:fc:<region>:<account>:functions/<name>`; an FC 2.0 context names its service, and
 * the function's ARN nests under it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRuntime, type FcContext, startInvocation } from "#shared/entry/compose.ts";

const runtime = createRuntime({ LOG_LEVEL: "error" });
const sourceOf = (context: FcContext, run = runtime) => startInvocation(run, context).deps.auditSource;

const fc3Context: FcContext = {
  requestId: "1-6476f1a2-1a2b3c4d-5e6f7a8b9c0d",
  function: { name: "ens-egress-http-intake", timeout: 30 },
  // What FC 3.0 hands a function: service metadata without a name.
  service: { logProject: "p", logStore: "s", qualifier: "LATEST" } as { name?: string },
  region: "cn-hangzhou",
  accountId: "1234567890123456",
};

describe("default audit source", () => {
  it("is the FC 3.0 function ARN when the context names no service", () => {
    expect(sourceOf(fc3Context)).toBe("acs:fc:cn-hangzhou:1234567890123456:functions/ens-egress-http-intake");
    const { service: _service, ...withoutService } = fc3Context;
    expect(sourceOf(withoutService)).toBe(
      "acs:fc:cn-hangzhou:1234567890123456:functions/ens-egress-http-intake",
    );
    expect(sourceOf({ ...fc3Context, service: null })).toBe(
      "acs:fc:cn-hangzhou:1234567890123456:functions/ens-egress-http-intake",
    );
    expect(sourceOf({ ...fc3Context, service: { name: "" } })).toBe(
      "acs:fc:cn-hangzhou:1234567890123456:functions/ens-egress-http-intake",
    );
  });

  it("keeps the service form when the context names a service (FC 2.0)", () => {
    expect(
      sourceOf({ ...fc3Context, function: { name: "http-intake" }, service: { name: "ens-egress" } }),
    ).toBe("acs:fc:cn-hangzhou:1234567890123456:services/ens-egress/functions/http-intake");
  });

  it("yields to AUDIT_SOURCE whatever the context", () => {
    const configured = createRuntime({ LOG_LEVEL: "error", AUDIT_SOURCE: "urn:example:egress" });
    expect(sourceOf(fc3Context, configured)).toBe("urn:example:egress");
    expect(sourceOf({ ...fc3Context, service: { name: "ens-egress" } }, configured)).toBe(
      "urn:example:egress",
    );
  });

  it("is built from the context's region, account and function name, with or without a service (property)", () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{2}-[a-z0-9-]{1,20}$/),
        fc.stringMatching(/^[1-9][0-9]{15}$/),
        name,
        fc.option(name, { nil: undefined }),
        (region, accountId, functionName, serviceName) => {
          const source = sourceOf({
            requestId: "r",
            function: { name: functionName },
            service: serviceName === undefined ? {} : { name: serviceName },
            region,
            accountId,
          });
          const arn =
            serviceName === undefined
              ? `acs:fc:${region}:${accountId}:functions/${functionName}`
              : `acs:fc:${region}:${accountId}:services/${serviceName}/functions/${functionName}`;
          expect(source).toBe(arn);
        },
      ),
    );
  });
});
