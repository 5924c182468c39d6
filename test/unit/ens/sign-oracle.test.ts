/**
 * Wire compatibility with the official SDK (@alicloud/openapi-core, a devDependency used only here): for many
 * random requests our signature equals what the SDK computes for the same inputs, with date and nonce pinned.
 * Part 1 compares with the SDK's exported signing utilities; part 2 runs the SDK's real client and our real
 * transport against one capture server on 127.0.0.1 and compares the requests they put on the wire.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnsTransport } from "#shared/adapters/ens/http-ens-transport.ts";
import { signRequestV1 } from "#shared/adapters/ens/sign-v1.ts";
import { signRequestV3 } from "#shared/adapters/ens/sign-v3.ts";
import { sha256Hex } from "#shared/domain/sha256.ts";
import type { Credentials } from "#shared/ports.ts";
import { ensRpcParams, openApiSdk } from "../../helpers/openapi-sdk.ts";

const require = createRequire(import.meta.url);
const sdk = openApiSdk;
const dara = require("@darabonba/typescript") as {
  RuntimeOptions: new (map: Record<string, unknown>) => unknown;
};
const util = sdk.OpenApiUtil;

// The SDK encodes query values but not names (docs/signing.md); ENS names are plain ASCII, so generate those.
const paramName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,15}$/);
const paramValue = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: "grapheme", maxLength: 12 }));
// fc.dictionary builds null-prototype objects, which the SDK's flattening cannot walk; copy into plain ones.
const dictionary = (minKeys: number, maxKeys: number) =>
  fc.dictionary(paramName, paramValue, { minKeys, maxKeys }).map((d) => ({ ...d }));
const params = dictionary(0, 9);
const token = fc.stringMatching(/^[A-Za-z0-9]{1,40}$/);
const credentials: fc.Arbitrary<Credentials> = fc.record(
  { accessKeyId: token, accessKeySecret: token, securityToken: token },
  { requiredKeys: ["accessKeyId", "accessKeySecret"] },
);
const date = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.\d{3}Z$/, "Z"));
const nonce = fc.stringMatching(/^[a-f0-9-]{8,36}$/);

describe("signature V3 against the SDK's getAuthorization", () => {
  it("gives the same Authorization for random requests", () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom("POST" as const, "GET" as const),
          host: fc.constantFrom("ens.aliyuncs.com", "ens.ap-southeast-1.aliyuncs.com", "127.0.0.1:8080"),
          query: params,
          body: fc.oneof(fc.constant(""), fc.string({ maxLength: 40 })),
          action: paramName,
          version: fc.constantFrom("2017-11-10", "2014-05-26"),
          credentials,
          date,
          nonce,
        }),
        (input) => {
          const signed = signRequestV3({ ...input, path: "/", headers: { accept: "application/json" } });
          const { Authorization, ...headers } = signed.headers;
          const expected = util.getAuthorization(
            { method: input.method, pathname: "/", query: input.query, headers },
            "ACS3-HMAC-SHA256",
            sha256Hex(input.body),
            input.credentials.accessKeyId,
            input.credentials.accessKeySecret,
          );
          expect(Authorization).toBe(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("signature V1 against the SDK's getRPCSignature", () => {
  it("gives the same Signature for random requests", () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom("POST" as const, "GET" as const),
          params,
          action: paramName,
          credentials,
          timestamp: date,
          nonce,
        }),
        (input) => {
          const signed = signRequestV1({ ...input, version: "2017-11-10" });
          const { Signature, ...signedParams } = signed.query;
          expect(Signature).toBe(
            util.getRPCSignature(signedParams, input.method, input.credentials.accessKeySecret),
          );
        },
      ),
      { numRuns: 400 },
    );
  });
});

function decodeQuery(url: string): Record<string, string> {
  const parsed = new URL(url, "http://capture");
  expect(parsed.pathname).toBe("/");
  return Object.fromEntries(parsed.searchParams);
}

interface Captured {
  url: string;
  headers: IncomingHttpHeaders;
}

describe("the SDK's real client and our transport on the wire", () => {
  let server: Server;
  let endpoint: string;
  const captured: Captured[] = [];
  const pinned = { date: "2024-01-01T00:00:00Z", nonce: "nonce-0001" };
  const original = { getTimestamp: util.getTimestamp, getNonce: util.getNonce };

  beforeAll(async () => {
    server = createServer((req, res) => {
      captured.push({ url: req.url ?? "", headers: req.headers });
      req.resume();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ RequestId: `cap-${captured.length}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    util.getTimestamp = () => pinned.date;
    util.getNonce = () => pinned.nonce;
  });

  afterAll(async () => {
    util.getTimestamp = original.getTimestamp;
    util.getNonce = original.getNonce;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sdkParams = (action: string) => new sdk.$OpenApiUtil.Params(ensRpcParams(action));

  async function sdkCall(config: Record<string, unknown>, action: string, query: Record<string, string>) {
    const client = new sdk.default(new sdk.$OpenApiUtil.Config({ endpoint, protocol: "HTTP", ...config }));
    await client.callApi(
      sdkParams(action),
      new sdk.$OpenApiUtil.OpenApiRequest({ query: util.query(query) }),
      new dara.RuntimeOptions({}),
    );
    return captured.at(-1)!;
  }

  it("sends the same query and Authorization as the SDK (credentials object without provider header)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          query: dictionary(1, 7),
          action: paramName,
          credentials,
          date,
          nonce,
        }),
        async (input) => {
          pinned.date = input.date;
          pinned.nonce = input.nonce;
          // A bare credential object: the SDK then signs exactly the header set our transport sends.
          const credential = {
            getCredential: async () => ({ ...input.credentials, type: "access_key" }),
          };
          const theirs = await sdkCall({ credential }, input.action, input.query);
          const transport = createEnsTransport({
            endpoint: `http://${endpoint}`,
            attemptTimeoutMs: 5000,
            clock: { now: () => Date.parse(input.date) },
            nonce: () => input.nonce,
          });
          try {
            await transport.call(input.action, input.query, input.credentials, new AbortController().signal);
          } finally {
            transport.close();
          }
          const ours = captured.at(-1)!;
          // Each client orders and escapes the wire query its own way; what must match is what the server decodes.
          expect(decodeQuery(ours.url)).toEqual(decodeQuery(theirs.url));
          expect(decodeQuery(ours.url)).toEqual(input.query);
          expect(ours.headers.authorization).toBe(theirs.headers.authorization);
          for (const name of Object.keys(theirs.headers).filter((n) => n.startsWith("x-acs-"))) {
            expect(ours.headers[name], name).toBe(theirs.headers[name]);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("recomputes the SDK's Authorization from its own request (static AK and STS config)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ query: params, action: paramName, credentials, date, nonce }),
        async (input) => {
          pinned.date = input.date;
          pinned.nonce = input.nonce;
          const theirs = await sdkCall({ ...input.credentials }, input.action, input.query);
          const extra: Record<string, string> = {};
          const provider = theirs.headers["x-acs-credentials-provider"];
          if (typeof provider === "string") extra["x-acs-credentials-provider"] = provider;
          const ours = signRequestV3({
            method: "POST",
            host: endpoint,
            path: "/",
            query: input.query,
            headers: extra,
            body: "",
            action: input.action,
            version: "2017-11-10",
            credentials: input.credentials,
            date: input.date,
            nonce: input.nonce,
          });
          expect(decodeQuery(theirs.url)).toEqual(input.query);
          expect(theirs.headers.authorization).toBe(ours.headers.Authorization);
          if (input.credentials.securityToken) {
            expect(theirs.headers["x-acs-security-token"]).toBe(input.credentials.securityToken);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
