/**
 * `template.yml` as data, and the part of ROS's expression language it uses (`Ref`, `Fn::Join`, `Fn::GetAtt`,
 * `Fn::If` and the conditions), so contract tests can ask what a property becomes for given parameters, and how
 * long or how large it can get for any parameters ROS would accept.
 */
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import fc from "fast-check";
import { parse } from "yaml";

/** A template parameter, with the constraints ROS enforces before it creates anything. */
export interface Parameter {
  Type: "String" | "Number";
  Default?: unknown;
  NoEcho?: boolean;
  Description?: string;
  MinLength?: number;
  MaxLength?: number;
  AllowedPattern?: string;
  AllowedValues?: ReadonlyArray<string | number>;
  MinValue?: number;
  MaxValue?: number;
}

/** A template resource. */
export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties: Record<string, unknown>;
}

/** The parts of the template the tests read. */
export interface Template {
  ROSTemplateFormatVersion: string;
  Metadata: { EnsEgress: { OmittedEnvironmentVariables: Record<string, string> } };
  Parameters: Record<string, Parameter>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}

/** Parses `template.yml`. */
export function loadTemplate(path = "template.yml"): Template {
  return parse(readFileSync(resolvePath(path), "utf8")) as Template;
}

/** A value for every parameter and pseudo parameter. */
export type Assignment = Readonly<Record<string, string | number>>;

/** What an attribute resolves to when the tests cannot know it (an id the cloud assigns). */
export interface Unresolved {
  unresolved: string;
}

/** True for a value the tests cannot know. */
export function isUnresolved(value: unknown): value is Unresolved {
  return typeof value === "object" && value !== null && "unresolved" in value;
}

/** Alibaba Cloud account ids are 16 digits. */
export const ACCOUNT_ID_LENGTH = 16;
/** Longer than any region id Alibaba Cloud has published (the longest, e.g. cn-shanghai-finance-1, has 21). */
export const REGION_ID_MAX_LENGTH = 32;
/** Region ids the property test picks from. */
export const SAMPLE_REGIONS = [
  "cn-hangzhou",
  "cn-shanghai-finance-1",
  "ap-southeast-1",
  "eu-central-1",
] as const;

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Attributes that are not a property of the resource, in the form the resource pages give. */
const COMPUTED_ATTRIBUTES: Record<string, (props: (name: string) => unknown, a: Assignment) => unknown> = {
  "ALIYUN::RAM::Role/Arn": (props, a) =>
    `acs:ram::${a["ALIYUN::AccountId"]}:role/${String(props("RoleName"))}`,
  "ALIYUN::MNS::Queue/ARN.WithSlash": (props, a) =>
    `acs:mns:${a["ALIYUN::Region"]}:${a["ALIYUN::AccountId"]}:/queues/${String(props("QueueName"))}`,
};

/** Resolves an expression to the value ROS would pass on, for one assignment of the parameters. */
export function resolveValue(template: Template, value: unknown, assignment: Assignment): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isNode(v)) return v;
    if ("Ref" in v) {
      const name = String(v.Ref);
      if (name in assignment) return assignment[name];
      if (name in template.Resources) return { unresolved: `Ref ${name}` };
      throw new Error(`Ref to unknown ${name}`);
    }
    if ("Fn::Join" in v) {
      const [separator, parts] = v["Fn::Join"] as [string, unknown[]];
      const resolved = parts.map(walk);
      if (resolved.some(isUnresolved)) return { unresolved: "Fn::Join" };
      return resolved.map(String).join(separator);
    }
    if ("Fn::If" in v) {
      const [condition, then, otherwise] = v["Fn::If"] as [string, unknown, unknown];
      return walk(conditionHolds(template, condition, assignment) ? then : otherwise);
    }
    if ("Fn::GetAtt" in v) {
      const [name, attribute] = v["Fn::GetAtt"] as [string, string];
      const resource = template.Resources[name];
      if (!resource) throw new Error(`Fn::GetAtt on unknown resource ${name}`);
      if (attribute in resource.Properties) return walk(resource.Properties[attribute]);
      const computed = COMPUTED_ATTRIBUTES[`${resource.Type}/${attribute}`];
      if (computed) return computed((property) => walk(resource.Properties[property]), assignment);
      return { unresolved: `${name}.${attribute}` };
    }
    return Object.fromEntries(Object.entries(v).map(([key, inner]) => [key, walk(inner)]));
  };
  return walk(value);
}

/** Evaluates a named condition. */
export function conditionHolds(template: Template, name: string, assignment: Assignment): boolean {
  const evaluate = (v: unknown): unknown => {
    if (!isNode(v)) return v;
    if ("Fn::Not" in v) return !evaluate((v["Fn::Not"] as unknown[])[0]);
    if ("Fn::Equals" in v) {
      const [a, b] = (v["Fn::Equals"] as unknown[]).map((x) => resolveValue(template, x, assignment));
      return a === b;
    }
    if ("Fn::And" in v) return (v["Fn::And"] as unknown[]).every((x) => evaluate(x) === true);
    if ("Fn::Or" in v) return (v["Fn::Or"] as unknown[]).some((x) => evaluate(x) === true);
    if ("Condition" in v) return conditionHolds(template, String(v.Condition), assignment);
    return resolveValue(template, v, assignment);
  };
  const condition = template.Conditions[name];
  if (condition === undefined) throw new Error(`unknown condition ${name}`);
  return evaluate(condition) === true;
}

/** Inclusive bounds; `null` when the expression has no bound the tests can compute. */
export interface Bounds {
  min: number;
  max: number;
}

const union = (all: Array<Bounds | null>): Bounds | null =>
  all.some((b) => b === null)
    ? null
    : { min: Math.min(...all.map((b) => b!.min)), max: Math.max(...all.map((b) => b!.max)) };

