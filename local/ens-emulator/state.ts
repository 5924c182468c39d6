import { randomBytes } from "node:crypto";
import { EnsEmulatorError } from "./errors.ts";
import type { Direction, RuleParams } from "./rule-params.ts";

/** One stored rule: the validated parameters plus when it was created. */
export interface StoredRule extends RuleParams {
  /** UTC, second precision, as Describe shows it (`2018-12-12T07:28:38Z`). */
  creationTime: string;
}

/** One security group and its rules, in creation order. */
export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  creationTime: string;
  /** Keyed by rule identity, so a duplicate is one lookup. */
  rules: Map<string, StoredRule>;
}

/**
 * Rule identity for `SecurityGroupRuleConflict.Duplicated`: direction plus all seven fields after defaults,
 * with the address compared as a normalised network (10.0.0.1 = 10.0.0.1/32).
 */
export function ruleIdentity(rule: RuleParams): string {
  return [
    rule.direction,
    rule.SecurityGroupId,
    rule.IpProtocol,
    rule.PortRange,
    rule.SourcePortRange,
    rule.Policy,
    String(rule.Priority),
    rule.cidrKey,
  ].join("|");
}

/** Formats epoch ms the way ENS shows times: ISO 8601 UTC without milliseconds. */
export function formatEnsTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The emulator's in-memory ENS: security groups and their rules. Nothing is persisted. */
export interface EmulatorState {
  /** Creates a group; returns false (and changes nothing) when it already exists. */
  createGroup(input: { id?: string; name?: string; description?: string }): {
    group: SecurityGroup;
    created: boolean;
  };
  /** Deletes a group; throws InvalidSecurityGroupId.NotFound. */
  deleteGroup(id: string): void;
  /** Returns a group; throws InvalidSecurityGroupId.NotFound. */
  requireGroup(id: string): SecurityGroup;
  /** Returns a group or undefined. */
  findGroup(id: string): SecurityGroup | undefined;
  /** Stores a rule; throws InvalidSecurityGroupId.NotFound, Duplicated or AuthorizationLimitExceed. */
  addRule(rule: RuleParams): StoredRule;
  /** Removes a rule if present; returns whether it was there. Throws InvalidSecurityGroupId.NotFound. */
  removeRule(rule: RuleParams): boolean;
  /** Rules of a group in creation order, optionally of one direction. */
  listRules(id: string, direction?: Direction): StoredRule[];
  /** Ids of every group, in creation order. */
  listGroupIds(): string[];
  /** Forgets every group and rule. */
  clear(): void;
}

/** Creates an empty state; `ruleQuota` is the per-group rule limit (ingress and egress together). */
export function createEmulatorState(options: { ruleQuota: number; now: () => number }): EmulatorState {
  const groups = new Map<string, SecurityGroup>();

  const requireGroup = (id: string): SecurityGroup => {
    const group = groups.get(id);
    if (!group) throw new EnsEmulatorError("InvalidSecurityGroupId.NotFound", `(SecurityGroupId: ${id})`);
    return group;
  };

  return {
    createGroup(input) {
      const id = input.id ?? `sg-${randomBytes(10).toString("hex")}`;
      const existing = groups.get(id);
      if (existing) return { group: existing, created: false };
      const group: SecurityGroup = {
        id,
        name: input.name ?? "",
        description: input.description ?? "",
        creationTime: formatEnsTime(options.now()),
        rules: new Map(),
      };
      groups.set(id, group);
      return { group, created: true };
    },
    deleteGroup(id) {
      requireGroup(id);
      groups.delete(id);
    },
    requireGroup,
    findGroup: (id) => groups.get(id),
    addRule(rule) {
      const group = requireGroup(rule.SecurityGroupId);
      const key = ruleIdentity(rule);
      // Duplicated is checked before the quota: re-sending a stored rule to a full group is still "exists".
      if (group.rules.has(key)) throw new EnsEmulatorError("SecurityGroupRuleConflict.Duplicated");
      if (group.rules.size >= options.ruleQuota) {
        throw new EnsEmulatorError("AuthorizationLimitExceed", `(quota: ${options.ruleQuota} rules)`);
      }
      const stored: StoredRule = { ...rule, creationTime: formatEnsTime(options.now()) };
      group.rules.set(key, stored);
      return stored;
    },
    removeRule(rule) {
      const group = requireGroup(rule.SecurityGroupId);
      return group.rules.delete(ruleIdentity(rule));
    },
    listRules(id, direction) {
      const rules = [...requireGroup(id).rules.values()];
      return direction ? rules.filter((rule) => rule.direction === direction) : rules;
    },
    listGroupIds: () => [...groups.keys()],
    clear() {
      groups.clear();
    },
  };
}
