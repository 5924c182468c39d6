import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cidrSetContains,
  cidrSetCoversWorld,
  cidrSetOverlaps,
  createCidrSet,
  firstAddressOutside,
  LAST_ADDRESS,
  overlappingRanges,
  rangeToBlocks,
  WORLD_RANGE,
} from "#shared/domain/cidr-set.ts";
import { formatBlock, formatIpv4, type Ipv4Block, parseCidr, parseIpv4 } from "#shared/domain/ipv4.ts";

/** Parses a CIDR the test trusts; fails the test on a typo. */
function block(text: string): Ipv4Block {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad test CIDR ${text}`);
  return parsed.block;
}

function set(...cidrs: string[]) {
  return createCidrSet(cidrs.map(block));
}

function ip(text: string): number {
  const value = parseIpv4(text);
  if (value === null) throw new Error(`bad test address ${text}`);
  return value;
}

describe("createCidrSet", () => {
  it("sorts and merges overlapping and adjacent blocks", () => {
    expect(set("10.128.0.0/9", "192.168.0.0/16", "10.0.0.0/9", "10.1.0.0/16").ranges).toEqual([
      { first: ip("10.0.0.0"), last: ip("10.255.255.255") },
      { first: ip("192.168.0.0"), last: ip("192.168.255.255") },
    ]);
  });

  it("keeps blocks with a gap between them apart", () => {
    expect(set("10.0.0.0/24", "10.0.2.0/24").ranges).toHaveLength(2);
  });

  it("is empty for no blocks", () => {
    expect(set().ranges).toEqual([]);
    expect(cidrSetCoversWorld(set())).toBe(false);
  });

  it("handles the last address without overflowing", () => {
    expect(set("255.255.255.255/32", "255.255.255.254/32").ranges).toEqual([
      { first: LAST_ADDRESS - 1, last: LAST_ADDRESS },
    ]);
  });
});

describe("containment and overlap on real CIDR arithmetic", () => {
  it("10.0.0.0/8 contains 10.1.2.3 but not 11.0.0.0", () => {
    expect(cidrSetContains(set("10.0.0.0/8"), block("10.1.2.3"))).toBe(true);
    expect(cidrSetContains(set("10.0.0.0/8"), block("11.0.0.0"))).toBe(false);
  });

  it("0.0.0.0/1 plus 128.0.0.0/1 is the world; either alone is not", () => {
    expect(cidrSetCoversWorld(set("0.0.0.0/1", "128.0.0.0/1"))).toBe(true);
    expect(cidrSetContains(set("128.0.0.0/1", "0.0.0.0/1"), block("0.0.0.0/0"))).toBe(true);
    expect(cidrSetCoversWorld(set("0.0.0.0/1"))).toBe(false);
    expect(cidrSetCoversWorld(set("0.0.0.0/0"))).toBe(true);
  });

  it("a union contains a block that no single member contains", () => {
    expect(cidrSetContains(set("10.0.0.0/9", "10.128.0.0/9"), block("10.0.0.0/8"))).toBe(true);
  });

  it("names the first address outside the set", () => {
    const allow = set("10.0.0.0/9", "10.192.0.0/10");
    expect(firstAddressOutside(allow, block("10.0.0.0/8"))).toBe(ip("10.128.0.0"));
    expect(firstAddressOutside(allow, block("11.0.0.0/8"))).toBe(ip("11.0.0.0"));
    expect(firstAddressOutside(allow, block("10.1.0.0/16"))).toBeNull();
  });

  it("overlap means any address in common, in either direction", () => {
    expect(cidrSetOverlaps(set("10.10.0.0/16"), block("10.0.0.0/8"))).toBe(true);
    expect(cidrSetOverlaps(set("10.0.0.0/8"), block("10.10.1.0/24"))).toBe(true);
    expect(cidrSetOverlaps(set("10.0.0.0/8"), block("0.0.0.0/0"))).toBe(true);
    expect(cidrSetOverlaps(set("10.0.0.0/8"), block("11.0.0.0/8"))).toBe(false);
  });

  it("lists the members that overlap", () => {
    expect(
      overlappingRanges(set("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"), block("172.0.0.0/8")),
    ).toEqual([{ first: ip("172.16.0.0"), last: ip("172.31.255.255") }]);
  });
});

describe("rangeToBlocks", () => {
  it("writes the world as one block", () => {
    expect(rangeToBlocks(WORLD_RANGE).map(formatBlock)).toEqual(["0.0.0.0/0"]);
  });

  it("splits an unaligned range into the fewest blocks", () => {
    expect(rangeToBlocks({ first: ip("10.0.0.1"), last: ip("10.0.0.6") }).map(formatBlock)).toEqual([
      "10.0.0.1/32",
      "10.0.0.2/31",
      "10.0.0.4/31",
      "10.0.0.6/32",
    ]);
  });
});

// Brute force over a small window of the address space is the independent oracle for the interval logic.
const WINDOW = ip("10.0.0.0");
const windowBlock = fc
  .record({ offset: fc.integer({ min: 0, max: 1023 }), prefix: fc.integer({ min: 22, max: 32 }) })
  .map(({ offset, prefix }) => block(`${formatIpv4(WINDOW + offset)}/${prefix}`));

function members(blocks: Ipv4Block[]): Set<number> {
  const result = new Set<number>();
  for (const member of blocks) {
    for (let address = member.base; address < member.base + 2 ** (32 - member.prefix); address++)
      result.add(address);
  }
  return result;
}

describe("properties against brute force", () => {
  it("contains, overlaps and firstAddressOutside agree with address-by-address checks", () => {
    fc.assert(
      fc.property(fc.array(windowBlock, { maxLength: 6 }), windowBlock, (blocks, query) => {
        const inSet = members(blocks);
        const queried = [...members([query])].sort((a, b) => a - b);
        const cidrSet = createCidrSet(blocks);
        expect(cidrSetContains(cidrSet, query)).toBe(queried.every((address) => inSet.has(address)));
        expect(cidrSetOverlaps(cidrSet, query)).toBe(queried.some((address) => inSet.has(address)));
        expect(firstAddressOutside(cidrSet, query)).toBe(
          queried.find((address) => !inSet.has(address)) ?? null,
        );
      }),
    );
  });

  it("merged ranges are sorted, disjoint, non-adjacent and hold exactly the input addresses", () => {
    fc.assert(
      fc.property(fc.array(windowBlock, { maxLength: 6 }), (blocks) => {
        const { ranges } = createCidrSet(blocks);
        for (let i = 1; i < ranges.length; i++)
          expect(ranges[i]!.first).toBeGreaterThan(ranges[i - 1]!.last + 1);
        const fromRanges = members(ranges.flatMap(rangeToBlocks));
        expect([...fromRanges].sort()).toEqual([...members(blocks)].sort());
      }),
    );
  });

  it("rangeToBlocks returns aligned blocks that tile the range exactly", () => {
    fc.assert(
      fc.property(fc.nat(LAST_ADDRESS), fc.nat(LAST_ADDRESS), (a, b) => {
        const range = { first: Math.min(a, b), last: Math.max(a, b) };
        let next = range.first;
        for (const member of rangeToBlocks(range)) {
          expect(member.base).toBe(next);
          expect(member.base % 2 ** (32 - member.prefix)).toBe(0);
          next = member.base + 2 ** (32 - member.prefix);
        }
        expect(next).toBe(range.last + 1);
      }),
    );
  });
});
