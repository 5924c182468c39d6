import { describe, expect, it } from "vitest";
import {
  canonicalizeHeadersV3,
  canonicalizeQueryV3,
  type SignV3Input,
  signRequestV3,
} from "#shared/adapters/ens/sign-v3.ts";
import { sha256Hex } from "#shared/domain/sha256.ts";

// docs/signing.md, official vector from the V3 signature documentation.
const OFFICIAL: SignV3Input = {
  method: "POST",
  host: "ecs.cn-shanghai.aliyuncs.com",
  path: "/",
  query: { ImageId: "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", RegionId: "cn-shanghai" },
  headers: {},
  body: "",
  action: "RunInstances",
  version: "2014-05-26",
  credentials: { accessKeyId: "YourAccessKeyId", accessKeySecret: "YourAccessKeySecret" },
  date: "2023-10-26T10:22:32Z",
  nonce: "3156853299f313e23d1673dc12e1703d",
};

// docs/signing.md, self-computed ENS vector (two independent implementations agreed on it).
const ENS: SignV3Input = {
  method: "POST",
  host: "ens.aliyuncs.com",
  path: "/",
  query: {
    DestCidrIp: "10.0.0.0/8",
    IpProtocol: "tcp",
    Policy: "drop",
    PortRange: "1/200",
    Priority: "1",
    SecurityGroupId: "sg-test123",
  },
  headers: {},
  body: "",
  action: "AuthorizeSecurityGroupEgress",
  version: "2017-11-10",
  credentials: { accessKeyId: "testid", accessKeySecret: "testsecret" },
  date: "2024-01-01T00:00:00Z",
  nonce: "nonce-0001",
};

describe("signRequestV3", () => {
  it("reproduces the official V3 vector", () => {
    const signed = signRequestV3(OFFICIAL);
    expect(sha256Hex(signed.canonicalRequest)).toBe(
      "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
    );
    expect(signed.signature).toBe("06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
    expect(signed.headers.Authorization).toBe(
      "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
    );
  });

  it("signs the method: GET gives another signature than POST", () => {
    expect(signRequestV3({ ...OFFICIAL, method: "GET" }).signature).not.toBe(
      signRequestV3(OFFICIAL).signature,
    );
  });

  it("reproduces the self-computed ENS vector", () => {
    const signed = signRequestV3(ENS);
    expect(signed.canonicalRequest.split("\n")[2]).toBe(
      "DestCidrIp=10.0.0.0%2F8&IpProtocol=tcp&Policy=drop&PortRange=1%2F200&Priority=1&SecurityGroupId=sg-test123",
    );
    expect(sha256Hex(signed.canonicalRequest)).toBe(
      "c7fccd616196abeadf8d6e4dc9d1cf7f6f56afbd535a657a8311418e81c2fcf7",
    );
    expect(signed.signature).toBe("ed8b1994a413e444d52fd25eb20cd73bce9bb7f6528800f557d356abae55ae55");
  });

  it("builds the canonical request in six parts with an empty line after the headers", () => {
    const lines = signRequestV3(ENS).canonicalRequest.split("\n");
    expect(lines[0]).toBe("POST");
    expect(lines[1]).toBe("/");
    expect(lines.slice(3, 9)).toEqual([
      "host:ens.aliyuncs.com",
      "x-acs-action:AuthorizeSecurityGroupEgress",
      "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "x-acs-date:2024-01-01T00:00:00Z",
      "x-acs-signature-nonce:nonce-0001",
      "x-acs-version:2017-11-10",
    ]);
    expect(lines[9]).toBe("");
    expect(lines[10]).toBe(
      "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version",
    );
    expect(lines[11]).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("sends and signs the STS token (and the access key id, as the SDK does)", () => {
    const signed = signRequestV3({ ...ENS, credentials: { ...ENS.credentials, securityToken: "sts-token" } });
    expect(signed.headers["x-acs-security-token"]).toBe("sts-token");
    expect(signed.headers["x-acs-accesskey-id"]).toBe("testid");
    expect(signed.headers.Authorization).toContain(
      "SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,",
    );
    expect(signed.signature).not.toBe(signRequestV3(ENS).signature);
  });

  it("hashes a body and signs content-type but not accept or user-agent", () => {
    const signed = signRequestV3({
      ...ENS,
      body: "a=1",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        accept: "application/json",
        "user-agent": "x",
      },
    });
    expect(signed.headers["x-acs-content-sha256"]).toBe(sha256Hex("a=1"));
    expect(signed.headers.Authorization).toContain("SignedHeaders=content-type;host;");
    expect(signed.canonicalRequest).not.toContain("user-agent");
  });

  it("never puts the secret into anything it returns", () => {
    const secret = "very-secret-value";
    const signed = signRequestV3({ ...ENS, credentials: { accessKeyId: "id", accessKeySecret: secret } });
    expect(JSON.stringify(signed)).not.toContain(secret);
  });
});

describe("canonicalizeQueryV3 / canonicalizeHeadersV3", () => {
  it("encodes names and values, sorts by name, keeps empty values as k=", () => {
    expect(canonicalizeQueryV3({ b: "x y*~", a: "", "c d": "é" })).toBe("a=&b=x%20y%2A~&c%20d=%C3%A9");
    expect(canonicalizeQueryV3({})).toBe("");
  });

  it("lowercases, trims and merges headers that differ only in case", () => {
    expect(canonicalizeHeadersV3({ "x-acs-TEST": " https ", "x-acs-test": "http", Accept: "a" })).toEqual({
      canonicalHeaders: "x-acs-test:http,https\n",
      signedHeaders: "x-acs-test",
    });
  });
});
