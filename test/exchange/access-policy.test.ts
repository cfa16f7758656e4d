/**
 * The access policy (src/exchange/access-policy.ts) as tables: who may open which database, the identity a
 * verified token maps to, and who checks an opaque token. Real integrations from a real configuration;
 * nothing is fetched (providers are contacted lazily), so no server and no provider run.
 */
import { describe, expect, it } from "vitest";
import { defineConfig } from "../../src/config/load.js";
import type { ConfigInput } from "../../src/config/schema.js";
import { SsoError, type SsoErrorCode } from "../../src/errors.js";
import { AccessPolicy, identityOf } from "../../src/exchange/access-policy.js";
import type { VerifiedSubject } from "../../src/exchange/verified-subject.js";
import { IntegrationRegistry } from "../../src/provider/integration.js";

const introspection = { client_id: "ocient-sso", client_secret: "s3cret-not-used" };

function policyOf(input: Pick<ConfigInput, "integrations" | "databases">) {
  const config = defineConfig({ token: { issuer: "https://sso.example.com" }, ...input });
  const integrations = new IntegrationRegistry(config.integrations, { now: () => 0 });
  return { policy: new AccessPolicy(config.databases, integrations), integrations };
}

const corp = {
  name: "corp",
  issuer: "https://corp.example.com",
  audiences: ["ocient"],
  groups_claim: "groups",
};
const partner = { name: "partner", issuer: "https://partner.example.com", audiences: ["ocient"] };

const { policy, integrations } = policyOf({
  integrations: [corp, partner],
  databases: {
    system: { integration: "corp" },
    retail: { groups: ["analysts"] },
    alice_only: { users: ["alice"] },
    partner_db: { integration: "partner", users: ["alice"] },
  },
});

function subject(integration: string, claims: Record<string, unknown>): VerifiedSubject {
  const found = integrations.byName(integration);
  if (found === undefined) throw new Error(`no integration ${integration}`);
  return { kind: "id_token", integration: found, claims, exp: undefined, clientId: "ocient" };
}

function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() ?? true };
  } catch (err) {
    return { code: err instanceof SsoError ? err.code : String(err) };
  }
}

describe("AccessPolicy.authorize", () => {
  it.each<[string, string, Record<string, unknown>, string, SsoErrorCode | undefined]>([
    ["a user granted by name", "corp", { sub: "alice" }, "alice_only", undefined],
    ["a user granted through a group", "corp", { sub: "bob", groups: ["analysts"] }, "retail", undefined],
    ["a group given as one string", "corp", { sub: "bob", groups: "analysts" }, "retail", undefined],
    [
      "a database of another integration, granted there",
      "partner",
      { sub: "alice" },
      "partner_db",
      undefined,
    ],
    ["a user not granted", "corp", { sub: "bob" }, "alice_only", "ERR_ACCESS_DENIED"],
    ["a group not granted", "corp", { sub: "bob", groups: ["sales"] }, "retail", "ERR_ACCESS_DENIED"],
    ["an unknown database (the same answer)", "corp", { sub: "alice" }, "no_such_db", "ERR_ACCESS_DENIED"],
    ["a database served by another integration", "corp", { sub: "alice" }, "partner_db", "ERR_ACCESS_DENIED"],
    [
      "an inherited database from another integration",
      "partner",
      { sub: "alice" },
      "alice_only",
      "ERR_ACCESS_DENIED",
    ],
    ["system with no grant", "corp", { sub: "alice" }, "system", "ERR_ACCESS_DENIED"],
  ])("%s", (_, integration, claims, database, code) => {
    const s = subject(integration, claims);
    expect(
      outcome(() => policy.authorize(s, identityOf(s, s.integration.bindings.decide(s.claims)), database)),
    ).toEqual(code === undefined ? { ok: true } : { code });
  });
});

describe("identityOf", () => {
  const strict = policyOf({
    integrations: [
      { ...corp, user_claim: "email", required_claims: { email_verified: true, roles: "ocient-user" } },
    ],
    databases: { system: { integration: "corp" } },
  }).integrations;
  const of = (claims: Record<string, unknown>) => {
    const integration = strict.byName("corp");
    if (integration === undefined) throw new Error("no integration");
    const subject = { kind: "id_token", integration, claims, exp: undefined, clientId: undefined } as const;
    return identityOf(subject, integration.bindings.decide(claims));
  };
  const holds = { email: "a@example.com", email_verified: true, roles: ["x", "ocient-user"] };

  it.each<[string, Record<string, unknown>, unknown]>([
    [
      "every required claim holds (a list claim contains it)",
      holds,
      { ok: { user: "a@example.com", groups: [] } },
    ],
    [
      "groups keep only non-empty strings",
      { ...holds, groups: ["a", "", 3, "b"] },
      { ok: { user: "a@example.com", groups: ["a", "b"] } },
    ],
    [
      "a required claim with another value",
      { ...holds, email_verified: "true" },
      { code: "ERR_INVALID_CLAIM" },
    ],
    [
      "a required claim missing",
      { email: "a@example.com", email_verified: true },
      { code: "ERR_INVALID_CLAIM" },
    ],
    ["a list claim without the value", { ...holds, roles: ["x"] }, { code: "ERR_INVALID_CLAIM" }],
    ["no user claim", { ...holds, email: undefined }, { code: "ERR_INVALID_CLAIM" }],
    ["an empty user claim", { ...holds, email: "" }, { code: "ERR_INVALID_CLAIM" }],
    ["a user claim that is not a string", { ...holds, email: 7 }, { code: "ERR_INVALID_CLAIM" }],
  ])("%s", (_, claims, expected) => {
    expect(outcome(() => of(claims))).toEqual(expected);
  });
});

describe("AccessPolicy.opaqueCheckOf: who checks an opaque token, without telling which databases exist", () => {
  const opaque = <T extends object>(integration: T) => ({ ...integration, access_tokens: { introspection } });
  const cases: [string, Pick<ConfigInput, "integrations" | "databases">, string, unknown][] = [
    [
      "a database whose integration takes opaque tokens: its own",
      {
        integrations: [corp, opaque(partner)],
        databases: { system: { integration: "corp" }, p: { integration: "partner" } },
      },
      "p",
      { ok: "partner" },
    ],
    [
      "an unknown database: system's, when that takes them",
      { integrations: [opaque(corp)], databases: { system: { integration: "corp" } } },
      "no_such_db",
      { ok: "corp" },
    ],
    [
      "a database of an integration that takes none: system's too",
      {
        integrations: [opaque(corp), partner],
        databases: { system: { integration: "corp" }, p: { integration: "partner" } },
      },
      "p",
      { ok: "corp" },
    ],
    [
      "system's takes none, another does: the 403 of any ungranted database",
      {
        integrations: [corp, opaque(partner)],
        databases: { system: { integration: "corp" }, p: { integration: "partner" } },
      },
      "no_such_db",
      { code: "ERR_ACCESS_DENIED" },
    ],
    [
      "no integration takes opaque tokens: one 401 for every database",
      { integrations: [corp], databases: { system: { integration: "corp" } } },
      "system",
      { code: "ERR_INVALID_ACCESS_TOKEN" },
    ],
  ];
  it.each(cases)("%s", (_, input, database, expected) => {
    const { policy: p } = policyOf(input);
    expect(outcome(() => p.opaqueCheckOf(database).integration.name)).toEqual(expected);
  });
});
