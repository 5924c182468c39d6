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
  return JSON.stringify([
    rule.SecurityGroupId,
    rule.IpProtocol.toLowerCase(),
    rule.PortRange,
    parsed.ok ? formatBlock(parsed.block) : rule.DestCidrIp,
    rule.Policy.toLowerCase(),
    rule.Priority,
    rule.SourcePortRange,
  ]);
}
