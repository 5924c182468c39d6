import { EnsEmulatorError } from "./errors.ts";
import {
  cidrParamName,
  type Direction,
  parseRuleParams,
  requireParam,
  unsupportedParameterError,
} from "./rule-params.ts";
import type { EmulatorState, StoredRule } from "./state.ts";

/** The only API version the emulator serves; anything else is InvalidVersion. */
export const API_VERSION = "2017-11-10";

/** A business action: validated parameters in, the success body (without RequestId) out, or a thrown error. */
export type ActionHandler = (
  params: ReadonlyMap<string, string>,
  state: EmulatorState,
) => Record<string, unknown>;

/** Describe shows values the way the ENS docs' examples do (`TCP`, `Accept`), not as they were sent. */
function describePermission(rule: StoredRule): Record<string, unknown> {
  return {
    CreationTime: rule.creationTime,
    Description: "",
    Direction: rule.direction,
    IpProtocol: rule.IpProtocol.toUpperCase(),
    Policy: rule.Policy === "accept" ? "Accept" : "Drop",
    PortRange: rule.PortRange,
    Priority: rule.Priority,
    SourcePortRange: rule.SourcePortRange,
    [cidrParamName(rule.direction)]: rule.cidr,
  };
}

function createSecurityGroup(
  params: ReadonlyMap<string, string>,
  state: EmulatorState,
): Record<string, unknown> {
  for (const name of params.keys()) {
    // The batch Permissions.N.* form has its own, conflicting value rules (uppercase); it is not modelled.
    if (name.startsWith("Permissions.")) throw unsupportedParameterError("Permissions");
  }
  const name = params.get("SecurityGroupName");
  if (name !== undefined && (name.length < 2 || name.length > 128 || /^(https?:\/\/)/.test(name))) {
    throw new EnsEmulatorError(
      "InvalidParameter.SecurityGroupName",
      "(2-128 characters, not starting with http:// or https://)",
    );
  }
  const description = params.get("Description");
  if (description !== undefined && description.length > 256) {
    throw new EnsEmulatorError("InvalidParameter.Description", "(at most 256 characters)");
  }
  const input: { name?: string; description?: string } = {};
  if (name !== undefined) input.name = name;
  if (description !== undefined) input.description = description;
  return { SecurityGroupId: state.createGroup(input).group.id };
}

/** An action that adds or removes the one rule its parameters describe and answers an empty body. */
function ruleAction(change: "addRule" | "removeRule", direction: Direction): ActionHandler {
  return (params, state) => {
    state[change](parseRuleParams(params, direction));
    return {};
  };
}

/** Every action the emulator implements, by wire name. */
export const ACTIONS: ReadonlyMap<string, ActionHandler> = new Map<string, ActionHandler>([
  ["AuthorizeSecurityGroupEgress", ruleAction("addRule", "egress")],
  ["AuthorizeSecurityGroup", ruleAction("addRule", "ingress")],
  // Revoking a rule that does not exist succeeds, as ECS does; the group itself must exist.
  ["RevokeSecurityGroupEgress", ruleAction("removeRule", "egress")],
  [
    "DescribeSecurityGroupAttribute",
    (params, state) => {
      const group = state.requireGroup(requireParam(params, "SecurityGroupId"));
      return {
        SecurityGroupId: group.id,
        SecurityGroupName: group.name,
        Description: group.description,
        Permissions: { Permission: state.listRules(group.id).map(describePermission) },
      };
    },
  ],
  ["CreateSecurityGroup", createSecurityGroup],
  [
    "DeleteSecurityGroup",
    (params, state) => {
      state.deleteGroup(requireParam(params, "SecurityGroupId"));
      return {};
    },
  ],
]);

/** The names of ACTIONS, for fault validation and the README. */
export const ACTION_NAMES: ReadonlySet<string> = new Set(ACTIONS.keys());
