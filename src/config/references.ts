/**
 * Rules that span fields: references between sections and uniqueness. They are checked on a lenient
 * reading of the input, so they are reported in the same round as the shape problems: an entry too
 * malformed to read is left to the shape problems, the rest is checked.
 */
import { z } from "zod";
import { unpinned } from "./bindings-schema.js";
import { integrationOfDatabase } from "./schema.js";

const text = z.string().optional().catch(undefined);
const lenient = z.object({
  integrations: z
    .array(
      z
        .object({
          name: text,
          issuer: text,
          jwks_uri: text,
          jwks: z.unknown().optional(),
          jwks_file: text,
          conditions: z.record(z.string(), z.unknown()).optional().catch(undefined),
          bindings: z
            .array(
              z
                .object({
                  name: text,
                  when: z.record(z.string(), z.unknown()).optional().catch(undefined),
                  databases: z.array(z.string()).optional().catch(undefined),
                })
                .catch({}),
            )
            .optional()
            .catch(undefined),
          access_tokens: z
            .object({
              introspection: z.object({ endpoint: text }).optional().catch(undefined),
              userinfo: z.unknown(),
            })
            .optional()
            .catch(undefined),
        })
        .catch({}),
    )
    .optional()
    .catch(undefined),
  databases: z
    .record(z.string(), z.object({ integration: text }).catch({}))
    .optional()
    .catch(undefined),
});

export function referenceProblems(input: unknown): string[] {
  const read = lenient.safeParse(input);
  if (!read.success) return [];
  const { integrations, databases } = read.data;
  const problems: string[] = [];
  const names = new Set<string>();
  const issuers = new Set<string>();
  integrations?.forEach((integration, i) => {
    const { name, issuer, access_tokens: opaque } = integration;
    const keySource = integration.jwks_uri
      ? "jwks_uri"
      : integration.jwks !== undefined
        ? "jwks"
        : integration.jwks_file
          ? "jwks_file"
          : undefined;
    if (name !== undefined && names.has(name))
      problems.push(`integrations[${i}].name: duplicate name "${name}"`);
    if (issuer !== undefined && issuers.has(issuer))
      problems.push(`integrations[${i}].issuer: another integration already trusts this issuer`);
    if (name !== undefined) names.add(name);
    if (issuer !== undefined) issuers.add(issuer);
    if (opaque?.introspection && opaque.introspection.endpoint === undefined && keySource) {
      problems.push(
        `integrations[${i}].access_tokens.introspection.endpoint: required when ${keySource} is set (discovery is not used)`,
      );
    }
    if (opaque?.userinfo === true && keySource) {
      problems.push(
        `integrations[${i}].access_tokens.userinfo: needs discovery, so ${keySource} must not be set`,
      );
    }
  });
  integrations?.forEach((integration, i) => {
    problems.push(...bindingProblems(integration, i, databases));
  });
  // Without a list of integrations (its own problem), every reference would dangle: nothing to add.
  if (integrations === undefined || databases === undefined) return problems;
  for (const [name, db] of Object.entries(databases)) {
    if (integrationOfDatabase(databases, name).name === undefined) {
      problems.push(`databases.${name}.integration: required (no integration is set for system to inherit)`);
    } else if (db.integration !== undefined && !names.has(db.integration)) {
      problems.push(`databases.${name}.integration: no integration is named "${db.integration}"`);
    }
  }
  return problems;
}

type LenientIntegration = NonNullable<z.output<typeof lenient>["integrations"]>[number];

/**
 * A shared issuer's bindings must each pin an owner (with the integration's conditions); binding names
 * are unique; a binding's databases must be served by its integration.
 */
function bindingProblems(
  integration: LenientIntegration,
  i: number,
  databases: Record<string, { integration?: string }> | undefined,
): string[] {
  const { bindings, issuer, name } = integration;
  const conditions = integration.conditions ?? {};
  if (issuer === undefined) return [];
  const problems: string[] = [];
  if (bindings === undefined) {
    const reason = unpinned(issuer, conditions, {});
    if (reason) problems.push(`integrations[${i}].bindings: required: ${reason}`);
    return problems;
  }
  const names = new Set<string>();
  bindings.forEach((binding, b) => {
    const at = `integrations[${i}].bindings[${b}]`;
    if (binding.name !== undefined && names.has(binding.name))
      problems.push(`${at}.name: duplicate name "${binding.name}"`);
    if (binding.name !== undefined) names.add(binding.name);
    const reason = unpinned(issuer, conditions, binding.when ?? {});
    if (reason) problems.push(`${at}.when: ${reason}`);
    binding.databases?.forEach((database, d) => {
      const served =
        databases !== undefined &&
        Object.hasOwn(databases, database) &&
        integrationOfDatabase(databases, database).name === name;
      if (!served)
        problems.push(`${at}.databases[${d}]: no database "${database}" is served by integration "${name}"`);
    });
  });
  return problems;
}
