/**
 * The gateway's authentication, proven with requests that official SDK clients signed: tampering (through a
 * loopback proxy that changes the signed request), wrong or missing STS tokens, replayed nonces, stale
 * timestamps, unknown keys, missing common parameters, unknown actions and versions, and RAM denials.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EnsEmulator } from "../../../local/ens-emulator/index.ts";
import {
  createCaller,
  expectFailure,
  FLAVOURS,
  type Flavour,
  popCoreCaller,
} from "./support/official-clients.ts";
import {
  type CapturedRequest,
  send,
  startProxy,
  type TamperingProxy,
  withQueryParam,
} from "./support/proxy.ts";
import { control, PLAIN, READ_ONLY, STS, startTestEmulator } from "./support/setup.ts";

const GROUP = "sg-auth";
const RULE = { SecurityGroupId: GROUP, IpProtocol: "tcp", PortRange: "22/22", DestCidrIp: "10.0.0.0/8" };
const describeGroup = { SecurityGroupId: GROUP };

let emulator: EnsEmulator;
let proxy: TamperingProxy | undefined;

beforeAll(async () => {
  emulator = await startTestEmulator({ securityGroups: [GROUP] });
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  await emulator?.close();
});

async function through(mutate: (req: CapturedRequest) => CapturedRequest): Promise<string> {
  proxy = await startProxy(emulator.url, mutate);
  return proxy.url;
}

/** Changes one business parameter wherever the client put it (query or form body). */
function changePortRange(req: CapturedRequest): CapturedRequest {
  if (req.url.includes("PortRange=")) return { ...req, url: withQueryParam(req.url, "PortRange", "1/65535") };
  const body = new URLSearchParams(req.body.toString("utf8"));
  body.set("PortRange", "1/65535");
  return { ...req, body: Buffer.from(body.toString()) };
}

describe("tampering", () => {
  it.each(FLAVOURS)("%s: a parameter changed after signing is SignatureDoesNotMatch", async (flavour) => {
    const url = await through(changePortRange);
    const failure = await expectFailure(
      createCaller(flavour, url, PLAIN).call("AuthorizeSecurityGroupEgress", RULE),
    );
    expect(failure.code).toBe("SignatureDoesNotMatch");
    expect(failure.status).toBe(400);
    const group = await control(emulator, "GET", `security-groups/${GROUP}`);
    expect(group.body.Permissions).not.toContainEqual(expect.objectContaining({ PortRange: "1/65535" }));
  });

  it("V3: a flipped signature character, an unsigned x-acs-* header and a body added later are refused", async () => {
    const mutations: Array<(req: CapturedRequest) => CapturedRequest> = [
      (req) => {
        const auth = String(req.headers.authorization);
        const last = auth.slice(-1) === "0" ? "1" : "0";
        return { ...req, headers: { ...req.headers, authorization: `${auth.slice(0, -1)}${last}` } };
      },
      (req) => ({ ...req, headers: { ...req.headers, "x-acs-extra": "added" } }),
      (req) => ({ ...req, body: Buffer.from("PortRange=1%2F65535") }),
      (req) => ({ ...req, headers: { ...req.headers, "x-acs-action": "DeleteSecurityGroup" } }),
    ];
    for (const mutate of mutations) {
      const url = await through(mutate);
      const failure = await expectFailure(
        createCaller("openapi-core V3", url, PLAIN).call("AuthorizeSecurityGroupEgress", RULE),
      );
      expect(failure.code).toBe("SignatureDoesNotMatch");
      await proxy?.close();
      proxy = undefined;
    }
  });

  it.each(FLAVOURS)("%s: a wrong secret is SignatureDoesNotMatch", async (flavour) => {
    const caller = createCaller(flavour, emulator.url, { ...PLAIN, accessKeySecret: "not-the-secret" });
    expect((await expectFailure(caller.call("DescribeSecurityGroupAttribute", describeGroup))).code).toBe(
      "SignatureDoesNotMatch",
    );
  });

  it("echoes the server's whole string to sign for V1 as the gateway does, STS token twice encoded", async () => {
    const caller = popCoreCaller(emulator.url, { ...STS, accessKeySecret: "wrong" }, "GET");
    const failure = await expectFailure(caller.call("DescribeSecurityGroupAttribute", describeGroup));
    const message = String(failure.data?.Message);
    expect(message).toMatch(
      /^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3DSTS\.test-ak/,
    );
    const twice = encodeURIComponent(encodeURIComponent(String(STS.securityToken)));
    expect(message).toContain(`SecurityToken%3D${twice}`);
  });
});

