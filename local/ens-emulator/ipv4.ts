/**
 * The emulator's own IPv4 parsing. It deliberately shares nothing with `shared/domain`, so that a bug there
 * cannot hide behind the same bug here.
 */

/** An IPv4 CIDR block as numbers: `network` has the host bits cleared. */
export interface Ipv4Block {
  network: number;
  prefix: number;
  /** True when the input had host bits set (`10.0.0.1/8`). */
  hostBitsSet: boolean;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;
const PREFIX = /^(0|[1-9]\d?)$/;

/**
 * Parses `a.b.c.d` or `a.b.c.d/n`; returns null for anything else (IPv6, leading zeros, out-of-range parts).
 * @example parseIpv4Block("10.0.0.1") // { network: 167772161, prefix: 32, hostBitsSet: false }
 */
export function parseIpv4Block(text: string): Ipv4Block | null {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? "32" : text.slice(slash + 1);
  if (!PREFIX.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > 32) return null;
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: some stacks read them as octal, so "010" is ambiguous.
    if (!OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (value & mask) >>> 0;
  return { network, prefix, hostBitsSet: network !== value };
}

/** Formats a block as `a.b.c.d/n`, the canonical form used for rule identity. */
export function formatIpv4Block(block: Pick<Ipv4Block, "network" | "prefix">): string {
  const n = block.network;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${block.prefix}`;
}
