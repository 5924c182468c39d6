import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { TICKET_CONFIG_ENV_VARS } from "#shared/ticket-config-docs.ts";
import { loadFunctionHandler } from "../../local/fc-server/function-loader.ts";
import { FUNCTION_SPECS } from "../../local/fc-server/functions.ts";
import {
  conditionHolds,
  defaultAssignment,
  getAttsIn,
  loadTemplate,
  type Resource,
  refsIn,
  resolveValue,
} from "./ros-template.ts";

// template.yml against the build, shared/config.ts and least privilege. Property ranges: template-properties.test.ts;
// the 4 KB environment limit: template-env-size.test.ts.
type Node = Record<string, unknown>;

const template = loadTemplate();
const resources = Object.entries(template.Resources);
const ofType = (type: string): Array<[string, Resource]> => resources.filter(([, r]) => r.Type === type);
const functions = ofType("ALIYUN::FC3::Function");
const triggers = ofType("ALIYUN::FC3::Trigger").map(([, r]) => r.Properties);
/** The one resource of a type; fails the test when there is not exactly one. */
const only = (type: string): Resource => {
  const found = ofType(type);
  if (found.length !== 1 || !found[0]) throw new Error(`template.yml must have exactly one ${type}`);
  return found[0][1];
};
/** The function deployed for a local function name: FunctionName is `<NamePrefix>-<name>`. */
const functionNamed = (name: string): [string, Resource] => {
  const found = functions.find(
    ([, r]) => JSON.stringify(r.Properties.FunctionName) === JSON.stringify(deployedName(name)),
  );
  if (!found) throw new Error(`template.yml has no function ${name}`);
  return found;
};
const deployedName = (name: string) => ({ "Fn::Join": ["-", [{ Ref: "NamePrefix" }, name]] });
const environment = (fn: Resource): Record<string, { Ref: string }> =>
  fn.Properties.EnvironmentVariables as Record<string, { Ref: string }>;
const defaults = defaultAssignment(template, { CodeBucket: "my-ens-egress-code" });

describe("template.yml", () => {
  it("is a ROS template of Function Compute 3.0 resources only: no service, no FC 2.0 function or trigger", () => {
    expect(template.ROSTemplateFormatVersion).toBe("2015-09-01");
    expect(resources.filter(([, r]) => r.Type.startsWith("ALIYUN::FC::"))).toEqual([]);
    expect(resources.filter(([, r]) => r.Type.startsWith("Aliyun::Serverless"))).toEqual([]);
    expect(functions).toHaveLength(3);
    expect(triggers).toHaveLength(2);
  });

  it("every Ref names a parameter, a resource or a pseudo parameter; every Fn::GetAtt a resource", () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources)]);
    for (const ref of refsIn([template.Resources, template.Outputs])) {
      expect(known.has(ref) || ref.startsWith("ALIYUN::"), `unknown Ref ${ref}`).toBe(true);
    }
    for (const [name] of getAttsIn([template.Resources, template.Outputs])) {
      expect(name in template.Resources, `Fn::GetAtt on unknown ${name}`).toBe(true);
    }
  });

  it("names nothing a reader of the repository cannot open (no references to material outside it)", () => {
    const text = readFileSync("template.yml", "utf8");
    expect(text).not.toMatch(/REFERENCE|CONTRACT [§]|STYLE [§]|shared\/REFERENCE/);
  });
});

