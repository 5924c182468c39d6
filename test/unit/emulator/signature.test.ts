import { describe, expect, it } from "vitest";
import { canonicalQuery, percentEncode } from "../../../local/ens-emulator/encoding.ts";
import { signV1, stringToSignV1 } from "../../../local/ens-emulator/signature-v1.ts";
import {
  canonicalRequestV3,
  parseV3Authorization,
  sha256Hex,
  signV3,
} from "../../../local/ens-emulator/signature-v3.ts";

// Official vectors from docs/signing.md (vendor docs and SDK unit tests), plus the self-computed ENS ones.
const describeRegions: Array<[string, string]> = [
  ["AccessKeyId", "testid"],
  ["Action", "DescribeRegions"],
  ["Format", "XML"],
  ["SignatureMethod", "HMAC-SHA1"],
  ["SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"],
  ["SignatureVersion", "1.0"],
  ["Timestamp", "2016-02-23T12:46:24Z"],
  ["Version", "2014-05-26"],
];

const ensEgress: Array<[string, string]> = [
  ["AccessKeyId", "testid"],
  ["Action", "AuthorizeSecurityGroupEgress"],
  ["DestCidrIp", "10.0.0.0/8"],
  ["Format", "JSON"],
  ["IpProtocol", "tcp"],
  ["Policy", "drop"],
  ["PortRange", "1/200"],
  ["Priority", "1"],
  ["SecurityGroupId", "sg-test123"],
  ["SignatureMethod", "HMAC-SHA1"],
  ["SignatureNonce", "nonce-0001"],
  ["SignatureVersion", "1.0"],
  ["Timestamp", "2024-01-01T00:00:00Z"],
  ["Version", "2017-11-10"],
];

describe("percent-encoding", () => {
  it("encodes the way the gateway does: space %20, * %2A, ~ literal, uppercase hex", () => {
    expect(percentEncode("a b*c~d!'()")).toBe("a%20b%2Ac~d%21%27%28%29");
    expect(percentEncode("10.0.0.0/8")).toBe("10.0.0.0%2F8");
    expect(percentEncode("é")).toBe("%C3%A9");
  });

  it("sorts by encoded name and keeps empty values as name=", () => {
    expect(
      canonicalQuery([
        ["b", "2"],
        ["a", ""],
        ["A", "x y"],
      ]),
    ).toBe("A=x%20y&a=&b=2");
  });
});

describe("signature V1 (HMAC-SHA1)", () => {
  it("reproduces the vendor's DescribeRegions example (GET) and its string to sign", () => {
    const sts = stringToSignV1("GET", describeRegions);
    expect(sts).toBe(
      "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
    );
    expect(signV1(sts, "testsecret")).toBe("OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  });

  it("signs the method: the same example as POST", () => {
    expect(signV1(stringToSignV1("POST", describeRegions), "testsecret")).toBe(
      "MxbnVAM4w6sft9xjVpe/GCKueuk=",
    );
  });

  it("ignores the Signature parameter itself", () => {
    const withSignature: Array<[string, string]> = [...describeRegions, ["Signature", "anything"]];
    expect(signV1(stringToSignV1("GET", withSignature), "testsecret")).toBe("OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  });

  it("reproduces the SDK's unit vector getRPCSignature({test:'ok'}, '', 'accessKeySecret')", () => {
    expect(signV1(stringToSignV1("", [["test", "ok"]]), "accessKeySecret")).toBe(
      "jHx/oHoHNrbVfhncHEvPdHXZwHU=",
    );
  });

  it("reproduces the ENS AuthorizeSecurityGroupEgress vectors (POST and GET)", () => {
    expect(signV1(stringToSignV1("POST", ensEgress), "testsecret")).toBe("pEg8x7V3Z0R6fJ2NRx2X29ZzQFQ=");
    expect(signV1(stringToSignV1("GET", ensEgress), "testsecret")).toBe("z/lWrw17bRNQait9hrHCZybMD9s=");
  });
});

describe("signature V3 (ACS3-HMAC-SHA256)", () => {
  const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const signed = [
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
  ];

  it("hashes the empty payload as documented", () => {
    expect(sha256Hex("")).toBe(emptyHash);
  });

  it("reproduces the vendor's RunInstances vector", () => {
    const headers: Record<string, string> = {
      host: "ecs.cn-shanghai.aliyuncs.com",
      "x-acs-action": "RunInstances",
      "x-acs-version": "2014-05-26",
      "x-acs-date": "2023-10-26T10:22:32Z",
      "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
      "x-acs-content-sha256": emptyHash,
    };
    const canonical = canonicalRequestV3({
      method: "POST",
      path: "/",
      queryPairs: [
        ["ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"],
        ["RegionId", "cn-shanghai"],
      ],
      headerValues: (name) => (headers[name] === undefined ? [] : [headers[name] as string]),
      signedHeaders: signed,
      hashedPayload: emptyHash,
    });
    expect(sha256Hex(canonical)).toBe("7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    expect(signV3(canonical, "YourAccessKeySecret")).toBe(
      "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
    );
  });

  it("reproduces the self-computed ENS vector", () => {
    const headers: Record<string, string> = {
      host: "ens.aliyuncs.com",
      "x-acs-action": "AuthorizeSecurityGroupEgress",
      "x-acs-version": "2017-11-10",
      "x-acs-date": "2024-01-01T00:00:00Z",
      "x-acs-signature-nonce": "nonce-0001",
      "x-acs-content-sha256": emptyHash,
    };
    const canonical = canonicalRequestV3({
      method: "POST",
      path: "/",
      queryPairs: [
        ["SecurityGroupId", "sg-test123"],
        ["IpProtocol", "tcp"],
        ["PortRange", "1/200"],
        ["DestCidrIp", "10.0.0.0/8"],
        ["Policy", "drop"],
        ["Priority", "1"],
      ],
      headerValues: (name) => (headers[name] === undefined ? [] : [headers[name] as string]),
      signedHeaders: signed,
      hashedPayload: emptyHash,
    });
    expect(sha256Hex(canonical)).toBe("c7fccd616196abeadf8d6e4dc9d1cf7f6f56afbd535a657a8311418e81c2fcf7");
    expect(signV3(canonical, "testsecret")).toBe(
      "ed8b1994a413e444d52fd25eb20cd73bce9bb7f6528800f557d356abae55ae55",
    );
  });

  it("merges repeated header values the SDK's way (sorted, comma-joined)", () => {
    const canonical = canonicalRequestV3({
      method: "GET",
      path: "/",
      queryPairs: [],
      headerValues: () => ["http", " https "],
      signedHeaders: ["x-acs-test"],
      hashedPayload: emptyHash,
    });
    expect(canonical).toBe(`GET\n/\n\nx-acs-test:http,https\n\nx-acs-test\n${emptyHash}`);
  });

  it("parses an Authorization header and refuses malformed ones", () => {
    expect(
      parseV3Authorization("ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=ABCDEF"),
    ).toEqual({
      algorithm: "ACS3-HMAC-SHA256",
      accessKeyId: "ak",
      signedHeaders: ["host", "x-acs-date"],
      signature: "abcdef",
    });
    expect(parseV3Authorization("ACS3-HMAC-SHA256 Credential=ak,Signature=x")).toBeNull();
    expect(parseV3Authorization("Bearer token")).toBeNull();
    expect(parseV3Authorization("")).toBeNull();
  });
});
