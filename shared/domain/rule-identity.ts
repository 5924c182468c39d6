/**
 * When two rules are the same rule to ENS: all seven parameters after defaults, with the destination compared as
 * a network (`10.0.0.1` is `10.0.0.1/32`) and values compared in the request's spelling. A group read answers
 * `TCP` and `Accept`; the group-rules reader normalises those before they reach this key.
 */
import { formatBlock, parseCidr } from "./ipv4.ts";
import type { EgressRule } from "./types.ts";

/**
 * A string that is equal for two rules exactly when ENS would call the second a duplicate of the first.
 * @example ruleIdentity(a) === ruleIdentity(b)
 */
export function ruleIdentity(rule: EgressRule): string {
  const parsed = parseCidr(rule.DestCidrIp);
  // A block written with its prefix and no host bits is already in the network's spelling (parseCidr refuses
  // leading zeros), so it is not formatted again.
  const network = !parsed.ok
    ? rule.DestCidrIp
    : parsed.hostBitsSet || !rule.DestCidrIp.includes("/")
      ? formatBlock(parsed.block)
      : rule.DestCidrIp;
  return JSON.stringify([
    rule.SecurityGroupId,
    rule.IpProtocol.toLowerCase(),
    rule.PortRange,
    network,
    rule.Policy.toLowerCase(),
    rule.Priority,
    rule.SourcePortRange,
  ]);
}
