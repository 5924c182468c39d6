/**
 * ENS port ranges (`PortRange`, `SourcePortRange`): tcp and udp take `start/end` with ports 1-65535 and
 * start <= end; icmp, gre and all take exactly `-1/-1`. Only the canonical spelling is accepted (no spaces,
 * signs or leading zeros) because the string is sent to ENS as is and is part of the rule's identity.
 */
import type { IpProtocol } from "./types.ts";
import { quoteInput } from "./validation-text.ts";

/** The only port range ENS accepts for icmp, gre and all. */
export const ANY_PORT_RANGE = "-1/-1";

/** The source port range sent to ENS for tcp and udp when a request leaves `SourcePortRange` out. */
export const ALL_PORTS_RANGE = "1/65535";

/** A tcp/udp port range, both ends inclusive. */
export interface PortBounds {
  start: number;
  end: number;
}

// At most five digits, no leading zero: keeps `Number()` away from huge or odd spellings before the range check.
const CANONICAL_RANGE = /^([1-9]\d{0,4})\/([1-9]\d{0,4})$/;
const MAX_PORT = 65535;
const EXAMPLE = 'e.g. "22/22" or "8000/8080"';

/** True for the protocols that have ports (tcp, udp); the others take only `-1/-1`. */
export function protocolHasPorts(protocol: IpProtocol): boolean {
  return protocol === "tcp" || protocol === "udp";
}

/** Parses a canonical tcp/udp port range such as `22/22` into its bounds, or null when it is not one. */
export function parsePortRange(text: string): PortBounds | null {
  const match = CANONICAL_RANGE.exec(text);
  if (match === null) return null;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end > MAX_PORT || start > end) return null;
  return { start, end };
}

/** The `SourcePortRange` a rule gets when the request leaves it out (lead's decision; the emulator agrees). */
export function defaultSourcePortRange(protocol: IpProtocol): string {
  return protocolHasPorts(protocol) ? ALL_PORTS_RANGE : ANY_PORT_RANGE;
}

/**
 * Says why `text` is not a valid port range for `protocol`, in words for a ticket author (without the field
 * name), or returns null when it is valid. With `protocol` null (unknown), either form is accepted.
 *
 * @example describePortRangeProblem("0/22", "icmp") // 'for IpProtocol "icmp" it must be "-1/-1"'
 */
export function describePortRangeProblem(text: string, protocol: IpProtocol | null): string | null {
  if (protocol !== null && !protocolHasPorts(protocol)) {
    return text === ANY_PORT_RANGE ? null : `for IpProtocol "${protocol}" it must be "-1/-1"`;
  }
  if (text === ANY_PORT_RANGE) {
    return protocol === null
      ? null
      : `for IpProtocol "${protocol}" it must name ports "start/end" from 1 to 65535, ${EXAMPLE} ("-1/-1" is only for icmp, gre and all)`;
  }
  if (parsePortRange(text) !== null) return null;
  return `${quoteInput(text)} is not valid: ${describeSyntaxFault(text)}`;
}

/** Finds the first thing wrong with a port range that is not canonical, so the message points at it. */
function describeSyntaxFault(text: string): string {
  if (/\s/.test(text)) return `it must not contain spaces, ${EXAMPLE}`;
  const parts = text.split("/");
  if (parts.length !== 2) return `write two ports as "start/end", ${EXAMPLE}`;
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return `ports must be whole numbers without a sign, ${EXAMPLE}`;
    if (part.length > 1 && part.startsWith("0"))
      return `ports must be written without leading zeros, ${EXAMPLE}`;
  }
  const [start, end] = parts.map(Number) as [number, number];
  const outside = [start, end].find((port) => port < 1 || port > MAX_PORT);
  if (outside !== undefined) return `ports must be from 1 to 65535 (got ${outside})`;
  if (start > end)
    return `the start port ${start} is greater than the end port ${end}; write "${end}/${start}"`;
  return `write "start/end", ${EXAMPLE}`;
}
