import type { EgressRule } from "../../shared/domain/types.ts";
import type { EnsCallOptions, EnsCallResult, EnsClient } from "../../shared/ports.ts";

/** An in-memory EnsClient: answers from a script (or `created` by default) and records every call. */
export interface FakeEnsClient extends EnsClient {
  calls: Array<{ rule: EgressRule; options: EnsCallOptions }>;
}

/** Creates a fake whose answer for each call comes from `answer` (default: created with one attempt). */
export function createFakeEnsClient(
  answer: (rule: EgressRule, callIndex: number) => EnsCallResult = (_rule, index) => ({
    outcome: "created",
    attempts: 1,
    ensRequestIds: [`fake-request-${index}`],
    error: null,
  }),
): FakeEnsClient {
  const calls: FakeEnsClient["calls"] = [];
  return {
    calls,
    async authorizeSecurityGroupEgress(rule, options) {
      calls.push({ rule, options });
      return answer(rule, calls.length - 1);
    },
  };
}
