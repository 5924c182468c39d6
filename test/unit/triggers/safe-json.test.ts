import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkParsedJson,
  MAX_JSON_DEPTH,
  parseJsonBytes,
  parseJsonText,
  printable,
} from "#shared/triggers/safe-json.ts";

function hasForbiddenKey(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  return Object.keys(value).some(
    (key) =>
      key === "__proto__" ||
      key === "constructor" ||
      key === "prototype" ||
      hasForbiddenKey((value as Record<string, unknown>)[key]),
  );
}

describe("parseJsonText", () => {
  it("refuses as syntax exactly the texts JSON.parse refuses (the no-exception shortcut agrees)", () => {
    const jsonParses = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    const texts = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.json(),
      fc.json().map((json) => Buffer.from(json).toString("base64")),
      fc
        .tuple(fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0", "\ufeff"), fc.json())
        .map(([ws, json]) => ws + json),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const result = parseJsonText(text);
        expect(!result.ok && result.refusal === "syntax").toBe(!jsonParses(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("parses ordinary JSON", () => {
    expect(parseJsonText('{"a":[1,{"b":"c"}],"d":null}')).toEqual({
      ok: true,
      value: { a: [1, { b: "c" }], d: null },
    });
  });

  it.each([
    ['{"__proto__":{"polluted":true}}', "__proto__"],
    ['{"a":{"constructor":{"prototype":{}}}}', "constructor"],
    ['[{"x":1},{"prototype":1}]', "prototype"],
    ['{"\\u005f_proto__":1}', "__proto__"],
    ['{"__pro\\u0074o__":1}', "__proto__"],
  ])("refuses the reserved key in %s", (text, key) => {
    const result = parseJsonText(text);
    expect(result).toEqual({
      ok: false,
      refusal: "forbidden-key",
      message: `uses the reserved key "${key}"`,
    });
  });

  it("accepts reserved words as values and in longer keys", () => {
    expect(parseJsonText('{"note":"__proto__","constructorName":"x","a":["prototype"]}').ok).toBe(true);
  });

  it("refuses duplicate keys, also when one is escaped, but not the same key in sibling objects", () => {
    expect(parseJsonText('{"PortRange":"22/22","PortRange":"1/65535"}')).toMatchObject({
      ok: false,
      refusal: "duplicate-key",
      message: 'repeats the key "PortRange"',
    });
    expect(parseJsonText('{"a":1,"\\u0061":2}')).toMatchObject({ refusal: "duplicate-key" });
    expect(parseJsonText('{"Rules":[{"a":1},{"a":2}],"x":{"a":3}}').ok).toBe(true);
  });

  it("handles escaped quotes and backslashes inside strings", () => {
    expect(parseJsonText('{"a":"he said \\"{\\\\\\"","b":"}]"}')).toEqual({
      ok: true,
      value: { a: 'he said "{\\"', b: "}]" },
    });
  });

  it("refuses nesting deeper than the limit and accepts the limit itself", () => {
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expect(parseJsonText(nested(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseJsonText(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ ok: false, refusal: "too-deep" });
    expect(parseJsonText(nested(100_000))).toMatchObject({ ok: false });
  });

  it("refuses invalid JSON without echoing the input", () => {
    const result = parseJsonText("{secret-token-abc");
    expect(result).toEqual({ ok: false, refusal: "syntax", message: "is not valid JSON" });
  });

  it("agrees with JSON.parse on every JSON document without reserved keys (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const expected = JSON.parse(text) as unknown;
        const result = parseJsonText(text);
        if (hasForbiddenKey(expected)) expect(result.ok).toBe(false);
        else expect(result).toEqual({ ok: true, value: expected });
      }),
    );
  });
});

describe("parseJsonBytes", () => {
  it("refuses bytes that are not UTF-8", () => {
    expect(parseJsonBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatchObject({
      ok: false,
      refusal: "encoding",
    });
  });

  it("drops a UTF-8 byte order mark", () => {
    expect(parseJsonBytes(Buffer.from('\ufeff{"a":1}', "utf8"))).toEqual({ ok: true, value: { a: 1 } });
  });
});

describe("checkParsedJson", () => {
  it("finds reserved keys in parsed values", () => {
    expect(checkParsedJson(JSON.parse('{"a":[{"__proto__":1}]}'))).toMatchObject({
      refusal: "forbidden-key",
    });
    expect(checkParsedJson({ a: [1, "x", { b: null }] }).ok).toBe(true);
  });

  it("stops cyclic values at the depth limit", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(checkParsedJson(cyclic)).toMatchObject({ ok: false, refusal: "too-deep" });
  });
});

describe("printable", () => {
  it("replaces control and non-ASCII characters and bounds the length", () => {
    expect(printable("a\nb\u0000c\u00e9")).toBe("a?b?c?");
    expect(printable("x".repeat(100), 10)).toBe("xxxxxxxxxx...");
  });
});
