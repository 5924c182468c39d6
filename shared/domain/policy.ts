/**
 * The organisation's guardrail policy: the document a security team writes (`POLICY_JSON` or the bundled
 * `policy/policy.json`) and the cold-start parse that names every mistake. The types and the safe default live in
 * `policy-default.ts`, the schema in `policy-schema.ts` (built only when a document is parsed), evaluation in
 * `policy-guardrails.ts`; all are re-exported here so callers import one module.
 */
import { deepFreeze, type Policy } from "./policy-default.ts";
import { PolicyConfigError, policyIssuesFromZod } from "./policy-error.ts";
import { policySchema } from "./policy-schema.ts";

export {
  type BlockedPortEntry,
  DEFAULT_POLICY,
  type DeniedDestinationEntry,
  type Policy,
  type PolicyPort,
  type WorldOpenPolicy,
} from "./policy-default.ts";
export { PolicyConfigError, type PolicyIssue } from "./policy-error.ts";
export { evaluatePolicy, GUARDRAILS, type GuardrailName, policyErrorCode } from "./policy-guardrails.ts";

/** Every field name the document may use, for "did you mean" hints on a misspelt one. */
const KNOWN_FIELDS = [
  "version",
  "description",
  "allowedSecurityGroups",
  "allowedProtocols",
  "maxPortSpan",
  "blockedPorts",
  "deniedDestinations",
  "destinationAllowLists",
  "worldOpen",
  "dropRulesAlwaysPass",
  "requireTicketFor",
  "ticketPattern",
  "priority",
  "ports",
  "protocols",
  "reason",
  "cidr",
  "widerThanPrefix",
  "min",
  "max",
] as const;

/**
 * Parses and validates a policy document at cold start; throws a `PolicyConfigError` that names the source and
 * every mistake (its path and what is wrong), so a broken policy stops the function instead of weakening it.
 * @example parsePolicy(JSON.parse(process.env.POLICY_JSON), "POLICY_JSON")
 */
export function parsePolicy(json: unknown, source: string): Policy {
  const result = policySchema().safeParse(json, { reportInput: true });
  if (!result.success) {
    throw new PolicyConfigError(source, policyIssuesFromZod(result.error.issues, KNOWN_FIELDS), {
      cause: result.error,
    });
  }
  return deepFreeze(result.data);
}
