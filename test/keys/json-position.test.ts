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

  /** The position V8's own message names for `text`, or undefined when it names none. */
  const v8Position = (text: string): number | undefined => {
    try {
      JSON.parse(text);
    } catch (err) {
      const at = /at position (\d+)/.exec((err as Error).message)?.[1];
      return at === undefined ? undefined : Number(at);
    }
    throw new Error(`${JSON.stringify(text)} parsed`);
  };

  it.each([
    ['{"d": "abc\u0001def"}', 10],
    ['{"d": "abc" "e": 1}', 12],
    ['{"d": "abc', 10],
    ['{"d": "abc"}x', 12],
    ['{"d" "abc"}', 5],
    ['{"d": "a\\qb"}', 9],
    ["[01]", 2],
  ])("%j stops being JSON at %i, where V8 says it does", (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
    expect(v8Position(text)).toBe(offset);
  });

  // V8 quotes the text instead of naming a position for these ("Unexpected token 'x', … is not valid JSON").
  it.each([
    ['{"d": x"abc"}', 6],
    ["[1, 2,]", 6],
    ["", 0],
  ])("%j stops being JSON at %i (V8 names no position)", (text, offset) => {
    expect(v8Position(text)).toBeUndefined();
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it("lineAndColumn counts both from 1", () => {
    expect(lineAndColumn("ab\ncd", 0)).toBe("line 1, column 1");
    expect(lineAndColumn("ab\ncd", 4)).toBe("line 2, column 2");
  });
});
