/**
 * `sha256Hex` takes Node's one-shot `crypto.hash` where the runtime has it and `createHash` where it does not
 * (Node 20 before 20.12). This machine's Node has `hash`, so the fallback is exercised the way it would run on an
 * older runtime: the module is bundled as the functions are (CommonJS, esbuild) and evaluated with a `node:crypto`
 * that lacks `hash`.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { build } from "esbuild";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "#shared/domain/sha256.ts";

type Sha256Hex = (data: string) => string;

/** Bundles sha256.ts as the functions are built and evaluates it with `crypto` as its `node:crypto`. */
async function loadBundledSha256(crypto: Record<string, unknown>): Promise<Sha256Hex> {
  const result = await build({
    // Relative to the repository root, where the test runner starts.
    entryPoints: [resolve("shared/domain/sha256.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  const module = { exports: {} as { sha256Hex?: Sha256Hex } };
  const fakeRequire = (id: string) => {
    if (id !== "node:crypto") throw new Error(`unexpected require(${id})`);
    return crypto;
  };
  new Function("module", "exports", "require", code)(module, module.exports, fakeRequire);
  if (module.exports.sha256Hex === undefined) throw new Error("bundle exports no sha256Hex");
  return module.exports.sha256Hex;
}

const reference = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");

describe("sha256Hex", () => {
  it("matches the published SHA-256 test vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("equals createHash on any text, non-ASCII included", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (text) => sha256Hex(text) === reference(text)));
  });

  it("hashes bytes as they are, not UTF-8 text decoded from them (a raw request body)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        expect(sha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
      }),
    );
    expect(sha256Hex(Buffer.from([0xff]))).not.toBe(sha256Hex(Buffer.from([0xff]).toString("utf8")));
  });

  it("falls back to createHash on a Node without crypto.hash, with the same digests", async () => {
    let createHashCalls = 0;
    const withoutHash = {
      createHash: (algorithm: string) => {
        createHashCalls++;
        return createHash(algorithm);
      },
    };
    const bundled = await loadBundledSha256(withoutHash);
    for (const text of ["", "abc", "sg-bench0001 10.0.0.0/8 ü €"])
      expect(bundled(text)).toBe(reference(text));
    expect(createHashCalls).toBe(3);
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    expect((bundled as unknown as (data: Uint8Array) => string)(bytes)).toBe(
      createHash("sha256").update(bytes).digest("hex"),
    );
  });

  it("uses the one-shot crypto.hash when the runtime has it", async () => {
    let hashCalls = 0;
    const withHash = {
      createHash: () => {
        throw new Error("createHash must not be used when crypto.hash exists");
      },
      hash: (algorithm: string, data: string, encoding: "hex") => {
        hashCalls++;
        return createHash(algorithm).update(data, "utf8").digest(encoding);
      },
    };
    const bundled = await loadBundledSha256(withHash);
    expect(bundled("abc")).toBe(reference("abc"));
    expect(hashCalls).toBe(1);
  });
});
