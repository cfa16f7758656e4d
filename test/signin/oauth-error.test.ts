/** The provider's OAuth error as the log and the metric see it: well-formed, cleaned, bounded, no echo of what we sent. */
import { describe, expect, it } from "vitest";
import { oauthErrorOf } from "../../src/signin/oauth-error.js";

const CODE = "SplxlOBeZQQYbYS6WxSbIA-authorization-code";
const SECRET = "client-secret-9f8e7d6c5b4a";

describe("oauthErrorOf", () => {
  it.each([
    ["a registered code", { error: "invalid_client" }, "invalid_client", "invalid_client"],
    [
      "an unregistered code counts as other_error",
      { error: "vendor_specific" },
      "vendor_specific",
      "other_error",
    ],
  ])("%s", (_name, answer, error, result) => {
    expect(oauthErrorOf(answer)).toMatchObject({ error, result, description: undefined });
  });

  it.each([
    ["no error member", { message: "nope" }],
    ["a number", { error: 400 }],
    ["an empty code", { error: "" }],
    ["a code with a quote", { error: 'bad"code' }],
    ["a code with a newline", { error: "bad\ncode" }],
    ["a code past 64 characters", { error: "x".repeat(65) }],
    ["not an object", "invalid_client"],
    ["null", null],
  ])("no error for %s", (_name, answer) => {
    expect(oauthErrorOf(answer)).toBeUndefined();
  });

  it("hides what this service sent, strips control and format characters, and cuts the description", () => {
    const error = oauthErrorOf(
      {
        error: "invalid_grant",
        error_description: `code ${CODE} (client ${SECRET})\n\u001b[31m\u2028x\u202e${"y".repeat(500)}`,
      },
      [CODE, SECRET, "short"],
    );
    const description = error?.description ?? "";
    expect(description).not.toContain(CODE);
    expect(description).not.toContain(SECRET);
    expect(description.startsWith("code [redacted] (client [redacted]) [31m x y")).toBe(true);
    expect(description).not.toMatch(/[\p{Cc}\p{Cf}\u2028]/u);
    expect(Array.from(description)).toHaveLength(201);
  });

  it("an empty or blank description is none", () => {
    expect(
      oauthErrorOf({ error: "access_denied", error_description: "\u0000 \u200b" })?.description,
    ).toBeUndefined();
  });
});
