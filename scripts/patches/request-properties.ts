/**
 * What the server accepts in the request bodies of the served operations is decided here, never derived
 * silently from upstream: the properties each handler is written against (`REQUEST_PROPERTIES`), and the
 * published spellings with surrounding whitespace the server reads as those properties
 * (`PUBLISHED_SPELLINGS`, which generated/request-keys.ts is rendered from). Any upstream change to either,
 * a property added, dropped or renamed, or a whitespace spelling added or fixed, is a finding naming the
 * operation and the property, with the remedy, so it is decided before it is served.
 */
import { operationsOf } from "../lib/operations.js";
import { type Patch, resolveRef } from "../lib/patch.js";
import { type PublishedKey, publishedKeysOf } from "../lib/published-keys.js";
import { isObject, type JsonObject } from "../lib/walk-schemas.js";
import type { ServedOperations } from "./operations.js";

const FIX_SPEC = "scripts/fix-spec.ts";

/** operationId → the top-level request body properties its handler is written against. */
export type RequestProperties = Readonly<Record<string, readonly string[]>>;

/**
 * operationId → published spelling → `"published"` (upstream spells the key so today) or `{ kept: why }`
 * (upstream fixed the spelling; the server keeps accepting it for clients generated from older documents).
 */
export type PublishedSpellings = Readonly<
  Record<string, Readonly<Record<string, "published" | { kept: string }>>>
>;

/** The request body schemas of an operation, `$ref`s followed. */
function bodySchemas(document: JsonObject, operation: JsonObject): JsonObject[] {
  const body = resolveRef(document, operation.requestBody);
  const content = isObject(body) ? body.content : undefined;
  return Object.values(isObject(content) ? content : {}).flatMap((entry) => {
    const schema = isObject(entry) ? resolveRef(document, entry.schema) : undefined;
    return isObject(schema) ? [schema] : [];
  });
}

function propertyKeys(document: JsonObject, schema: JsonObject): string[] {
  const properties = resolveRef(document, schema.properties);
  return isObject(properties) ? Object.keys(properties) : [];
}

/** The server's view of the table: one entry per accepted spelling, with the operation's route. */
export function acceptedSpellings(served: ServedOperations, spellings: PublishedSpellings): PublishedKey[] {
  return Object.entries(spellings).flatMap(([operationId, byKey]) =>
    Object.keys(byKey).map((published) => ({
      operationId,
      route: served[operationId] ?? operationId,
      key: published.trim(),
      published,
    })),
  );
}

