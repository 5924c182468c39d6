import { describe, expect, it } from "vitest";
import {
  canonicalizeRpcParams,
  computeRpcSignature,
  percentEncode,
  type SignV1Input,
  signRequestV1,
} from "#shared/adapters/ens/sign-v1.ts";

// docs/signing.md, the official DescribeRegions example.
const OFFICIAL: SignV1Input = {
  method: "GET",
  params: {},
  action: "DescribeRegions",
  version: "2014-05-26",
  credentials: { accessKeyId: "testid", accessKeySecret: "testsecret" },
  timestamp: "2016-02-23T12:46:24Z",
  nonce: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
  format: "XML",
};

// docs/signing.md, self-computed ENS vector.
const ENS: SignV1Input = {
  method: "POST",
  params: {
    DestCidrIp: "10.0.0.0/8",
    IpProtocol: "tcp",
    Policy: "drop",
    PortRange: "1/200",
    Priority: "1",
    SecurityGroupId: "sg-test123",
  },
  action: "AuthorizeSecurityGroupEgress",
  version: "2017-11-10",
  credentials: { accessKeyId: "testid", accessKeySecret: "testsecret" },
  timestamp: "2024-01-01T00:00:00Z",
  nonce: "nonce-0001",
};

describe("signRequestV1", () => {
  it("reproduces the official string to sign and signature (GET)", () => {
    const signed = signRequestV1(OFFICIAL);
    expect(signed.stringToSign).toBe(
      "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
    );
    expect(signed.query.Signature).toBe("OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  });

  it("reproduces the official example with POST", () => {
    expect(signRequestV1({ ...OFFICIAL, method: "POST" }).query.Signature).toBe(
      "MxbnVAM4w6sft9xjVpe/GCKueuk=",
    );
  });

  it("reproduces the older TimeStamp-spelling value of the Chinese docs", () => {
    const query: Record<string, string> = { ...signRequestV1(OFFICIAL).query };
    const params: Record<string, string> = { ...query, TimeStamp: query.Timestamp ?? "" };
    delete params.Timestamp;
    delete params.Signature;
    expect(computeRpcSignature(params, "GET", "testsecret").signature).toBe("CT9X0VtwR86fNWSnsc6v8YGOjuE=");
  });

  it("reproduces the self-computed ENS vector (POST and GET)", () => {
    const post = signRequestV1(ENS);
    expect(
      post.queryString.startsWith(
        "AccessKeyId=testid&Action=AuthorizeSecurityGroupEgress&DestCidrIp=10.0.0.0%2F8&Format=JSON&IpProtocol=tcp&Policy=drop&PortRange=1%2F200&Priority=1&SecurityGroupId=sg-test123&SignatureMethod=HMAC-SHA1&SignatureNonce=nonce-0001&SignatureVersion=1.0&Timestamp=2024-01-01T00%3A00%3A00Z&Version=2017-11-10&Signature=",
      ),
    ).toBe(true);
    expect(post.query.Signature).toBe("pEg8x7V3Z0R6fJ2NRx2X29ZzQFQ=");
    expect(signRequestV1({ ...ENS, method: "GET" }).query.Signature).toBe("z/lWrw17bRNQait9hrHCZybMD9s=");
  });

  it("reproduces the SDK unit vector getRPCSignature({test:'ok'}, '', 'accessKeySecret')", () => {
    expect(computeRpcSignature({ test: "ok" }, "", "accessKeySecret").signature).toBe(
      "jHx/oHoHNrbVfhncHEvPdHXZwHU=",
    );
  });

  it("sends the STS token as SecurityToken and signs it", () => {
    const signed = signRequestV1({ ...ENS, credentials: { ...ENS.credentials, securityToken: "tok" } });
    expect(signed.query.SecurityToken).toBe("tok");
    expect(signed.stringToSign).toContain("SecurityToken%3Dtok");
    expect(signed.query.Signature).not.toBe("pEg8x7V3Z0R6fJ2NRx2X29ZzQFQ=");
  });

  it("url-encodes the signature in the query string", () => {
    const signed = signRequestV1(OFFICIAL);
    expect(
      signed.queryString.endsWith(`&Signature=${encodeURIComponent("OLeaidS1JvxuMvnyHOwuJ+uX5qY=")}`),
    ).toBe(true);
  });
});

describe("percentEncode", () => {
  it.each([
    ["a-b_c.d~e", "a-b_c.d~e"],
    [" ", "%20"],
    ["*", "%2A"],
    ["!'()", "%21%27%28%29"],
    ["10.0.0.0/8", "10.0.0.0%2F8"],
    [":", "%3A"],
    ["é", "%C3%A9"],
    ["+", "%2B"],
  ])("%j -> %j", (input, output) => {
    expect(percentEncode(input)).toBe(output);
  });

  it("sorts by encoded name", () => {
    expect(canonicalizeRpcParams({ b: "1", B: "2", a: "3" })).toBe("B=2&a=3&b=1");
  });
});
