import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadFunctionHandler } from "../../local/fc-server/function-loader.ts";
import { FUNCTION_SPECS, SERVICE_NAME } from "../../local/fc-server/functions.ts";
import { CONFIG_ENV_VARS } from "../../shared/config.ts";

// template.yml against the build, shared/config.ts and least privilege.
type Node = Record<string, unknown>;
interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties: Node;
}
interface Parameter {
  Type: string;
  Default?: unknown;
  NoEcho?: boolean;
  Description?: string;
}
interface Template {
  ROSTemplateFormatVersion: string;
  Metadata: { EnsEgress: { OmittedEnvironmentVariables: Record<string, string> } };
  Parameters: Record<string, Parameter>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
}

const template = parse(readFileSync(resolve("template.yml"), "utf8")) as Template;
const resources = Object.entries(template.Resources);
const ofType = (type: string): Array<[string, Resource]> => resources.filter(([, r]) => r.Type === type);
const functions = ofType("ALIYUN::FC::Function");
/** The one resource of a type; fails the test when there is not exactly one. */
const only = (type: string): Resource => {
  const found = ofType(type);
  if (found.length !== 1 || !found[0]) throw new Error(`template.yml must have exactly one ${type}`);
  return found[0][1];
};
const functionNamed = (name: string): Resource => {
  const found = functions.find(([, r]) => r.Properties.FunctionName === name);
  if (!found) throw new Error(`template.yml has no function ${name}`);
  return found[1];
};
const environment = (fn: Resource): Record<string, { Ref: string }> =>
  fn.Properties.EnvironmentVariables as Record<string, { Ref: string }>;
const refs = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== "object" || value === null) return [];
  const node = value as Node;
  return [...(typeof node.Ref === "string" ? [node.Ref] : []), ...Object.values(node).flatMap(refs)];
};

describe("template.yml", () => {
  it("is a ROS template deploying the service ens-egress", () => {
    expect(template.ROSTemplateFormatVersion).toBe("2015-09-01");
    const service = only("ALIYUN::FC::Service");
    expect(service.Properties.ServiceName).toBe(SERVICE_NAME);
    expect(ofType("ALIYUN::FC::Service")).toHaveLength(1);
  });

  it("every Ref names a parameter, a resource or a pseudo parameter", () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources)]);
    for (const ref of refs(template.Resources)) {
      expect(known.has(ref) || ref.startsWith("ALIYUN::"), `unknown Ref ${ref}`).toBe(true);
    }
  });
});

describe("functions match the build", () => {
  it("deploys exactly the functions the build produces and the local server serves", () => {
    expect(functions.map(([, r]) => r.Properties.FunctionName).sort()).toEqual(
      FUNCTION_SPECS.map((s) => s.name).sort(),
    );
  });

  it.each(FUNCTION_SPECS.map((spec) => [spec.name, spec] as const))(
    "%s: runtime nodejs20, handler index.handler, the same timeout and memory as the local server",
    (name, spec) => {
      const fn = functionNamed(name);
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs20",
        Handler: "index.handler",
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
      });
      const engines = (JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } })
        .engines;
      expect(engines.node).toBe(">=20");
    },
  );

  it.each(FUNCTION_SPECS.map((spec) => [spec.name] as const))(
    "%s: the code object is the built zip, whose index.js exports handler",
    (name) => {
      const code = functionNamed(name).Properties.Code as {
        OssBucketName: { Ref: string };
        OssObjectName: { Ref: string };
      };
      expect(code.OssBucketName).toEqual({ Ref: "CodeBucket" });
      const objectParameter = template.Parameters[code.OssObjectName.Ref];
      expect(objectParameter?.Default).toBe(`ens-egress/${name}.zip`);
      // "index.handler" = file index.js at the zip root, export handler.
      const zip = unzipSync(readFileSync(resolve("dist", `${name}.zip`)));
      expect(Object.keys(zip)).toContain("index.js");
      expect(typeof loadFunctionHandler(resolve("dist", name, "index.js"))).toBe("function");
    },
  );
});

describe("environment variables match shared/config.ts", () => {
  const declared = new Set(functions.flatMap(([, r]) => Object.keys(environment(r))));
  const omitted = template.Metadata.EnsEgress.OmittedEnvironmentVariables;
  const known = new Map(CONFIG_ENV_VARS.map((spec) => [spec.name, spec]));

  it("declares every variable config.ts reads, or lists it as deliberately left out with a reason", () => {
    for (const spec of CONFIG_ENV_VARS) {
      const isDeclared = declared.has(spec.name);
      const isOmitted = spec.name in omitted;
      expect(isDeclared !== isOmitted, `${spec.name}: declared=${isDeclared} omitted=${isOmitted}`).toBe(
        true,
      );
      if (isOmitted) expect(omitted[spec.name]?.length ?? 0).toBeGreaterThan(20);
    }
  });

  it("declares no variable config.ts does not read", () => {
    for (const name of [...declared, ...Object.keys(omitted)]) expect(known.has(name), name).toBe(true);
  });

  it("takes each value from a parameter whose default is config.ts's default; secrets are NoEcho", () => {
    for (const [, fn] of functions) {
      for (const [name, value] of Object.entries(environment(fn))) {
        const parameter = template.Parameters[value.Ref];
        const spec = known.get(name);
        expect(parameter, `${name} -> ${value.Ref}`).toBeDefined();
        expect(parameter?.Description?.startsWith(`${name} - `), `${value.Ref} documents ${name}`).toBe(true);
        expect(String(parameter?.Default ?? ""), `${name} default`).toBe(spec?.default);
        expect(parameter?.NoEcho === true, `${name} NoEcho`).toBe(spec?.secret === true);
      }
    }
  });

  it("gives queue-worker none of the callers' secrets", () => {
    const queueWorker = Object.keys(environment(functionNamed("queue-worker")));
    const callerSecrets = CONFIG_ENV_VARS.filter((spec) => /TOKENS$|WEBHOOK_SECRETS$/.test(spec.name));
    expect(callerSecrets.length).toBeGreaterThanOrEqual(4);
    for (const spec of callerSecrets) expect(queueWorker).not.toContain(spec.name);
  });
});

