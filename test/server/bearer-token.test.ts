/** The token of an `Authorization` header, as the refresh handler reads it. */
import { describe, expect, it } from "vitest";
import { bearerToken } from "../../src/server/bearer-token.js";

describe("bearerToken", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["Bearer", undefined],
    ["Bearer ", undefined],
    ["Basic YWxpY2U6c2VjcmV0", undefined],
    ["Bearerabc", undefined],
    ["Token abc.def.ghi", undefined],
    ["abc.def.ghi", undefined],
    ["Bearer abc.def.ghi", "abc.def.ghi"],
    ["bearer abc", "abc"],
    ["BEARER   abc  ", "abc"],
    ["Bearer a b", "a b"],
    ["Bearer abc\t", "abc"],
    // Nothing but SP and HTAB is the field's whitespace: an NBSP or a leading tab stays, and fails to verify.
    ["Bearer abc\u00a0", "abc\u00a0"],
    ["Bearer \tabc", "\tabc"],
  ])("%j → %j", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
