/**
 * Every value template.yml passes is one the resource accepts, per the vendor's pages (the table in
 * ros-properties.ts): known properties only, required ones present, types right, and lengths, numbers, patterns and
 * enumerations in range, for the defaults, for the extremes of every parameter, and for random parameters ROS would
 * accept.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type MapRule,
  type PropertyRule,
  type ResourceRule,
  ROS_RESOURCES,
  TRIGGER_CONFIGS,
} from "./ros-properties.ts";
import {
  type Assignment,
  assignmentArbitrary,
  defaultAssignment,
  getAttsIn,
  isUnresolved,
  lengthBounds,
  loadTemplate,
  numberBounds,
  type Resource,
  resolveValue,
  type Template,
} from "./ros-template.ts";

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isExpression = (value: unknown): boolean =>
  isNode(value) && Object.keys(value).some((key) => key === "Ref" || key.startsWith("Fn::"));

/** The rule of a whole resource, as one map rule. */
const resourceRule = (rule: ResourceRule): MapRule => ({ type: "Map", properties: rule.properties });

/** Problems of a resolved value against its rule. */
function violations(rule: PropertyRule, value: unknown, path: string): string[] {
  if (value === undefined || isUnresolved(value)) return [];
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${path}: ${message} (got ${JSON.stringify(value)})`);
  switch (rule.type) {
    case "String": {
      if (typeof value !== "string") return [`${path}: not a string (got ${JSON.stringify(value)})`];
      if (rule.minLength !== undefined && value.length < rule.minLength)
        fail(`shorter than ${rule.minLength}`);
      if (rule.maxLength !== undefined && value.length > rule.maxLength)
        fail(`longer than ${rule.maxLength}`);
      if (rule.pattern && !rule.pattern.test(value)) fail(`does not match ${rule.pattern}`);
      if (rule.allowedValues && !rule.allowedValues.includes(value)) fail("not an allowed value");
      break;
    }
    case "Integer":
    case "Number": {
      if (typeof value !== "number") return [`${path}: not a number (got ${JSON.stringify(value)})`];
      if (rule.type === "Integer" && !Number.isInteger(value)) fail("not an integer");
      if (rule.min !== undefined && value < rule.min) fail(`below ${rule.min}`);
      if (rule.max !== undefined && value > rule.max) fail(`above ${rule.max}`);
      if (rule.allowedValues && !rule.allowedValues.includes(value)) fail("not an allowed value");
      break;
    }
    case "Boolean":
      if (typeof value !== "boolean") fail("not a boolean");
      break;
    case "List":
      if (!Array.isArray(value)) return [`${path}: not a list`];
      if (rule.items) {
        const items = rule.items;
        value.forEach((item, i) => {
          problems.push(...violations(items, item, `${path}[${i}]`));
        });
      }
      break;
    case "Map": {
      if (!isNode(value)) return [`${path}: not a map`];
      for (const [key, inner] of Object.entries(value)) {
        if (rule.keyPattern && !rule.keyPattern.test(key)) problems.push(`${path}.${key}: key not allowed`);
        if (rule.properties) {
          const innerRule = rule.properties[key];
          if (!innerRule) problems.push(`${path}.${key}: not a property the vendor's page defines`);
          else problems.push(...violations(innerRule, inner, `${path}.${key}`));
        }
      }
      for (const [key, innerRule] of Object.entries(rule.properties ?? {})) {
        if (innerRule.required && value[key] === undefined) problems.push(`${path}.${key}: required`);
      }
      break;
    }
  }
  return problems;
}

/** Problems of every resource of the template for one assignment of the parameters. */
function templateViolations(template: Template, assignment: Assignment): string[] {
  const problems: string[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    const rule = ROS_RESOURCES[resource.Type];
    if (!rule) {
      problems.push(`${name}: ${resource.Type} is not in the property table`);
      continue;
    }
    const properties = resolveValue(template, resource.Properties, assignment) as Node;
    problems.push(...violations(resourceRule(rule), properties, name));
    if (resource.Type === "ALIYUN::FC3::Trigger") {
      const config = TRIGGER_CONFIGS[String(properties.TriggerType)];
      if (!config)
        problems.push(`${name}: no trigger configuration rule for ${String(properties.TriggerType)}`);
      else problems.push(...violations(config, properties.TriggerConfig, `${name}.TriggerConfig`));
    }
  }
  return problems;
}

/** Visits every (rule, unresolved template value) pair, for the bounds that hold whatever the parameters. */
function forEachRuleAndValue(
  rule: PropertyRule,
  raw: unknown,
  path: string,
  visit: (rule: PropertyRule, raw: unknown, path: string) => void,
): void {
  if (raw === undefined) return;
  visit(rule, raw, path);
  if (rule.type === "Map" && rule.properties && isNode(raw) && !isExpression(raw)) {
    for (const [key, inner] of Object.entries(raw)) {
      const innerRule = rule.properties[key];
      if (innerRule) forEachRuleAndValue(innerRule, inner, `${path}.${key}`, visit);
    }
  }
  if (rule.type === "List" && rule.items && Array.isArray(raw)) {
    const items = rule.items;
    raw.forEach((item, i) => {
      forEachRuleAndValue(items, item, `${path}[${i}]`, visit);
    });
  }
}

