import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4Block, parseIpv4Block } from "../../../local/ens-emulator/ipv4.ts";

describe("the emulator's IPv4 parser", () => {
  it.each([
    ["10.0.0.1", "10.0.0.1/32", false],
    ["10.0.0.1/32", "10.0.0.1/32", false],
    ["10.0.0.0/8", "10.0.0.0/8", false],
    ["10.0.0.1/8", "10.0.0.0/8", true],
    ["0.0.0.0/0", "0.0.0.0/0", false],
    ["255.255.255.255", "255.255.255.255/32", false],
    ["192.168.1.129/25", "192.168.1.128/25", true],
  ])("accepts %s as %s (host bits set: %s)", (text, canonical, hostBits) => {
    const block = parseIpv4Block(text);
    expect(block).not.toBeNull();
    expect(formatIpv4Block(block!)).toBe(canonical);
    expect(block!.hostBitsSet).toBe(hostBits);
  });

  it.each([
    "",
    "10.0.0",
    "10.0.0.0.0",
    "256.0.0.1",
    "10.0.0.01",
    "010.0.0.1",
    "10.0.0.0/33",
    "10.0.0.0/",
    "10.0.0.0/08",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    " 10.0.0.1",
    "10.0.0.1 ",
    "::1",
    "2001:db8::/32",
    "a.b.c.d",
    "1e1.0.0.1",
  ])("refuses %j", (text) => {
    expect(parseIpv4Block(text)).toBeNull();
  });

  it("round-trips every network it formats", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        (address, prefix) => {
          const text = `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}/${prefix}`;
          const block = parseIpv4Block(text);
          expect(block).not.toBeNull();
          const again = parseIpv4Block(formatIpv4Block(block!));
          expect(again).toEqual({ network: block!.network, prefix, hostBitsSet: false });
        },
      ),
    );
  });
});
