/**
 * A small JSON Schema (draft 2020-12) validator for the contract tests, covering the subset the audit schema uses.
 * It refuses any keyword it does not implement, so the schema can never rely on a check that silently does nothing.
 */

/** One validation failure: where (JSON pointer) and why. */
export interface SchemaError {
  path: string;
  message: string;
}

type Schema = boolean | Record<string, unknown>;

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "examples",
  "default",
  "$defs",
]);
const ASSERTIONS = new Set([
  "type",
  "enum",
  "const",
  "required",
  "properties",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "format",
  "$ref",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// RFC 3339 date-time, upper-case T and Z as CloudEvents producers send them; offsets accepted.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkFormat(format: string, value: string): boolean {
  if (format === "date-time") return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
  throw new Error(`json-schema-lite: format "${format}" is not implemented`);
}

function resolveRef(root: Record<string, unknown>, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`json-schema-lite: only local $ref is supported, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  if (node === undefined) throw new Error(`json-schema-lite: unresolved $ref ${ref}`);
  return node as Schema;
}

function validateNode(
  root: Record<string, unknown>,
  schema: Schema,
  value: unknown,
  path: string,
): SchemaError[] {
  if (schema === true) return [];
  if (schema === false) return [{ path, message: "no value is allowed here" }];
  const errors: SchemaError[] = [];
  const fail = (message: string, at = path) => errors.push({ path: at, message });
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword) && !keyword.startsWith("x-")) {
      throw new Error(`json-schema-lite: keyword "${keyword}" is not implemented`);
    }
  }
  const s = schema as Record<string, unknown>;
  if (s.$ref !== undefined)
    errors.push(...validateNode(root, resolveRef(root, s.$ref as string), value, path));
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(value, t)))
      fail(`expected ${types.join(" or ")}, got ${typeOf(value)}`);
  }
  if (s.const !== undefined && !deepEqual(value, s.const)) fail(`must be ${JSON.stringify(s.const)}`);
  if (s.enum !== undefined && !(s.enum as unknown[]).some((option) => deepEqual(option, value))) {
    fail(`must be one of ${JSON.stringify(s.enum)}`);
  }
  if (typeof value === "string") {
    if (typeof s.minLength === "number" && [...value].length < s.minLength)
      fail(`shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && [...value].length > s.maxLength)
      fail(`longer than ${s.maxLength}`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value))
      fail(`does not match ${s.pattern}`);
    if (typeof s.format === "string" && !checkFormat(s.format, value)) fail(`is not a ${s.format}`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) fail(`below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) fail(`above ${s.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    if (s.items !== undefined) {
      value.forEach((item, i) => {
        errors.push(...validateNode(root, s.items as Schema, item, `${path}/${i}`));
      });
    }
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const name of (s.required ?? []) as string[]) {
      if (!Object.hasOwn(object, name)) fail(`missing required member "${name}"`);
    }
    for (const [name, item] of Object.entries(object)) {
      const at = `${path}/${name}`;
      if (s.propertyNames !== undefined)
        errors.push(...validateNode(root, s.propertyNames as Schema, name, at));
      if (Object.hasOwn(properties, name)) {
        errors.push(...validateNode(root, properties[name] as Schema, item, at));
      } else if (s.additionalProperties !== undefined) {
        const extra = validateNode(root, s.additionalProperties as Schema, item, at);
        if (extra.length > 0) errors.push({ path: at, message: "is not allowed here" });
      }
    }
  }
  if (s.allOf !== undefined) {
    for (const sub of s.allOf as Schema[]) errors.push(...validateNode(root, sub, value, path));
  }
  if (s.anyOf !== undefined) {
    const branches = (s.anyOf as Schema[]).map((sub) => validateNode(root, sub, value, path));
    if (!branches.some((b) => b.length === 0))
      fail(`matches none of the ${branches.length} alternatives (anyOf)`);
  }
  if (s.oneOf !== undefined) {
    const passing = (s.oneOf as Schema[]).filter(
      (sub) => validateNode(root, sub, value, path).length === 0,
    ).length;
    if (passing !== 1) fail(`matches ${passing} alternatives, exactly one required (oneOf)`);
  }
  if (s.not !== undefined && validateNode(root, s.not as Schema, value, path).length === 0) {
    fail("matches a schema it must not match (not)");
  }
  return errors;
}

/** Validates `value` against `schema`; returns every failure (empty when valid). Throws on unsupported keywords. */
export function validateJsonSchema(schema: Record<string, unknown>, value: unknown): SchemaError[] {
  return validateNode(schema, schema, value, "");
}
