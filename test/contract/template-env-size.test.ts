/**
 * Function Compute refuses a function whose environment variables total more than 4 KB. This adds up every
 * function's environment with each parameter at its longest allowed value, counted as FC's page describes the limit
 * (keys and values, in bytes: docs/deploy.md says what we rely on), and also as the JSON object the API carries.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FC_ENVIRONMENT_LIMIT_BYTES } from "./ros-properties.ts";
import { loadTemplate, type Parameter, type Template } from "./ros-template.ts";

const NON_ASCII = fc
  .string({ minLength: 1, maxLength: 4, unit: "binary" })
  .filter((text) => [...text].some((char) => (char.codePointAt(0) ?? 0) > 0x7f));

/** True when no value with a non-ASCII character matches the pattern (one byte per character in UTF-8). */
function patternIsAsciiOnly(pattern: string): boolean {
  const re = new RegExp(pattern);
  const verdict = fc.check(
    fc.property(fc.stringMatching(re), NON_ASCII, fc.nat(), (accepted, foreign, at) => {
      const position = accepted.length === 0 ? 0 : at % (accepted.length + 1);
      const spliced = accepted.slice(0, position) + foreign + accepted.slice(position);
      return !re.test(spliced) && !re.test(foreign);
    }),
    { numRuns: 300 },
  );
  return !verdict.failed;
}

/** The most UTF-8 bytes a parameter's value can take; Infinity when nothing bounds it. */
function maxValueBytes(parameter: Parameter): number {
  if (parameter.AllowedValues) {
    return Math.max(...parameter.AllowedValues.map((v) => Buffer.byteLength(String(v), "utf8")));
  }
  if (parameter.MaxLength === undefined) return Number.POSITIVE_INFINITY;
  // Without an ASCII-only pattern a character may take up to 4 bytes.
  const ascii = parameter.AllowedPattern !== undefined && patternIsAsciiOnly(parameter.AllowedPattern);
  return parameter.MaxLength * (ascii ? 1 : 4);
}

interface EnvironmentSize {
  /** Sum of the UTF-8 bytes of every key and every longest value. */
  keysAndValues: number;
  /** The same environment as a JSON object, the form the FC API carries it in. */
  json: number;
  /** Variables whose longest value nothing bounds. */
  unbounded: string[];
}

/** The size of every function's environment with each parameter at its longest allowed value. */
function environmentSizes(template: Template): Record<string, EnvironmentSize> {
  const sizes: Record<string, EnvironmentSize> = {};
  for (const [name, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "ALIYUN::FC3::Function") continue;
    const environment = (resource.Properties.EnvironmentVariables ?? {}) as Record<string, { Ref?: string }>;
    const longest: Record<string, string> = {};
    const unbounded: string[] = [];
    let keysAndValues = 0;
    for (const [key, value] of Object.entries(environment)) {
      const parameter = value.Ref === undefined ? undefined : template.Parameters[value.Ref];
      const bytes =
        typeof value === "string"
          ? Buffer.byteLength(value, "utf8")
          : parameter
            ? maxValueBytes(parameter)
            : Number.POSITIVE_INFINITY;
      if (!Number.isFinite(bytes)) unbounded.push(key);
      keysAndValues += Buffer.byteLength(key, "utf8") + bytes;
      longest[key] = "x".repeat(Number.isFinite(bytes) ? bytes : 0);
    }
    sizes[name] = { keysAndValues, json: Buffer.byteLength(JSON.stringify(longest), "utf8"), unbounded };
  }
  return sizes;
}

const template = loadTemplate();

describe("function environments stay under Function Compute's 4 KB", () => {
  const sizes = environmentSizes(template);

  it("finds every function", () => {
    expect(Object.keys(sizes).sort()).toEqual([
      "HttpIntakeFunction",
      "QueueWorkerFunction",
      "TicketNotifierFunction",
    ]);
  });

  it.each(Object.entries(sizes))(
    "%s: keys plus longest allowed values fit in 4,096 bytes, and so does the JSON object",
    (_, size) => {
      expect(size.unbounded, "variables whose parameter has no MaxLength or AllowedValues").toEqual([]);
      expect(size.keysAndValues).toBeLessThanOrEqual(FC_ENVIRONMENT_LIMIT_BYTES);
      expect(size.json).toBeLessThanOrEqual(FC_ENVIRONMENT_LIMIT_BYTES);
    },
  );

  it("counts a policy document in the environment as over the limit (the reason it is bundled instead)", () => {
    const withPolicy = structuredClone(template) as Template;
    withPolicy.Parameters.PolicyJson = {
      Type: "String",
      Default: "",
      MaxLength: 4096,
      AllowedPattern: "^[ -~]*$",
      Description: "POLICY_JSON - guardrail policy document (JSON).",
    };
    const fn = withPolicy.Resources.QueueWorkerFunction?.Properties.EnvironmentVariables as Record<
      string,
      unknown
    >;
    fn.POLICY_JSON = { Ref: "PolicyJson" };
    expect(environmentSizes(withPolicy).QueueWorkerFunction?.keysAndValues).toBeGreaterThan(
      FC_ENVIRONMENT_LIMIT_BYTES,
    );
  });

  it("treats a parameter without MaxLength as unbounded, and a non-ASCII pattern as 4 bytes a character", () => {
    expect(maxValueBytes({ Type: "String" })).toBe(Number.POSITIVE_INFINITY);
    expect(maxValueBytes({ Type: "String", MaxLength: 10, AllowedPattern: "^[ -~]*$" })).toBe(10);
    expect(maxValueBytes({ Type: "String", MaxLength: 10, AllowedPattern: "^.*$" })).toBe(40);
    expect(maxValueBytes({ Type: "String", MaxLength: 10 })).toBe(40);
    expect(maxValueBytes({ Type: "String", AllowedValues: ["info", "debug"] })).toBe(5);
  });
});