/** Runs on upstream's keys, before `normalize-property-keys` trims them. */
export function publishedSpellings(served: ServedOperations, spellings: PublishedSpellings): Patch {
  return {
    name: "published-spellings",
    why:
      "Clients generated from a published document send its keys as spelled, whitespace included. Which of " +
      "those spellings the server reads as the property is decided in PUBLISHED_SPELLINGS: a spelling upstream " +
      "adds or fixes, in any served operation, changes what the server accepts, so it stops generation until " +
      "the table says what to do.",
    apply(document, context) {
      const lines: string[] = [];
      let published: PublishedKey[];
      try {
        published = publishedKeysOf(document, (operationId) => Object.hasOwn(served, operationId));
      } catch (err) {
        context.fail(
          [],
          (err as Error).message,
          "surrounding whitespace in top-level request keys only",
          "ask upstream to fix the key, or make src/server/normalize-request.ts rename nested keys and then this check accept them",
        );
        return [];
      }
      for (const { operationId = "", route, operation } of operationsOf(document)) {
        if (!Object.hasOwn(served, operationId)) continue;
        const decided = spellings[operationId] ?? {};
        const keys = bodySchemas(document, operation).flatMap((schema) => propertyKeys(document, schema));
        const where = `PUBLISHED_SPELLINGS.${operationId} in ${FIX_SPEC}`;
        const fresh = published.filter(
          (k) => k.operationId === operationId && !Object.hasOwn(decided, k.published),
        );
        for (const { published: key } of fresh) {
          context.fail(
            `${route} ${JSON.stringify(key)}`,
            `${route} now publishes the key ${JSON.stringify(key)} (surrounding whitespace)`,
            `the published spellings decided in ${where}: ${JSON.stringify(Object.keys(decided))}`,
            `clients generated from this document will send ${JSON.stringify(key)}: add ${JSON.stringify(key)}: "published" to ${where} so the server reads it as ${key.trim()}, and tell upstream`,
          );
        }
        for (const [spelling, state] of Object.entries(decided)) {
          if (keys.includes(spelling)) {
            lines.push(`${route} ${JSON.stringify(spelling)} published, read as ${spelling.trim()}`);
            continue;
          }
          const key = spelling.trim();
          if (state !== "published" && keys.includes(key)) {
            lines.push(`${route} ${JSON.stringify(spelling)} kept (${state.kept}), read as ${key}`);
            continue;
          }
          context.fail(
            `${route} ${JSON.stringify(spelling)}`,
            keys.includes(key)
              ? `${route} now spells ${key} without whitespace (upstream fixed ${JSON.stringify(spelling)})`
              : `${route} lists no property ${key} any more`,
            `${JSON.stringify(spelling)} as ${where} says (${state === "published" ? "published" : "kept"})`,
            keys.includes(key)
              ? `clients generated from earlier documents still send ${JSON.stringify(spelling)}: keep accepting it by writing ${JSON.stringify(spelling)}: { kept: "why" } in ${where}, or stop (remove it there; those clients are then refused with 400 where the body is closed to unknown keys, or their value is ignored where it is not)`
              : `upstream dropped or renamed ${key}: decide in REQUEST_PROPERTIES (see its finding), then remove ${JSON.stringify(spelling)} from ${where}`,
          );
        }
      }
      return lines;
    },
  };
}

/** Runs after `normalize-property-keys`: the served operations' request properties, trimmed. */
export function requestProperties(served: ServedOperations, properties: RequestProperties): Patch {
  return {
    name: "request-properties",
    after: ["normalize-property-keys"],
    why:
      "A request property upstream adds, drops or renames in a served operation changes what the served " +
      "document advertises, while the handler reads what it was written against; the server would ignore the " +
      "new name. Each served operation's properties are listed in REQUEST_PROPERTIES, and any difference stops " +
      "generation, naming the operation and the property.",
    apply(document, context) {
      const lines: string[] = [];
      for (const { operationId = "", route, operation } of operationsOf(document)) {
        if (!Object.hasOwn(served, operationId)) continue;
        const expected = properties[operationId] ?? [];
        const schemas = bodySchemas(document, operation);
        const now = [...new Set(schemas.flatMap((schema) => propertyKeys(document, schema)))];
        const added = now.filter((p) => !expected.includes(p));
        const dropped = expected.filter((p) => !now.includes(p));
        // The order is upstream's business; only a property added or dropped changes what is accepted.
        if (added.length === 0 && dropped.length === 0) {
          if (now.length > 0) lines.push(`${route}: [${now.join(", ")}]`);
          continue;
        }
        const change = [
          ...(added.length > 0 ? [`adds ${added.join(", ")}`] : []),
          ...(dropped.length > 0 ? [`drops ${dropped.join(", ")}`] : []),
        ].join(" and ");
        const renamed = added.length === 1 && dropped.length === 1;
        context.fail(
          route,
          `${operationId} request properties [${now.join(", ")}]: upstream ${change}${renamed ? ` (a rename of ${dropped[0]} to ${added[0]}?)` : ""}`,
          `the properties its handler is written against: [${expected.join(", ")}]`,
          `make the handler of ${operationId} read what upstream now lists (src/server/handlers/), then list [${now.join(", ")}] in REQUEST_PROPERTIES.${operationId} (${FIX_SPEC}); until then the server would ignore ${added.length > 0 ? added.join(", ") : "nothing new"}${dropped.length > 0 ? ` and the document would no longer advertise ${dropped.join(", ")}` : ""}`,
        );
      }
      return lines;
    },
  };
}
