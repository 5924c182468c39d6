import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ASCII_TEXT_CLASSES, textClassesFor, unicodeTextClasses } from "#shared/domain/text-classes.ts";

const unicode = unicodeTextClasses();
const firstMatch = (pattern: RegExp, text: string) => pattern.exec(text)?.[0] ?? null;

describe("text classes", () => {
  it("the ASCII classes hold exactly the ASCII characters of the Unicode ones (all 128)", () => {
    for (let code = 0; code < 128; code++) {
      const char = String.fromCharCode(code);
      expect(ASCII_TEXT_CLASSES.invisible.test(char), `invisible U+${code.toString(16)}`).toBe(
        unicode.invisible.test(char),
      );
      expect(ASCII_TEXT_CLASSES.letterOrDigit.test(char), `letterOrDigit U+${code.toString(16)}`).toBe(
        unicode.letterOrDigit.test(char),
      );
    }
  });

  it("judges any text as the Unicode classes do, first invisible character included", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)) }),
    );
    fc.assert(
      fc.property(text, (value) => {
        const classes = textClassesFor(value);
        expect(firstMatch(classes.invisible, value)).toBe(firstMatch(unicode.invisible, value));
        expect(classes.letterOrDigit.test(value)).toBe(unicode.letterOrDigit.test(value));
      }),
      { numRuns: 2000 },
    );
  });

  it("uses the Unicode classes for text that is not ASCII, and the ASCII ones otherwise", () => {
    expect(textClassesFor("NET-42")).toBe(ASCII_TEXT_CLASSES);
    expect(textClassesFor("")).toBe(ASCII_TEXT_CLASSES);
    expect(textClassesFor("NET\u200b42")).not.toBe(ASCII_TEXT_CLASSES);
    expect(textClassesFor("NET\u200b42").invisible.exec("NET\u200b42")?.[0]).toBe("\u200b");
    expect(textClassesFor("\u3164").letterOrDigit.test("\u3164")).toBe(true);
  });
});
