/**
 * Rules that span fields: references between sections and uniqueness. They are checked on a lenient
 * reading of the input, so they are reported in the same round as the shape problems: an entry too
 * malformed to read is left to the shape problems, the rest is checked.
 */
import { z } from "zod";
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
    const { name, issuer, jwks_uri, access_tokens: opaque } = integration;
    if (name !== undefined && names.has(name))
      problems.push(`integrations[${i}].name: duplicate name "${name}"`);
    if (issuer !== undefined && issuers.has(issuer))
      problems.push(`integrations[${i}].issuer: another integration already trusts this issuer`);
    if (name !== undefined) names.add(name);
    if (issuer !== undefined) issuers.add(issuer);
    if (opaque?.introspection && opaque.introspection.endpoint === undefined && jwks_uri) {
      problems.push(
        `integrations[${i}].access_tokens.introspection.endpoint: required when jwks_uri is set (discovery is not used)`,
      );
    }
    if (opaque?.userinfo === true && jwks_uri) {
      problems.push(
        `integrations[${i}].access_tokens.userinfo: needs discovery, so jwks_uri must not be set`,
      );
    }
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
