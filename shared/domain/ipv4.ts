/**
 * IPv4 address and CIDR arithmetic on unsigned 32-bit integers. Hand-written rather than a library because the
 * product only handles IPv4 (ENS `DestCidrIp` is IPv4) and this costs nothing at cold start.
 */

/** An IPv4 block: `base` is the network address as an unsigned 32-bit integer, `prefix` 0-32. */
export interface Ipv4Block {
  base: number;
  prefix: number;
}

const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Parses dotted-quad IPv4 (four numbers 0-255, no leading zeros, no whitespace) into an unsigned 32-bit integer,
 * or null. A scan of character codes: the guardrails parse every destination of a group on each invocation.
 */
export function parseIpv4(text: string): number | null {
  let value = 0;
  let octets = 0;
  let i = 0;
  while (true) {
    const start = i;
    let octet = 0;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code < ZERO || code > NINE) break;
      octet = octet * 10 + (code - ZERO);
      i++;
    }
    const digits = i - start;
    // 1-3 digits, at most 255, and a leading zero only for 0 itself.
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(start) === ZERO))
      return null;
    value = value * 256 + octet;
    octets++;
    if (octets === 4) return i === text.length ? value : null;
    if (i >= text.length || text.charCodeAt(i) !== DOT) return null;
    i++;
  }
}

/** Formats an unsigned 32-bit integer as dotted-quad IPv4. */
export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** The netmask of a prefix length as an unsigned 32-bit integer. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Result of parsing a CIDR block or single address; `hostBitsSet` tells `10.0.0.1/8` from `10.0.0.0/8`. */
export type CidrParse = { ok: true; block: Ipv4Block; hostBitsSet: boolean } | { ok: false };

/** Parses `a.b.c.d/n` or a single address `a.b.c.d` (taken as /32). */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseIpv4(addressText);
  if (address === null) return { ok: false };
  let prefix = 32;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(3[0-2]|[12]?\d)$/.test(prefixText)) return { ok: false };
    prefix = Number(prefixText);
  }
  const base = (address & prefixMask(prefix)) >>> 0;
  return { ok: true, block: { base, prefix }, hostBitsSet: base !== address };
}

/** Number of addresses in a block, as a plain number (2^32 for /0 fits a double exactly). */
export function blockSize(block: Ipv4Block): number {
  return 2 ** (32 - block.prefix);
}

/** First and last address of a block, inclusive. */
export function blockRange(block: Ipv4Block): { first: number; last: number } {
  return { first: block.base, last: block.base + blockSize(block) - 1 };
}

/** True when `outer` contains every address of `inner`. */
export function blockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  const a = blockRange(outer);
  const b = blockRange(inner);
  return a.first <= b.first && b.last <= a.last;
}

/** True when the two blocks share at least one address. */
export function blocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  const x = blockRange(a);
  const y = blockRange(b);
  return x.first <= y.last && y.first <= x.last;
}

/** Formats a block as `a.b.c.d/n`. */
export function formatBlock(block: Ipv4Block): string {
  return `${formatIpv4(block.base)}/${block.prefix}`;
}
