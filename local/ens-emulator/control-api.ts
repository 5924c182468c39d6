import { isRecord, parseJsonBody } from "../lib/json-body.ts";
import type { EmulatorCore } from "./core.ts";
import { FaultConfigError } from "./faults.ts";
import { cidrParamName } from "./rule-params.ts";
import type { StoredRule } from "./state.ts";

/** The prefix of every control route (docs/interfaces.md). */
export const CONTROL_PREFIX = "/__emulator/";

/** A control API answer: status and JSON body. */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

function fail(status: number, code: string, message: string): ControlAnswer {
  return { status, body: { Code: code, Message: message } };
}

/** A stored rule as the seven ENS request parameters (for egress, the shape the product's EgressRule has). */
function ruleView(rule: StoredRule): Record<string, unknown> {
  return {
    SecurityGroupId: rule.SecurityGroupId,
    IpProtocol: rule.IpProtocol,
    PortRange: rule.PortRange,
    [cidrParamName(rule.direction)]: rule.cidr,
    Policy: rule.Policy,
    Priority: rule.Priority,
    SourcePortRange: rule.SourcePortRange,
  };
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === "string" && value.length > 0 && value.length <= 128);
}

function createGroup(core: EmulatorCore, body: Buffer): ControlAnswer {
  const parsed = parseJsonBody(body);
  if (!parsed.ok || !isRecord(parsed.value)) return fail(400, "InvalidRequest", "body must be a JSON object");
  const { SecurityGroupId: id, SecurityGroupName: name, Description: description } = parsed.value;
  if (!optionalString(id) || !optionalString(name) || !optionalString(description)) {
    return fail(400, "InvalidRequest", "SecurityGroupId, SecurityGroupName, Description: non-empty strings");
  }
  const input: { id?: string; name?: string; description?: string } = {};
  if (id !== undefined) input.id = id;
  if (name !== undefined) input.name = name;
  if (description !== undefined) input.description = description;
  const { group, created } = core.state.createGroup(input);
  // Creating a group that exists is not an error: set-up code may run twice; its rules are kept.
  return { status: created ? 201 : 200, body: { SecurityGroupId: group.id, created } };
}

function groupRoute(core: EmulatorCore, method: string, rawId: string): ControlAnswer {
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return fail(400, "InvalidRequest", "malformed security group id");
  }
  const group = core.state.findGroup(id);
  if (!group) return fail(404, "InvalidSecurityGroupId.NotFound", `no security group ${id}`);
  if (method === "DELETE") {
    core.state.deleteGroup(id);
    return { status: 200, body: { SecurityGroupId: id, deleted: true } };
  }
  if (method !== "GET") return fail(405, "MethodNotAllowed", `${method} is not allowed here`);
  const body: Record<string, unknown> = {
    SecurityGroupId: group.id,
    Permissions: core.state.listRules(id, "egress").map(ruleView),
  };
  // Ingress rules get their own key, and only when there are some, so the documented shape stays exact.
  const ingress = core.state.listRules(id, "ingress");
  if (ingress.length > 0) body.IngressPermissions = ingress.map(ruleView);
  return { status: 200, body };
}

function putFaults(core: EmulatorCore, body: Buffer): ControlAnswer {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return fail(400, "InvalidFaultConfig", "body must be JSON");
  try {
    return { status: 200, body: core.setFaults(parsed.value) };
  } catch (error) {
    if (error instanceof FaultConfigError) return fail(400, error.code, error.message);
    throw error;
  }
}

/**
 * Answers one control request (docs/interfaces.md). The caller has already checked that it came from
 * loopback. Faults and latency never apply here.
 */
export function handleControlRequest(
  core: EmulatorCore,
  method: string,
  path: string,
  body: Buffer,
): ControlAnswer {
  const route = path.slice(CONTROL_PREFIX.length).replace(/\/+$/, "");
  const expect = (allowed: string, answer: () => ControlAnswer): ControlAnswer =>
    method === allowed ? answer() : fail(405, "MethodNotAllowed", `use ${allowed} for ${path}`);

  if (route === "reset") {
    return expect("POST", () => {
      core.reset();
      return { status: 200, body: { ok: true } };
    });
  }
  if (route === "security-groups") {
    if (method === "GET") {
      return { status: 200, body: { SecurityGroupIds: core.state.listGroupIds() } };
    }
    return expect("POST", () => createGroup(core, body));
  }
  if (route.startsWith("security-groups/"))
    return groupRoute(core, method, route.slice("security-groups/".length));
  if (route === "faults") {
    if (method === "GET") return { status: 200, body: core.faults().settings() };
    return expect("PUT", () => putFaults(core, body));
  }
  if (route === "stats") return expect("GET", () => ({ status: 200, body: core.stats.snapshot() }));
  return fail(404, "NotFound", `no control route ${path}`);
}