describe("STS tokens", () => {
  it.each(FLAVOURS)("%s: a wrong token is InvalidSecurityToken.MismatchWithAccessKey", async (flavour) => {
    const caller = createCaller(flavour, emulator.url, { ...STS, securityToken: "someone-elses-token" });
    expect((await expectFailure(caller.call("DescribeSecurityGroupAttribute", describeGroup))).code).toBe(
      "InvalidSecurityToken.MismatchWithAccessKey",
    );
  });

  it.each(FLAVOURS)("%s: no token for an STS key is MissingSecurityToken", async (flavour) => {
    const { securityToken: _dropped, ...withoutToken } = STS;
    const caller = createCaller(flavour, emulator.url, withoutToken);
    expect((await expectFailure(caller.call("DescribeSecurityGroupAttribute", describeGroup))).code).toBe(
      "MissingSecurityToken",
    );
  });
});

describe("replay protection", () => {
  it.each(FLAVOURS)("%s: the same signed request sent again is SignatureNonceUsed", async (flavour) => {
    const url = await through((req) => req);
    const first = await createCaller(flavour, url, STS).call("DescribeSecurityGroupAttribute", describeGroup);
    expect(first.SecurityGroupId).toBe(GROUP);
    const captured = proxy?.captured[0] as CapturedRequest;
    const replay = await send(emulator.url, captured);
    expect(replay.status).toBe(400);
    expect(replay.body.Code).toBe("SignatureNonceUsed");
  });

  it("a forged request cannot burn a nonce: the genuine one still goes through", async () => {
    let genuine: CapturedRequest | undefined;
    const url = await through((req) => {
      genuine = req;
      return changePortRange(req);
    });
    const rule = { ...RULE, PortRange: "2222/2222" };
    const forged = await expectFailure(
      createCaller("pop-core V1 GET", url, PLAIN).call("AuthorizeSecurityGroupEgress", rule),
    );
    expect(forged.code).toBe("SignatureDoesNotMatch");
    const answer = await send(emulator.url, genuine as CapturedRequest);
    expect(answer.status).toBe(200);
    const group = await control(emulator, "GET", `security-groups/${GROUP}`);
    expect(group.body.Permissions).toContainEqual(expect.objectContaining({ PortRange: "2222/2222" }));
  });
});

describe("timestamps", () => {
  const minutes = (n: number) => n * 60 * 1000;

  it.each([
    ["16 minutes ahead", 16],
    ["16 minutes behind", -16],
  ])("a server clock %s refuses every client with InvalidTimeStamp.Expired", async (_label, skew) => {
    const skewed = await startTestEmulator({
      securityGroups: [GROUP],
      now: () => Date.now() + minutes(skew),
    });
    try {
      for (const flavour of FLAVOURS) {
        const failure = await expectFailure(
          createCaller(flavour, skewed.url, PLAIN).call("DescribeSecurityGroupAttribute", describeGroup),
        );
        expect(failure.code, flavour).toBe("InvalidTimeStamp.Expired");
      }
    } finally {
      await skewed.close();
    }
  });

  it("a skew under 15 minutes is accepted", async () => {
    const skewed = await startTestEmulator({ securityGroups: [GROUP], now: () => Date.now() - minutes(14) });
    try {
      for (const flavour of FLAVOURS) {
        const answer = await createCaller(flavour, skewed.url, PLAIN).call(
          "DescribeSecurityGroupAttribute",
          describeGroup,
        );
        expect(answer.SecurityGroupId, flavour).toBe(GROUP);
      }
    } finally {
      await skewed.close();
    }
  });

  it("a malformed timestamp is InvalidTimeStamp.Format (V1 and V3)", async () => {
    let url = await through((req) => ({
      ...req,
      url: withQueryParam(req.url, "Timestamp", "2024-01-01 00:00:00"),
    }));
    expect(
      (
        await expectFailure(
          createCaller("pop-core V1 GET", url, PLAIN).call("DescribeSecurityGroupAttribute", describeGroup),
        )
      ).code,
    ).toBe("InvalidTimeStamp.Format");
    await proxy?.close();
    url = await through((req) => ({
      ...req,
      headers: { ...req.headers, "x-acs-date": "Mon, 01 Jan 2024 00:00:00 GMT" },
    }));
    expect(
      (
        await expectFailure(
          createCaller("openapi-core V3", url, PLAIN).call("DescribeSecurityGroupAttribute", describeGroup),
        )
      ).code,
    ).toBe("InvalidTimeStamp.Format");
  });
});