/** Length and number bounds that could be exceeded by some accepted parameter, whatever its value. */
function boundViolations(template: Template): string[] {
  const problems: string[] = [];
  const visit = (rule: PropertyRule, raw: unknown, path: string) => {
    if (rule.type === "String" && (rule.maxLength !== undefined || rule.minLength !== undefined)) {
      if (isNode(raw) && "Fn::GetAtt" in raw && lengthBounds(template, raw) === null) return;
      const bounds = lengthBounds(template, raw);
      if (bounds === null)
        problems.push(`${path}: its length cannot be bounded (give the parameter a MaxLength)`);
      else {
        if (rule.maxLength !== undefined && bounds.max > rule.maxLength)
          problems.push(`${path}: can be ${bounds.max} characters, more than ${rule.maxLength}`);
        if (rule.minLength !== undefined && bounds.min < rule.minLength)
          problems.push(`${path}: can be ${bounds.min} characters, fewer than ${rule.minLength}`);
      }
    }
    if (
      (rule.type === "Integer" || rule.type === "Number") &&
      (rule.min !== undefined || rule.max !== undefined)
    ) {
      const bounds = numberBounds(template, raw);
      if (bounds === null)
        problems.push(`${path}: not a number or a Number parameter with MinValue and MaxValue`);
      else {
        if (rule.max !== undefined && bounds.max > rule.max) problems.push(`${path}: can be ${bounds.max}`);
        if (rule.min !== undefined && bounds.min < rule.min) problems.push(`${path}: can be ${bounds.min}`);
      }
    }
  };
  for (const [name, resource] of Object.entries(template.Resources)) {
    const rule = ROS_RESOURCES[resource.Type];
    if (!rule) continue;
    forEachRuleAndValue(resourceRule(rule), resource.Properties, name, visit);
    const config = TRIGGER_CONFIGS[String(resource.Properties.TriggerType)];
    if (resource.Type === "ALIYUN::FC3::Trigger" && config) {
      forEachRuleAndValue(config, resource.Properties.TriggerConfig, `${name}.TriggerConfig`, visit);
    }
  }
  return problems;
}

const template = loadTemplate();
const defaults = defaultAssignment(template, { CodeBucket: "my-ens-egress-code" });

describe("the property table", () => {
  it("cites the vendor's page for every resource type and every trigger configuration", () => {
    for (const rule of [...Object.values(ROS_RESOURCES), ...Object.values(TRIGGER_CONFIGS)]) {
      expect(rule.page).toMatch(/^https:\/\/(www\.)?(help\.aliyun\.com|alibabacloud\.com)\//);
    }
  });

  it("covers every resource type the template uses", () => {
    for (const resource of Object.values(template.Resources)) {
      expect(Object.keys(ROS_RESOURCES), resource.Type).toContain(resource.Type);
    }
  });

  it("finds the mistakes it exists for", () => {
    const broken = structuredClone(template) as Template;
    const set = (name: string, update: (r: Resource) => void) => update(broken.Resources[name] as Resource);
    set("LogStore", (r) => {
      r.Properties.TTL = 3650;
    });
    set("HttpIntakeFunction", (r) => {
      r.Properties.ServiceName = "ens-egress";
    });
    set("QueueWorkerTrigger", (r) => {
      const config = r.Properties.TriggerConfig as { runOptions: Node };
      config.runOptions.maximumTasks = 1;
      config.runOptions.deadLetterQueue = { Arn: "acs:mns:cn-hangzhou:123:queues/x" };
    });
    const problems = templateViolations(broken, defaults).join("\n");
    expect(problems).toMatch(/LogStore\.TTL: above 3600/);
    expect(problems).toMatch(/HttpIntakeFunction\.ServiceName: not a property/);
    expect(problems).toMatch(/runOptions\.maximumTasks: not a property/);
    expect(problems).toMatch(/deadLetterQueue\.Arn: does not match/);
  });
});

describe("template.yml against the property table", () => {
  it("uses only attributes the resource pages list", () => {
    for (const [name, attribute] of getAttsIn([template.Resources, template.Outputs])) {
      const type = template.Resources[name]?.Type ?? "";
      expect(ROS_RESOURCES[type]?.attributes, `${name}.${attribute}`).toContain(attribute);
    }
  });

  it("passes accepted values with the parameters' defaults", () => {
    expect(templateViolations(template, defaults)).toEqual([]);
  });

  it("keeps every length and number in range for any value ROS accepts for the parameters", () => {
    expect(boundViolations(template)).toEqual([]);
  });

  it("passes accepted values for random parameters ROS accepts (property)", () => {
    fc.assert(
      fc.property(assignmentArbitrary(template), (assignment) => {
        expect(templateViolations(template, assignment)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("the Log Service project name", () => {
  const name = template.Resources.LogProject?.Properties.Name;

  it("is <NamePrefix>-<account id> and can never exceed 63 characters", () => {
    expect(resolveValue(template, name, defaults)).toBe("ens-egress-1234567890123456");
    const bounds = lengthBounds(template, name);
    expect(bounds).not.toBeNull();
    expect(bounds?.max).toBeLessThanOrEqual(63);
    expect(bounds?.min).toBeGreaterThanOrEqual(3);
  });

  it("is a valid project name for every NamePrefix ROS accepts (property)", () => {
    const rule = ROS_RESOURCES["ALIYUN::SLS::Project"]?.properties.Name as PropertyRule;
    fc.assert(
      fc.property(assignmentArbitrary(template), (assignment) => {
        expect(violations(rule, resolveValue(template, name, assignment), "Name")).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
