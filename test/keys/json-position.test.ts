/** jsonErrorOffset agrees with JSON.parse: where V8 names a position, it is the same one. */
import { describe, expect, it } from "vitest";
import { jsonErrorOffset, lineAndColumn } from "../../src/keys/json-position.js";

describe("jsonErrorOffset", () => {
  it.each(['{"keys": []}', ' [1, -2.5e3, true, false, null, "a\\u00e9\\n", {"k": {}}] ', "0", '""'])(
    "valid JSON has none: %s",
    (text) => {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(jsonErrorOffset(text)).toBeUndefined();
    },
  );

  it.each([
    ['{"d": "abc\u0001def"}', 10],
    ['{"d": "abc" "e": 1}', 12],
    ['{"d": "abc', 10],
    ['{"d": "abc"}x', 12],
    ['{"d" "abc"}', 5],
    ['{"d": "a\\qb"}', 9],
    ['{"d": x"abc"}', 6],
    ["[1, 2,]", 6],
    ["[01]", 2],
    ["", 0],
  ])("%j stops being JSON at %i", (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
    const v8 = (() => {
      try {
        JSON.parse(text);
      } catch (err) {
        return /at position (\d+)/.exec((err as Error).message)?.[1];
      }
      return undefined;
    })();
    if (v8 !== undefined) expect(Number(v8)).toBe(offset);
  });

  it("lineAndColumn counts both from 1", () => {
    expect(lineAndColumn("ab\ncd", 0)).toBe("line 1, column 1");
    expect(lineAndColumn("ab\ncd", 4)).toBe("line 2, column 2");
  });
});