/** The shortest and longest string an expression can become, in characters, for any accepted parameters. */
export function lengthBounds(template: Template, value: unknown): Bounds | null {
  const walk = (v: unknown): Bounds | null => {
    if (typeof v === "string") return { min: v.length, max: v.length };
    if (typeof v === "number") return { min: String(v).length, max: String(v).length };
    if (!isNode(v)) return null;
    if ("Ref" in v) return parameterLengthBounds(template, String(v.Ref));
    if ("Fn::Join" in v) {
      const [separator, parts] = v["Fn::Join"] as [string, unknown[]];
      const each = parts.map(walk);
      if (each.some((b) => b === null)) return null;
      const gaps = separator.length * Math.max(0, parts.length - 1);
      return {
        min: each.reduce((sum, b) => sum + b!.min, gaps),
        max: each.reduce((sum, b) => sum + b!.max, gaps),
      };
    }
    if ("Fn::If" in v) {
      const [, then, otherwise] = v["Fn::If"] as [string, unknown, unknown];
      return union([walk(then), walk(otherwise)]);
    }
    if ("Fn::GetAtt" in v) {
      const [name, attribute] = v["Fn::GetAtt"] as [string, string];
      const resource = template.Resources[name];
      return resource && attribute in resource.Properties ? walk(resource.Properties[attribute]) : null;
    }
    return null;
  };
  return walk(value);
}

/** The length bounds of one parameter's values, or of a pseudo parameter's. */
export function parameterLengthBounds(template: Template, name: string): Bounds | null {
  if (name === "ALIYUN::AccountId") return { min: ACCOUNT_ID_LENGTH, max: ACCOUNT_ID_LENGTH };
  if (name === "ALIYUN::Region") return { min: 1, max: REGION_ID_MAX_LENGTH };
  const parameter = template.Parameters[name];
  if (!parameter) return null;
  if (parameter.AllowedValues) {
    const lengths = parameter.AllowedValues.map((x) => String(x).length);
    return { min: Math.min(...lengths), max: Math.max(...lengths) };
  }
  if (parameter.Type === "Number") {
    if (parameter.MinValue === undefined || parameter.MaxValue === undefined) return null;
    const lengths = [parameter.MinValue, parameter.MaxValue].map((x) => String(x).length);
    return { min: Math.min(...lengths), max: Math.max(...lengths) };
  }
  if (parameter.MaxLength === undefined) return null;
  return { min: parameter.MinLength ?? 0, max: parameter.MaxLength };
}

/** The smallest and largest number an expression can become, for any accepted parameters. */
export function numberBounds(template: Template, value: unknown): Bounds | null {
  if (typeof value === "number") return { min: value, max: value };
  if (!isNode(value) || !("Ref" in value)) return null;
  const parameter = template.Parameters[String(value.Ref)];
  if (parameter?.Type !== "Number") return null;
  if (parameter.AllowedValues) {
    const numbers = parameter.AllowedValues.map(Number);
    return { min: Math.min(...numbers), max: Math.max(...numbers) };
  }
  if (parameter.MinValue === undefined || parameter.MaxValue === undefined) return null;
  return { min: parameter.MinValue, max: parameter.MaxValue };
}

/** The parameters' defaults, plus an example account and region; `overrides` fills parameters without a default. */
export function defaultAssignment(template: Template, overrides: Assignment = {}): Assignment {
  const values: Record<string, string | number> = {
    "ALIYUN::AccountId": "1234567890123456",
    "ALIYUN::Region": "cn-hangzhou",
  };
  for (const [name, parameter] of Object.entries(template.Parameters)) {
    if (parameter.Default !== undefined) values[name] = parameter.Default as string | number;
  }
  return { ...values, ...overrides };
}

/** Any one value ROS would accept for a parameter. */
export function parameterArbitrary(parameter: Parameter): fc.Arbitrary<string | number> {
  if (parameter.AllowedValues) return fc.constantFrom(...parameter.AllowedValues);
  if (parameter.Type === "Number") {
    return fc.integer({ min: parameter.MinValue ?? -1e9, max: parameter.MaxValue ?? 1e9 });
  }
  const minLength = parameter.MinLength ?? 0;
  const maxLength = parameter.MaxLength ?? 4096;
  const inLength = (text: string) => text.length >= minLength && text.length <= maxLength;
  if (parameter.AllowedPattern) {
    return fc.stringMatching(new RegExp(parameter.AllowedPattern)).filter(inLength);
  }
  return fc.string({ minLength, maxLength, unit: "binary" });
}

/** Random assignments of every parameter, a 16-digit account id and a known region. */
export function assignmentArbitrary(template: Template): fc.Arbitrary<Assignment> {
  const parameters = Object.fromEntries(
    Object.entries(template.Parameters).map(([name, parameter]) => [name, parameterArbitrary(parameter)]),
  );
  return fc.record({
    ...parameters,
    "ALIYUN::AccountId": fc.stringMatching(new RegExp(`^[1-9][0-9]{${ACCOUNT_ID_LENGTH - 1}}$`)),
    "ALIYUN::Region": fc.constantFrom(...SAMPLE_REGIONS),
  });
}

/** Every `Ref` inside a value. */
export function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (!isNode(value)) return [];
  return [...(typeof value.Ref === "string" ? [value.Ref] : []), ...Object.values(value).flatMap(refsIn)];
}

/** Every `Fn::GetAtt` inside a value, as [resource, attribute]. */
export function getAttsIn(value: unknown): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap(getAttsIn);
  if (!isNode(value)) return [];
  const own = Array.isArray(value["Fn::GetAtt"]) ? [value["Fn::GetAtt"] as [string, string]] : [];
  return [...own, ...Object.values(value).flatMap(getAttsIn)];
}
