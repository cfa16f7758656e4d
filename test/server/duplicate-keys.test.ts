import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDuplicateKey } from "../../src/server/duplicate-keys.js";

describe("findDuplicateKey", () => {
  it.each([
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', "a"],
    ['{"a":1,"\\u0061":2}', "a"],
    ['{"a":{"a":1},"b":[{"a":1},{"a":2}]}', undefined],
    ['{"a":"x\\"a","b":{"c":1,"c":2}}', "c"],
    ['[{"x":1},{"x":1}]', undefined],
    ['{"a":[1,2],"a":3}', "a"],
    ['{"k":"v\\\\","k":1}', "k"],
    ['{"a":"b","c":"a"}', undefined],
    ['{"id_token":"x","database":"d","id_token":"y"}', "id_token"],
  ])("%s → %s", (json, expected) => {
    expect(findDuplicateKey(json)).toBe(expected);
  });

  it("handles deep nesting without recursion", () => {
    const deep = `${"[".repeat(20000)}{"a":1,"a":2}${"]".repeat(20000)}`;
    expect(findDuplicateKey(deep)).toBe("a");
  });

  it("finds no duplicate in anything JSON.stringify writes, and finds an injected one", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, key) => {
        const json = JSON.stringify(value);
        expect(findDuplicateKey(json)).toBeUndefined();
        const dup = `{${JSON.stringify(key)}:${json},${JSON.stringify(key)}:0}`;
        expect(findDuplicateKey(dup)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});