describe("missing common parameters", () => {
  it.each(["AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"])(
    "V1 without %s is Missing%s",
    async (name) => {
      const url = await through((req) => {
        const [path, query = ""] = req.url.split("?", 2);
        const params = new URLSearchParams(query);
        params.delete(name);
        return { ...req, url: `${path}?${params.toString()}` };
      });
      const failure = await expectFailure(
        createCaller("pop-core V1 GET", url, PLAIN).call("DescribeSecurityGroupAttribute", describeGroup),
      );
      expect(failure.code).toBe(`Missing${name}`);
      expect(failure.data).toMatchObject({ Message: `${name} is mandatory for this action.` });
    },
  );

  it.each([
    ["x-acs-date", "MissingTimestamp"],
    ["x-acs-signature-nonce", "MissingSignatureNonce"],
  ])("V3 without %s is %s", async (header, code) => {
    const url = await through((req) => {
      const headers = { ...req.headers };
      delete headers[header];
      return { ...req, headers };
    });
    const failure = await expectFailure(
      createCaller("openapi-core V3", url, PLAIN).call("DescribeSecurityGroupAttribute", describeGroup),
    );
    expect(failure.code).toBe(code);
  });

  it("a V1 request is still V1 when a proxy adds an unrelated Authorization header", async () => {
    const url = await through((req) => ({
      ...req,
      headers: { ...req.headers, authorization: "Basic cHJveHk6cHJveHk=" },
    }));
    const answer = await createCaller("pop-core V1 GET", url, PLAIN).call(
      "DescribeSecurityGroupAttribute",
      describeGroup,
    );
    expect(answer.SecurityGroupId).toBe(GROUP);
  });

  it("a malformed V3 Authorization header is IncompleteSignature", async () => {
    const url = await through((req) => ({
      ...req,
      headers: { ...req.headers, authorization: "ACS3-HMAC-SHA256 nonsense" },
    }));
    expect(
      (
        await expectFailure(
          createCaller("openapi-core V3", url, PLAIN).call("DescribeSecurityGroupAttribute", describeGroup),
        )
      ).code,
    ).toBe("IncompleteSignature");
  });
});

describe("keys, actions, versions and permissions", () => {
  it.each(FLAVOURS)("%s: an unknown key is InvalidAccessKeyId.NotFound (404)", async (flavour) => {
    const failure = await expectFailure(
      createCaller(flavour, emulator.url, { accessKeyId: "nobody", accessKeySecret: "x" }).call(
        "DescribeSecurityGroupAttribute",
        describeGroup,
      ),
    );
    expect(failure.code).toBe("InvalidAccessKeyId.NotFound");
    expect(failure.status).toBe(404);
  });

  it.each(FLAVOURS)("%s: an unknown action is InvalidAction.NotFound (404)", async (flavour) => {
    const failure = await expectFailure(createCaller(flavour, emulator.url, PLAIN).call("RunInstances", {}));
    expect(failure.code).toBe("InvalidAction.NotFound");
    expect(failure.status).toBe(404);
  });

  it("a wrong API version is InvalidVersion", async () => {
    const { createRequire } = await import("node:module");
    const PopCore = createRequire(import.meta.url)("@alicloud/pop-core") as new (
      config: object,
    ) => { request(action: string, params: object): Promise<unknown> };
    const client = new PopCore({ endpoint: emulator.url, apiVersion: "2014-05-26", ...PLAIN });
    const failure = await expectFailure(client.request("DescribeSecurityGroupAttribute", describeGroup));
    expect(failure.code).toBe("InvalidVersion");
  });

  it.each(["pop-core V1 POST", "openapi-core V3"] satisfies Flavour[])(
    "%s: a key denied the action gets NoPermission (400), and may still call other actions",
    async (flavour) => {
      const caller = createCaller(flavour, emulator.url, READ_ONLY);
      const failure = await expectFailure(caller.call("AuthorizeSecurityGroupEgress", RULE));
      expect(failure.code).toBe("NoPermission");
      expect(failure.status).toBe(400);
      expect((await caller.call("DescribeSecurityGroupAttribute", describeGroup)).SecurityGroupId).toBe(
        GROUP,
      );
    },
  );
});

describe("error answers", () => {
  it("carry RequestId, HostId, Code, Message and Recommend, and the request id header", async () => {
    const res = await fetch(`${emulator.url}/?Action=DescribeSecurityGroupAttribute&Version=2017-11-10`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(400);
    expect(Object.keys(body).sort()).toEqual(["Code", "HostId", "Message", "Recommend", "RequestId"]);
    expect(body).toMatchObject({ Code: "MissingAccessKeyId", HostId: new URL(emulator.url).host });
    expect(res.headers.get("x-acs-request-id")).toBe(body.RequestId);
    expect(String(body.Recommend)).toContain("q=MissingAccessKeyId");
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("answer other paths and methods with InvalidAction.NotFound", async () => {
    const put = await fetch(`${emulator.url}/`, { method: "PUT" });
    expect(put.status).toBe(404);
    expect(((await put.json()) as { Code: string }).Code).toBe("InvalidAction.NotFound");
    const other = await fetch(`${emulator.url}/v1/rules`);
    expect(((await other.json()) as { Code: string }).Code).toBe("InvalidAction.NotFound");
  });
});
