import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blockContains,
  blockRange,
  blockSize,
  blocksOverlap,
  formatBlock,
  formatIpv4,
  parseCidr,
  parseIpv4,
  prefixMask,
} from "#shared/domain/ipv4.ts";

describe("parseIpv4", () => {
  it.each<[string, number | null]>([
    ["0.0.0.0", 0],
    ["255.255.255.255", 0xffffffff],
    ["10.0.0.1", 0x0a000001],
    ["192.0.2.10", 0xc000020a],
    ["256.1.1.1", null],
    ["010.0.0.1", null],
    ["1.2.3.00", null],
    ["1.2.3", null],
    ["1.2.3.4.5", null],
    [" 1.2.3.4", null],
    ["1.2.3.4 ", null],
    ["1.2.3.-4", null],
    ["1.2.3.+4", null],
    ["1..3.4", null],
    ["", null],
    ["::1", null],
    ["１.2.3.4", null],
  ])("%s -> %s", (text, expected) => {
    expect(parseIpv4(text)).toBe(expected);
  });

  it("agrees with the dotted-quad grammar on any text made of digits, dots and a few other characters", () => {
    // The grammar written as a regular expression: the oracle of the character scan.
    const octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    const grammar = new RegExp(`^${octet}\\.${octet}\\.${octet}\\.${octet}$`);
    const oracle = (text: string): number | null =>
      grammar.test(text) ? text.split(".").reduce((value, part) => value * 256 + Number(part), 0) : null;
    const alphabet = fc.constantFrom("0", "1", "2", "5", "9", ".", ".", " ", "-", "a", "/", "\u0661");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 20 }), (chars) => {
        const text = chars.join("");
        expect(parseIpv4(text)).toBe(oracle(text));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 3, maxLength: 5 }), (parts) => {
        const text = parts.join(".");
        expect(parseIpv4(text)).toBe(oracle(text));
      }),
    );
  });

  it("round-trips every address through formatIpv4", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        expect(parseIpv4(formatIpv4(value))).toBe(value);
      }),
    );
  });
});

describe("prefixMask", () => {
  it.each<[number, number]>([
    [0, 0],
    [1, 0x80000000],
    [8, 0xff000000],
    [24, 0xffffff00],
    [31, 0xfffffffe],
    [32, 0xffffffff],
  ])("/%i", (prefix, mask) => {
    expect(prefixMask(prefix)).toBe(mask);
  });
});

describe("parseCidr", () => {
  it.each<[string, { base: string; prefix: number; hostBitsSet: boolean } | null]>([
    ["10.0.0.0/8", { base: "10.0.0.0", prefix: 8, hostBitsSet: false }],
    ["10.0.0.1/8", { base: "10.0.0.0", prefix: 8, hostBitsSet: true }],
    ["192.0.2.10", { base: "192.0.2.10", prefix: 32, hostBitsSet: false }],
    ["192.0.2.10/32", { base: "192.0.2.10", prefix: 32, hostBitsSet: false }],
    ["0.0.0.0/0", { base: "0.0.0.0", prefix: 0, hostBitsSet: false }],
    ["255.255.255.255/0", { base: "0.0.0.0", prefix: 0, hostBitsSet: true }],
    ["10.0.0.0/33", null],
    ["10.0.0.0/08", null],
    ["10.0.0.0/", null],
    ["10.0.0.0/8/8", null],
    ["10.0.0.0/-1", null],
    ["10.0.0.0/ 8", null],
    ["256.0.0.0/8", null],
    ["/8", null],
  ])("%s", (text, expected) => {
    const parsed = parseCidr(text);
    if (expected === null) {
      expect(parsed.ok).toBe(false);
      return;
    }
    expect(parsed).toEqual({
      ok: true,
      block: { base: parseIpv4(expected.base), prefix: expected.prefix },
      hostBitsSet: expected.hostBitsSet,
    });
  });

  it("round-trips network blocks through formatBlock", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        (address, prefix) => {
          const parsed = parseCidr(`${formatIpv4(address)}/${prefix}`);
          if (!parsed.ok) throw new Error("valid CIDR refused");
          expect(parseCidr(formatBlock(parsed.block))).toEqual({
            ok: true,
            block: parsed.block,
            hostBitsSet: false,
          });
        },
      ),
    );
  });
});

describe("block arithmetic", () => {
  const block = (text: string) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(`bad fixture ${text}`);
    return parsed.block;
  };

  it("sizes and ranges", () => {
    expect(blockSize(block("0.0.0.0/0"))).toBe(2 ** 32);
    expect(blockSize(block("10.0.0.1"))).toBe(1);
    expect(blockRange(block("10.0.0.0/8"))).toEqual({ first: 0x0a000000, last: 0x0affffff });
    expect(blockRange(block("0.0.0.0/0"))).toEqual({ first: 0, last: 0xffffffff });
  });

  it.each<[string, string, boolean, boolean]>([
    ["10.0.0.0/8", "10.1.0.0/16", true, true],
    ["10.1.0.0/16", "10.0.0.0/8", false, true],
    ["10.0.0.0/8", "11.0.0.0/8", false, false],
    ["0.0.0.0/0", "255.255.255.255", true, true],
    ["192.0.2.0/25", "192.0.2.128/25", false, false],
    ["192.0.2.0/24", "192.0.2.255", true, true],
  ])("%s vs %s: contains %s, overlaps %s", (outer, inner, contains, overlaps) => {
    expect(blockContains(block(outer), block(inner))).toBe(contains);
    expect(blocksOverlap(block(outer), block(inner))).toBe(overlaps);
  });

  it("agrees with BigInt interval arithmetic", () => {
    const anyBlock = fc
      .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
      .map(([address, prefix]) => {
        const parsed = parseCidr(`${formatIpv4(address)}/${prefix}`);
        if (!parsed.ok) throw new Error("valid CIDR refused");
        return parsed.block;
      });
    const interval = (b: { base: number; prefix: number }) => {
      const first = BigInt(b.base);
      return { first, last: first + (1n << BigInt(32 - b.prefix)) - 1n };
    };
    fc.assert(
      fc.property(anyBlock, anyBlock, (a, b) => {
        const x = interval(a);
        const y = interval(b);
        expect(blockContains(a, b)).toBe(x.first <= y.first && y.last <= x.last);
        expect(blocksOverlap(a, b)).toBe(x.first <= y.last && y.first <= x.last);
      }),
    );
  });
});
