/**
 * Sets of IPv4 addresses built from CIDR blocks, kept as sorted, disjoint [first, last] intervals. Guardrails ask
 * union questions ("is this destination inside the allow list", "do these deny entries together cover the
 * world"), and a single block cannot answer them: `0.0.0.0/1` plus `128.0.0.0/1` is the world, yet neither block
 * alone contains `0.0.0.0/0`.
 */
import { blockRange, type Ipv4Block, prefixMask } from "./ipv4.ts";

/** An inclusive interval of IPv4 addresses, as unsigned 32-bit integers. */
export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

/** A set of IPv4 addresses: `ranges` are sorted, disjoint and never adjacent (adjacent ranges are merged). */
export interface CidrSet {
  readonly ranges: readonly AddressRange[];
}

/** The last IPv4 address, 255.255.255.255. */
export const LAST_ADDRESS = 0xffffffff;

/** Every IPv4 address, i.e. `0.0.0.0/0`. */
export const WORLD_RANGE: AddressRange = { first: 0, last: LAST_ADDRESS };

/** The address interval of a block or range; ranges pass through unchanged. */
export function toRange(item: Ipv4Block | AddressRange): AddressRange {
  return "prefix" in item ? blockRange(item) : item;
}

/** Builds the union of the given blocks and ranges. */
export function createCidrSet(items: Iterable<Ipv4Block | AddressRange>): CidrSet {
  const sorted = Array.from(items, toRange).sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: AddressRange[] = [];
  for (const range of sorted) {
    const previous = merged.at(-1);
    // `+ 1` merges adjacent ranges too, so that coverage questions need only look at one interval.
    if (previous !== undefined && range.first <= previous.last + 1) {
      if (range.last > previous.last) merged[merged.length - 1] = { first: previous.first, last: range.last };
    } else {
      merged.push(range);
    }
  }
  return { ranges: merged };
}

/** True when every address of `item` is in the set. */
export function cidrSetContains(set: CidrSet, item: Ipv4Block | AddressRange): boolean {
  return firstAddressOutside(set, item) === null;
}

/** True when at least one address of `item` is in the set. */
export function cidrSetOverlaps(set: CidrSet, item: Ipv4Block | AddressRange): boolean {
  const range = toRange(item);
  return set.ranges.some((member) => member.first <= range.last && range.first <= member.last);
}

/** True when the set holds every IPv4 address. */
export function cidrSetCoversWorld(set: CidrSet): boolean {
  return cidrSetContains(set, WORLD_RANGE);
}

/** The lowest address of `item` that is not in the set, or null when the set contains all of `item`. */
export function firstAddressOutside(set: CidrSet, item: Ipv4Block | AddressRange): number | null {
  const range = toRange(item);
  // Ranges are merged, so at most one of them can hold `range.first`; if it does not reach `range.last`, the
  // address right after it is outside (it would otherwise have been merged into it).
  const holder = set.ranges.find((member) => member.first <= range.first && range.first <= member.last);
  if (holder === undefined) return range.first;
  return holder.last >= range.last ? null : holder.last + 1;
}

/** The members of the set that share at least one address with `item`. */
export function overlappingRanges(set: CidrSet, item: Ipv4Block | AddressRange): AddressRange[] {
  const range = toRange(item);
  return set.ranges.filter((member) => member.first <= range.last && range.first <= member.last);
}

/** The fewest CIDR blocks whose union is exactly `range`, lowest first (for explanations a human reads). */
export function rangeToBlocks(range: AddressRange): Ipv4Block[] {
  const blocks: Ipv4Block[] = [];
  let first = range.first;
  while (first <= range.last) {
    // Grow the block while it stays aligned on `first` and inside the range.
    let prefix = 32;
    while (prefix > 0) {
      const wider = prefix - 1;
      const aligned = (first & prefixMask(wider)) >>> 0 === first;
      if (!aligned || first + 2 ** (32 - wider) - 1 > range.last) break;
      prefix = wider;
    }
    blocks.push({ base: first, prefix });
    first += 2 ** (32 - prefix);
  }
  return blocks;
}
