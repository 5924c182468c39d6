/**
 * What this invocation knows about the security groups it touches: each group is read once (the first rule that
 * needs it reads it; later rules, and later messages of a queue batch, share that read), and every rule this
 * invocation settles is added to it, so the guardrails judge each rule against the group as it is by then.
 *
 * Messages for one group run one after another in a batch (see process-queue-batch.ts), so nothing here races.
 * Two invocations for one group can still interleave their read and write; docs/policy.md says what that leaves.
 */
import { ruleIdentity } from "../domain/rule-identity.ts";
import type { EgressRule } from "../domain/types.ts";
import type { Credentials, EnsClient, EnsErrorInfo } from "../ports.ts";

/** One group as this invocation sees it. */
export interface GroupState {
  /** Every rule that is, or may be, in the group: what the guardrails count. */
  readonly rules: readonly EgressRule[];
  /** True when a rule identical to this one is known to be in the group. */
  has(rule: EgressRule): boolean;
}

/** A read that failed after its retries. */
export interface GroupReadFailure {
  attempts: number;
  ensRequestIds: string[];
  error: EnsErrorInfo;
}

/** The groups of one invocation. */
export interface GroupStates {
  /** The group's state, read from ENS on first use; a failed read is not kept, so a later rule may try again. */
  read(
    securityGroupId: string,
    call: { credentials: Credentials; deadline: number },
  ): Promise<{ ok: true; state: GroupState } | ({ ok: false } & GroupReadFailure)>;
  /** Records a rule this invocation settled: `present` when ENS confirmed it, `possible` when it may have stored it. */
  record(rule: EgressRule, certainty: "present" | "possible"): void;
}

class KnownGroup implements GroupState {
  readonly rules: EgressRule[] = [];
  private readonly present = new Set<string>();

  constructor(rules: readonly EgressRule[]) {
    for (const rule of rules) this.add(rule, "present");
  }

  has(rule: EgressRule): boolean {
    return this.present.has(ruleIdentity(rule));
  }

  add(rule: EgressRule, certainty: "present" | "possible"): void {
    const identity = ruleIdentity(rule);
    if (this.present.has(identity)) return;
    if (certainty === "present") this.present.add(identity);
    this.rules.push(rule);
  }
}

/**
 * Creates the group cache of one invocation (never shared between invocations: a group changes between them).
 * @example const groups = createGroupStates(ens); const read = await groups.read("sg-1", { credentials, deadline });
 */
export function createGroupStates(ens: EnsClient): GroupStates {
  const known = new Map<string, Promise<KnownGroup | GroupReadFailure>>();
  const settled = new Map<string, KnownGroup>();
  return {
    async read(securityGroupId, call) {
      let pending = known.get(securityGroupId);
      if (pending === undefined) {
        pending = ens.describeSecurityGroupEgress(securityGroupId, call).then((result) => {
          if (!result.ok) return result;
          const group = new KnownGroup(result.rules);
          settled.set(securityGroupId, group);
          return group;
        });
        known.set(securityGroupId, pending);
      }
      const group = await pending;
      if (group instanceof KnownGroup) return { ok: true, state: group };
      if (known.get(securityGroupId) === pending) known.delete(securityGroupId);
      return { ok: false, ...group };
    },
    record(rule, certainty) {
      settled.get(rule.SecurityGroupId)?.add(rule, certainty);
    },
  };
}