describe("functions match the build", () => {
  it("deploys exactly the functions the build produces and the local server serves, as <NamePrefix>-<name>", () => {
    expect(functions.map(([, r]) => r.Properties.FunctionName)).toEqual(
      expect.arrayContaining(FUNCTION_SPECS.map((s) => deployedName(s.name))),
    );
    expect(resolveValue(template, functionNamed("http-intake")[1].Properties.FunctionName, defaults)).toBe(
      "ens-egress-http-intake",
    );
  });

  it.each(FUNCTION_SPECS.map((spec) => [spec.name, spec] as const))(
    "%s: runtime nodejs20, handler index.handler, the same timeout and memory as the local server",
    (name, spec) => {
      const [, fn] = functionNamed(name);
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
      const code = functionNamed(name)[1].Properties.Code as {
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
  // The shared table, and the ticket notifier's own (shared/ticket-config.ts).
  const known = new Map([...CONFIG_ENV_VARS, ...TICKET_CONFIG_ENV_VARS].map((spec) => [spec.name, spec]));

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

  it("passes no policy document in the environment: the policy is bundled at build time", () => {
    expect(declared.has("POLICY_JSON")).toBe(false);
    expect(omitted.POLICY_JSON).toMatch(/policy\/policy\.json/);
    expect(Object.values(template.Parameters).some((p) => p.Description?.startsWith("POLICY_JSON"))).toBe(
      false,
    );
  });

  it("says that Function Compute itself sets the ALIBABA_CLOUD_* variables to the role's STS credentials", () => {
    for (const name of [
      "ALIBABA_CLOUD_ACCESS_KEY_ID",
      "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
      "ALIBABA_CLOUD_SECURITY_TOKEN",
    ]) {
      expect(omitted[name]).toMatch(/Function Compute/);
      expect(omitted[name]).not.toMatch(/not set/i);
    }
    expect(omitted.ALIBABA_CLOUD_ACCESS_KEY_ID).toMatch(/STS credentials of the function's role/);
  });

  it("gives queue-worker none of the callers' secrets", () => {
    const queueWorker = Object.keys(environment(functionNamed("queue-worker")[1]));
    const callerSecrets = CONFIG_ENV_VARS.filter((spec) => /TOKENS$|WEBHOOK_SECRETS$/.test(spec.name));
    expect(callerSecrets.length).toBeGreaterThanOrEqual(4);
    for (const spec of callerSecrets) expect(queueWorker).not.toContain(spec.name);
  });
});

describe("triggers", () => {
  it("gives http-intake an HTTP trigger", () => {
    const http = triggers.find((t) => t.TriggerType === "http");
    expect(http?.FunctionName).toEqual({ "Fn::GetAtt": ["HttpIntakeFunction", "FunctionName"] });
    expect(functionNamed("http-intake")[0]).toBe("HttpIntakeFunction");
    expect(http?.TriggerConfig).toMatchObject({
      authType: "anonymous",
      methods: expect.arrayContaining(["GET", "POST"]),
    });
  });

  it("gives queue-worker an EventBridge trigger on the MNS queue, with a retry strategy and a dead-letter queue", () => {
    const eb = triggers.find((t) => t.TriggerType === "eventbridge");
    expect(eb?.FunctionName).toEqual({ "Fn::GetAtt": ["QueueWorkerFunction", "FunctionName"] });
    expect(functionNamed("queue-worker")[0]).toBe("QueueWorkerFunction");
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
        // The queue's own ARN attribute, never one assembled by hand.
        deadLetterQueue: { Arn: { "Fn::GetAtt": ["DeadLetterQueue", "ARN.WithSlash"] } },
      },
    });
    // maximumTasks only ever applied to Kafka sources; FC 3.0's RunOptions no longer has it.
    expect(config.runOptions).not.toHaveProperty("maximumTasks");
    const runOptions = resolveValue(template, config.runOptions, defaults) as Node;
    expect(runOptions.deadLetterQueue).toEqual({
      Arn: "acs:mns:cn-hangzhou:1234567890123456:/queues/ens-egress-requests-dlq",
    });
    expect(template.Resources.RequestQueue?.Type).toBe("ALIYUN::MNS::Queue");
    expect(template.Resources.DeadLetterQueue?.Type).toBe("ALIYUN::MNS::Queue");
  });

  it("names the MNS fixtures' CloudEvents source MNS-<function>-<trigger>, as the template's defaults deploy it", () => {
    const [, fn] = functionNamed("queue-worker");
    const trigger = triggers.find((t) => t.TriggerType === "eventbridge");
    const source = `MNS-${resolveValue(template, fn.Properties.FunctionName, defaults)}-${trigger?.TriggerName}`;
    expect(source).toBe("MNS-ens-egress-queue-worker-mns-queue");
    for (const file of ["eventbridge-mns-base64-batch.json", "poison-message.json"]) {
      const batch = JSON.parse(readFileSync(resolve("events/queue", file), "utf8")) as Array<{
        source: string;
      }>;
      expect(batch.map((event) => event.source)).toEqual(batch.map(() => source));
    }
  });

  it("outputs the HTTP trigger's public URL", () => {
    expect(template.Outputs.HttpTriggerUrl?.Value).toEqual({
      "Fn::GetAtt": ["HttpIntakeTrigger", "UrlInternet"],
    });
  });
});

describe("least privilege", () => {
  const policies = ofType("ALIYUN::RAM::ManagedPolicy");
  type Statement = { Effect: string; Action: string[]; Resource: unknown[] };
  const statements = (resource: Resource): Statement[] =>
    (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

  it("lets only Function Compute assume the role, and attaches no system policy", () => {
    const role = template.Resources.ServiceRole as Resource;
    expect(role.Type).toBe("ALIYUN::RAM::Role");
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: "1",
      Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["fc.aliyuncs.com"] } }],
    });
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.PolicyAttachments).toBeUndefined();
    expect(ofType("ALIYUN::RAM::AttachPolicyToRole")).toEqual([]);
  });

  it("allows only the ENS rule write, the read of the group before it, and writing to its own logstore", () => {
    const unconditional = policies.filter(([, p]) => p.Condition === undefined);
    const actions = unconditional.flatMap(([, p]) => statements(p).flatMap((s) => s.Action));
    expect(actions.sort()).toEqual([
      "ens:AuthorizeSecurityGroupEgress",
      "ens:DescribeSecurityGroupAttribute",
      "log:PostLogStoreLogs",
    ]);
    for (const [, policy] of unconditional) {
      for (const statement of statements(policy)) {
        expect(statement.Effect).toBe("Allow");
        if (statement.Action.includes("log:PostLogStoreLogs")) {
          expect(resolveValue(template, statement.Resource, defaults)).toEqual([
            "acs:log:cn-hangzhou:1234567890123456:project/ens-egress-1234567890123456/logstore/function-logs",
          ]);
        }
      }
    }
  });

  it("grants eventbridge:PutEvents only when AUDIT_EVENTBRIDGE_BUS is set, on that bus only", () => {
    const conditional = policies.filter(([, p]) => p.Condition === "HasAuditBus");
    expect(conditional).toHaveLength(1);
    const [[, policy] = ["", { Properties: {} } as Resource]] = conditional;
    expect(policy.Condition).toBe("HasAuditBus");
    expect(conditionHolds(template, "HasAuditBus", defaults)).toBe(false);
    const withBus = { ...defaults, AuditEventbridgeBus: "audit" };
    expect(conditionHolds(template, "HasAuditBus", withBus)).toBe(true);
    const [statement] = statements(policy);
    expect(statement?.Action).toEqual(["eventbridge:PutEvents"]);
    expect(resolveValue(template, statement?.Resource, withBus)).toEqual([
      "acs:eventbridge:cn-hangzhou:1234567890123456:eventbus/audit",
    ]);
    expect(
      resolveValue(template, statement?.Resource, { ...withBus, AuditEventbridgeRegion: "cn-shanghai" }),
    ).toEqual(["acs:eventbridge:cn-shanghai:1234567890123456:eventbus/audit"]);
  });

  it("attaches every policy to the role, and every function runs with that role (the notifier with its own)", () => {
    const notifier = new Set(["NotifierPolicy", "TicketNotifierFunction"]);
    for (const [name, policy] of policies) {
      const role = notifier.has(name) ? "NotifierRole" : "ServiceRole";
      expect(policy.Properties.Roles, name).toEqual([{ "Fn::GetAtt": [role, "RoleName"] }]);
    }
    for (const [name, fn] of functions) {
      const own = notifier.has(name);
      expect(fn.Properties.Role).toEqual({ "Fn::GetAtt": [own ? "NotifierRole" : "ServiceRole", "Arn"] });
      // The role's log permission must exist before FC checks the function's log configuration.
      expect(fn.DependsOn).toEqual(
        expect.arrayContaining([own ? "NotifierPolicy" : "EnsEgressPolicy", "LogStore"]),
      );
    }
  });

  it("uses no wildcard action anywhere", () => {
    const actions = policies.flatMap(([, p]) => statements(p).flatMap((s) => s.Action));
    for (const action of actions) expect(action).not.toMatch(/\*/);
  });
});

