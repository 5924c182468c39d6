import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupDigits } from "#shared/domain/validation-text.ts";

describe("groupDigits", () => {
  it("writes whole numbers exactly as toLocaleString('en-US') does, without loading ICU in the bundle", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (value) => {
        expect(groupDigits(value)).toBe(value.toLocaleString("en-US"));
      }),
    );
    for (const value of [0, 1, 999, 1000, 65_536, 16_777_216, 2 ** 32]) {
      expect(groupDigits(value)).toBe(value.toLocaleString("en-US"));
    }
  });
});
