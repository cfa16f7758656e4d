import type { Patch } from "../lib/patch.js";
import { formatLocation, isObject, walkSchemas } from "../lib/walk-schemas.js";

/** The spec-fix rule: a property key is the same key without its surrounding whitespace. */
export const normalizePropertyKeys: Patch = {
  name: "normalize-property-keys",
  why:
    'The published document spells properties `"access_token\\t"` and `"sso_callback_path\\t"` (with a TAB), ' +
    "so validators and generated clients expect keys no client means to send. Any property key with leading or " +
    "trailing whitespace, anywhere in the document, is renamed to its trimmed form (in `required` too). The " +
    "server applies the same rule to the request keys of those properties (generated/request-keys.ts), so " +
    "clients generated from the unfixed spec keep working whatever their generator made of the whitespace, " +
    "and the served document describes the published spelling as deprecated. Drop the patch when upstream " +
    "has no such key left.",
  apply(document, context) {
    const fixed: string[] = [];
    let collisions = 0;
    walkSchemas(document, (schema, at) => {
      const properties = schema.properties;
      if (!isObject(properties)) return;
      const renames = new Map<string, string>();
      for (const key of Object.keys(properties)) {
        const trimmed = key.trim();
        if (trimmed === key) continue;
        if (trimmed in properties) {
          collisions++;
          context.fail(
            [...at, "properties", key],
            `${JSON.stringify(key)} beside ${JSON.stringify(trimmed)}`,
            "one key per property once whitespace is trimmed",
            "two published keys name one property: ask upstream which is meant, then drop one with an override",
          );
          continue;
        }
        renames.set(key, trimmed);
        fixed.push(`fixed key ${JSON.stringify(key)} -> ${JSON.stringify(trimmed)} at ${formatLocation(at)}`);
      }
      if (renames.size === 0) return;
      // Rebuild rather than add and delete, so each property keeps its documented position.
      schema.properties = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [renames.get(key) ?? key, value]),
      );
      if (Array.isArray(schema.required)) {
        schema.required = schema.required.map((key: unknown) => {
          const renamed = typeof key === "string" ? renames.get(key) : undefined;
          if (renamed === undefined) return key;
          fixed.push(
            `fixed required ${JSON.stringify(key)} -> ${JSON.stringify(renamed)} at ${formatLocation(at)}`,
          );
          return renamed;
        });
      }
    });
    if (fixed.length === 0 && collisions === 0) {
      context.fail(
        [],
        "no property key with surrounding whitespace",
        "at least one such key",
        "upstream fixed its keys: drop this patch; which old spellings the server keeps accepting is decided in PUBLISHED_SPELLINGS (scripts/fix-spec.ts)",
      );
    }
    return fixed;
  },
};