describe("logging", () => {
  it("creates a Log Service project and logstore and points every function at them", () => {
    expect(ofType("ALIYUN::SLS::Project")).toHaveLength(1);
    const store = only("ALIYUN::SLS::Logstore");
    expect(store.Properties.LogstoreName).toBe("function-logs");
    for (const [, fn] of functions) {
      expect(fn.Properties.LogConfig).toMatchObject({
        Project: { "Fn::GetAtt": ["LogProject", "Name"] },
        Logstore: { "Fn::GetAtt": ["LogStore", "LogstoreName"] },
      });
    }
  });
});

describe("the ticket notifier (docs/tickets.md)", () => {
  type Statement = { Effect: string; Action: string[]; Resource: unknown[] };
  const withJira = {
    ...defaults,
    AuditEventbridgeBus: "audit",
    TicketJiraUrl: "https://example.atlassian.net",
  };
  const notifierResources = resources
    .filter(([, r]) => r.Condition === "HasTicketNotifier")
    .map(([name]) => name);

  it("exists only with an audit bus in the stack's region and a ticket system to write to", () => {
    expect(conditionHolds(template, "HasTicketNotifier", defaults)).toBe(false);
    expect(conditionHolds(template, "HasTicketNotifier", { ...defaults, AuditEventbridgeBus: "audit" })).toBe(
      false,
    );
    expect(conditionHolds(template, "HasTicketNotifier", withJira)).toBe(true);
    expect(
      conditionHolds(template, "HasTicketNotifier", {
        ...defaults,
        AuditEventbridgeBus: "audit",
        TicketServicenowUrl: "https://acme.service-now.com",
      }),
    ).toBe(true);
    expect(
      conditionHolds(template, "HasTicketNotifier", { ...withJira, AuditEventbridgeRegion: "cn-shanghai" }),
    ).toBe(false);
    expect(notifierResources.sort()).toEqual([
      "NotifierPolicy",
      "NotifierRole",
      "TicketDeadLetterQueue",
      "TicketNotifierFunction",
      "TicketNotifierRule",
    ]);
  });

  it("subscribes through a rule on the audit bus that matches the summary type, with retries and a dead-letter queue", () => {
    const rule = template.Resources.TicketNotifierRule as Resource;
    expect(rule.Type).toBe("ALIYUN::EventBridge::Rule");
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: "AuditEventbridgeBus" },
      FilterPattern: { type: ["ens.egress_request.settled"] },
    });
    const [target, ...others] = rule.Properties.Targets as Node[];
    expect(others).toEqual([]);
    expect(target).toMatchObject({
      Type: "acs.fc.function",
      Endpoint: { "Fn::GetAtt": ["TicketNotifierFunction", "ARN"] },
      PushRetryStrategy: { Ref: "TicketPushRetryStrategy" },
      ErrorsTolerance: "ALL",
      DeadLetterQueue: { Arn: { "Fn::GetAtt": ["TicketDeadLetterQueue", "ARN.WithSlash"] } },
    });
    // Synchronous, so that the function's error is what EventBridge retries.
    expect(target?.ParamList).toEqual(
      expect.arrayContaining([{ ResourceKey: "InvocationType", Form: "CONSTANT", Value: "Sync" }]),
    );
    expect(resolveValue(template, target?.DeadLetterQueue, withJira)).toEqual({
      Arn: "acs:mns:cn-hangzhou:1234567890123456:/queues/ens-egress-ticket-summaries-dlq",
    });
  });

  it("runs with its own role: its logs and PutEvents on the audit bus, no ENS action, no other role's policy", () => {
    const role = template.Resources.NotifierRole as Resource;
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: "1",
      Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["fc.aliyuncs.com"] } }],
    });
    const policy = template.Resources.NotifierPolicy as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.flatMap((s) => s.Action).sort()).toEqual([
      "eventbridge:PutEvents",
      "log:PostLogStoreLogs",
    ]);
    expect(
      statements.flatMap((s) => resolveValue(template, s.Resource, withJira) as string[]).sort(),
    ).toEqual([
      "acs:eventbridge:cn-hangzhou:1234567890123456:eventbus/audit",
      "acs:log:cn-hangzhou:1234567890123456:project/ens-egress-1234567890123456/logstore/function-logs",
    ]);
    const onNotifierRole = ofType("ALIYUN::RAM::ManagedPolicy").filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes("NotifierRole"),
    );
    expect(onNotifierRole.map(([name]) => name)).toEqual(["NotifierPolicy"]);
  });

  it("gets every TICKET_* variable, and none of the callers' secrets or ENS settings; the others get no TICKET_*", () => {
    const env = Object.keys(environment(functionNamed("ticket-notifier")[1]));
    expect(env).toEqual(expect.arrayContaining(TICKET_CONFIG_ENV_VARS.map((spec) => spec.name)));
    for (const name of env) expect(name).toMatch(/^(TICKET_|AUDIT_|LOG_LEVEL$)/);
    for (const name of ["http-intake", "queue-worker"]) {
      for (const variable of Object.keys(environment(functionNamed(name)[1])))
        expect(variable).not.toMatch(/^TICKET_/);
    }
  });
});
