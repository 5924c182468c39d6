import type { EgressRule } from "#shared/domain/types.ts";
import type { EnsCallOptions, EnsCallResult, EnsClient, GroupReadResult } from "#shared/ports.ts";

/** An in-memory EnsClient: answers from a script (or `created` by default) and records every call. */
export interface FakeEnsClient extends EnsClient {
  calls: Array<{ rule: EgressRule; options: EnsCallOptions }>;
  /** Every group read, in order. */
  reads: Array<{ securityGroupId: string; options: EnsCallOptions }>;
  /** What a read of each group answers (rules the test put there, plus every rule a write `created`). */
  groups: Map<string, EgressRule[]>;
}

/**
 * Creates a fake whose answer for each write comes from `answer` (default: created with one attempt) and whose
 * reads answer `read` (default: the group's rules from `groups`, empty for an unknown group).
 */
export function createFakeEnsClient(
  answer: (rule: EgressRule, callIndex: number) => EnsCallResult = (_rule, index) => ({
    outcome: "created",
    attempts: 1,
    ensRequestIds: [`fake-request-${index}`],
    error: null,
  }),
  read?: (securityGroupId: string, readIndex: number) => GroupReadResult,
): FakeEnsClient {
  const calls: FakeEnsClient["calls"] = [];
  const reads: FakeEnsClient["reads"] = [];
  const groups = new Map<string, EgressRule[]>();
  return {
    calls,
    reads,
    groups,
    async authorizeSecurityGroupEgress(rule, options) {
      calls.push({ rule, options });
      const result = answer(rule, calls.length - 1);
      if (result.outcome === "created") {
        groups.set(rule.SecurityGroupId, [...(groups.get(rule.SecurityGroupId) ?? []), rule]);
      }
      return result;
    },
    async describeSecurityGroupEgress(securityGroupId, options) {
      reads.push({ securityGroupId, options });
      if (read) return read(securityGroupId, reads.length - 1);
      return {
        ok: true,
        rules: [...(groups.get(securityGroupId) ?? [])],
        attempts: 1,
        ensRequestIds: [`fake-read-${reads.length - 1}`],
      };
    },
  };
}