describe("triggers", () => {
  const triggers = ofType("ALIYUN::FC::Trigger").map(([, r]) => r.Properties);

  it("gives http-intake an HTTP trigger", () => {
    const http = triggers.find((t) => t.TriggerType === "http");
    expect(http?.FunctionName).toEqual({ "Fn::GetAtt": ["HttpIntakeFunction", "FunctionName"] });
    expect(http?.TriggerConfig).toMatchObject({
      authType: "anonymous",
      methods: expect.arrayContaining(["GET", "POST"]),
    });
  });

  it("gives queue-worker an EventBridge trigger on the MNS queue, with a retry strategy and a dead-letter queue", () => {
    const eb = triggers.find((t) => t.TriggerType === "eventbridge");
    expect(eb?.FunctionName).toEqual({ "Fn::GetAtt": ["QueueWorkerFunction", "FunctionName"] });
    const config = eb?.TriggerConfig as Node;
    expect(config).toMatchObject({
      eventSourceConfig: {
        eventSourceType: "MNS",
        eventSourceParameters: {
          sourceMNSParameters: { QueueName: { "Fn::GetAtt": ["RequestQueue", "QueueName"] } },
        },
      },
      runOptions: {
        mode: "event-streaming",
        errorsTolerance: "ALL",
        retryStrategy: { PushRetryStrategy: { Ref: "PushRetryStrategy" } },
      },
    });
    const dlq = JSON.stringify((config.runOptions as Node).deadLetterQueue);
    expect(dlq).toContain('"acs:mns:"');
    expect(dlq).toContain('"Fn::GetAtt":["DeadLetterQueue","QueueName"]');
    expect(template.Resources.RequestQueue?.Type).toBe("ALIYUN::MNS::Queue");
    expect(template.Resources.DeadLetterQueue?.Type).toBe("ALIYUN::MNS::Queue");
  });
});

describe("least privilege", () => {
  const policies = ofType("ALIYUN::RAM::ManagedPolicy");
  const statements = (resource: Resource): Array<{ Effect: string; Action: string[]; Resource: unknown[] }> =>
    (
      resource.Properties.PolicyDocument as {
        Statement: Array<{ Effect: string; Action: string[]; Resource: unknown[] }>;
      }
    ).Statement;

  it("lets only Function Compute assume the role, and attaches no system policy", () => {
    const role = only("ALIYUN::RAM::Role");
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: "1",
      Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["fc.aliyuncs.com"] } }],
    });
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.PolicyAttachments).toBeUndefined();
    expect(ofType("ALIYUN::RAM::AttachPolicyToRole")).toEqual([]);
  });

  it("allows only ens:AuthorizeSecurityGroupEgress and writing to its own logstore, nothing denied-by-omission", () => {
    const unconditional = policies.filter(([, p]) => p.Condition === undefined);
    const actions = unconditional.flatMap(([, p]) => statements(p).flatMap((s) => s.Action));
    expect(actions.sort()).toEqual(["ens:AuthorizeSecurityGroupEgress", "log:PostLogStoreLogs"]);
    for (const [, policy] of unconditional) {
      for (const statement of statements(policy)) {
        expect(statement.Effect).toBe("Allow");
        if (statement.Action.includes("log:PostLogStoreLogs")) {
          expect(JSON.stringify(statement.Resource)).toContain("/logstore/function-logs");
        }
      }
    }
  });

  it("grants eventbridge:PutEvents only when AUDIT_EVENTBRIDGE_BUS is set, on that bus only", () => {
    const conditional = policies.filter(([, p]) => p.Condition !== undefined);
    expect(conditional).toHaveLength(1);
    const [[, policy] = ["", { Properties: {} } as Resource]] = conditional;
    expect(policy.Condition).toBe("HasAuditBus");
    expect(JSON.stringify(template.Conditions.HasAuditBus)).toContain('{"Ref":"AuditEventbridgeBus"}');
    const [statement] = statements(policy);
    expect(statement?.Action).toEqual(["eventbridge:PutEvents"]);
    const resource = JSON.stringify(statement?.Resource);
    expect(resource).not.toContain('"*"');
    expect(resource).toContain('":eventbus/"');
    expect(resource).toContain('{"Ref":"AuditEventbridgeBus"}');
  });

  it("attaches every policy to the service role and the service runs with that role", () => {
    for (const [, policy] of policies) {
      expect(policy.Properties.Roles).toEqual([{ "Fn::GetAtt": ["ServiceRole", "RoleName"] }]);
    }
    const service = only("ALIYUN::FC::Service");
    expect(service.Properties.Role).toEqual({ "Fn::GetAtt": ["ServiceRole", "Arn"] });
  });

  it("uses no wildcard action anywhere", () => {
    const actions = policies.flatMap(([, p]) => statements(p).flatMap((s) => s.Action));
    for (const action of actions) expect(action).not.toMatch(/\*/);
  });
});

describe("logging", () => {
  it("creates a Log Service project and logstore and points the service at them", () => {
    expect(ofType("ALIYUN::SLS::Project")).toHaveLength(1);
    const store = only("ALIYUN::SLS::Logstore");
    expect(store.Properties.LogstoreName).toBe("function-logs");
    const service = only("ALIYUN::FC::Service");
    expect(service.Properties.LogConfig).toMatchObject({ Logstore: "function-logs" });
  });
});
