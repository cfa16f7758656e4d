/** token.authorized_party, token.refresh_lifetime_seconds and server.public_url (issue 11). */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { minimalConfig, problemsOf } from "../support/config-problems.js";

describe("session and public URL settings", () => {
  it("default: refresh for 12 hours; azp and public_url unset (the audience and the issuer apply)", () => {
    const config = parseConfig(minimalConfig);
    expect(config.token.refresh_lifetime_seconds).toBe(43200);
    expect(config.token.authorized_party).toBeUndefined();
    expect(config.server.public_url).toBeUndefined();
  });

  it("keeps what was given, 0 included (refresh off)", () => {
    const config = parseConfig({
      ...minimalConfig,
      server: { public_url: "https://sso.example.com/ocient" },
      token: { ...minimalConfig.token, authorized_party: "ocient-sso", refresh_lifetime_seconds: 0 },
    });
    expect(config.token).toMatchObject({ authorized_party: "ocient-sso", refresh_lifetime_seconds: 0 });
    expect(config.server.public_url).toBe("https://sso.example.com/ocient");
  });

  it.each([
    ["http://127.0.0.1:8080", true],
    ["http://localhost:8080/", true],
    ["https://sso.example.com", true],
    ["http://sso.example.com", false],
    ["https://sso.example.com/?next=x", false],
    ["https://sso.example.com/#top", false],
    ["ftp://sso.example.com", false],
    ["sso.example.com", false],
  ])("server.public_url %s: accepted %s", (public_url, accepted) => {
    const input = { ...minimalConfig, server: { public_url } };
    if (accepted) expect(parseConfig(input).server.public_url).toBe(public_url);
    else expect(problemsOf(input).some((p) => p.startsWith("server.public_url: "))).toBe(true);
  });

  it.each([
    [{ refresh_lifetime_seconds: -1 }, "token.refresh_lifetime_seconds: "],
    [{ refresh_lifetime_seconds: 1.5 }, "token.refresh_lifetime_seconds: "],
    [{ authorized_party: "" }, "token.authorized_party: "],
  ])("refuses token %j", (token, path) => {
    const problems = problemsOf({ ...minimalConfig, token: { ...minimalConfig.token, ...token } });
    expect(
      problems.some((p) => p.startsWith(path)),
      problems.join("; "),
    ).toBe(true);
  });
});

it("lists a provider issuer that is no URL as a problem (it once threw a TypeError)", () => {
  const problems = problemsOf({
    ...minimalConfig,
    integrations: [{ name: "corp", issuer: "idp.example.com", audiences: ["ocient-client"] }],
  });
  expect(problems.some((p) => p.startsWith("integrations[0].issuer: "))).toBe(true);
});
