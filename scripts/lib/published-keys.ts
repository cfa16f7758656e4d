/**
 * The published document spells some request properties with surrounding whitespace (`"access_token\t"`).
 * The spec-fix rule (patch `normalize-property-keys`) makes a property key the same key without it; the
 * server applies the same rule to the request keys of exactly those properties, so clients generated
 * from the published document keep working whatever their generator makes of the whitespace
 * (openapi-typescript-codegen writes the TAB as four spaces). This module finds those properties in the
 * published document, describes the published spellings in the served document (for gateways that
 * validate against it), and renders the list the server reads (`generated/request-keys.ts`).
 */
import { operationsOf } from "./operations.js";
import { resolveRef } from "./patch.js";
import { formatLocation, isObject, type JsonObject } from "./walk-schemas.js";

export interface PublishedKey {
  readonly operationId: string;
  /** `POST /v1/sso_token` */
  readonly route: string;
  /** The property's key after the fix. */
  readonly key: string;
  /** The key as published, whitespace included. */
  readonly published: string;
}

/**
 * The request body properties whose published key has surrounding whitespace. Throws on one nested
 * deeper than the body's own properties: the server renames top-level keys only.
 */
export function publishedKeysOf(
  published: JsonObject,
  served: (operationId: string) => boolean = () => true,
): PublishedKey[] {
  const keys: PublishedKey[] = [];
  for (const { path, method, route, operationId = "", operation } of operationsOf(published)) {
    if (!served(operationId)) continue;
    const body = resolveRef(published, operation.requestBody);
    const content = isObject(body) ? body.content : undefined;
    if (!isObject(content)) continue;
    for (const [media, entry] of Object.entries(content)) {
      const schema = isObject(entry) ? resolveRef(published, entry.schema) : undefined;
      if (!isObject(schema)) continue;
      const at = ["paths", path, method, "requestBody", "content", media, "schema"];
      const nested = nestedWhitespaceKey(schema, at, true);
      if (nested !== undefined) {
        throw new Error(
          `${formatLocation(nested)} has surrounding whitespace below the request body's own properties; ` +
            "src/server/normalize-request.ts renames top-level keys only: extend it (and this check) first",
        );
      }
      const properties = resolveRef(published, schema.properties);
      for (const published of Object.keys(isObject(properties) ? properties : {})) {
        const key = published.trim();
        if (key === published) continue;
        if (!keys.some((k) => k.operationId === operationId && k.key === key)) {
          keys.push({ operationId, route, key, published });
        }
      }
    }
  }
  return keys;
}

function nestedWhitespaceKey(schema: unknown, at: readonly string[], top: boolean): string[] | undefined {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) {
      const found = nestedWhitespaceKey(item, [...at, String(i)], false);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(schema)) return undefined;
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === "example" || keyword === "examples" || keyword === "default" || keyword === "enum")
      continue;
    if (keyword === "properties" && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) {
        if (!top && name.trim() !== name) return [...at, keyword, name];
        const found = nestedWhitespaceKey(sub, [...at, keyword, name], false);
        if (found) return found;
      }
    } else if (isObject(value) || Array.isArray(value)) {
      const found = nestedWhitespaceKey(
        value,
        [...at, keyword],
        top && /^(allOf|anyOf|oneOf|\d+)$/.test(keyword),
      );
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Describes each published spelling in the served (fixed) document, as a deprecated property the
 * service accepts: a schema requiring one of them gets a sibling `oneOf` branch with every published
 * spelling of its operation instead (as a client generated from the published document sends them);
 * an optional one in a schema requiring none gets the spelling beside it, never both. Edits `document`
 * in place; returns one line per edit. The typed client is generated from the document before this step.
 */
export function describePublishedKeys(document: JsonObject, keys: readonly PublishedKey[]): string[] {
  const fixed: string[] = [];
  for (const operationId of new Set(keys.map((k) => k.operationId))) {
    const group = keys.filter((k) => k.operationId === operationId);
    const found = operationsOf(document).find(({ operation }) => operation.operationId === operationId);
    if (found === undefined) continue;
    const content = isObject(found.operation.requestBody) ? found.operation.requestBody.content : undefined;
    for (const entry of Object.values(isObject(content) ? content : {})) {
      if (isObject(entry) && isObject(entry.schema)) describeIn(document, entry, "schema", group, fixed);
    }
  }
  return fixed;
}

const REF_PREFIX = "#/components/schemas/";

/** The schema `node` names (through a local `$ref`), and that component's name. */
function named(document: JsonObject, node: JsonObject): { schema: unknown; name?: string } {
  const ref = typeof node.$ref === "string" && node.$ref.startsWith(REF_PREFIX) ? node.$ref : undefined;
  if (ref === undefined) return { schema: node };
  const name = ref.slice(REF_PREFIX.length);
  const schemas =
    isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
  return { schema: schemas[name], name };
}

/** The keys of `group` that `schema` has as allowed properties. */
function present(schema: JsonObject, group: readonly PublishedKey[]): PublishedKey[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  return group.filter((k) => isObject(properties[k.key]) && !isForbidden(properties[k.key] as JsonObject));
}

function describeIn(
  document: JsonObject,
  holder: JsonObject | unknown[],
  slot: string | number,
  group: readonly PublishedKey[],
  fixed: string[],
): void {
  const node = (holder as Record<string | number, unknown>)[slot];
  if (!isObject(node)) return;
  const { schema, name } = named(document, node);
  if (!isObject(schema)) return;
  if (Array.isArray(schema.oneOf)) {
    const branches = schema.oneOf;
    for (let i = branches.length - 1; i >= 0; i--) {
      const added = aliasBranch(document, branches[i], group);
      if (added !== undefined) {
        branches.splice(i + 1, 0, added.schema);
        fixed.push(`${added.line} in ${name ?? "the request body"}.oneOf`);
      } else describeIn(document, branches, i, group, fixed);
    }
    return;
  }
  const added = aliasBranch(document, node, group);
  if (added !== undefined) {
    (holder as Record<string | number, unknown>)[slot] = { oneOf: [node, added.schema] };
    fixed.push(added.line);
    return;
  }
  const properties = schema.properties as JsonObject;
  for (const published of present(schema, group)) {
    properties[published.published] = deprecatedAlias(properties[published.key] as JsonObject, published);
    const both = { not: { required: [published.key, published.published] } };
    if ("not" in schema) schema.allOf = [...(Array.isArray(schema.allOf) ? schema.allOf : []), both];
    else schema.not = both.not;
    fixed.push(
      `described ${JSON.stringify(published.published)} beside ${published.key} in ${name ?? published.route}, never both`,
    );
  }
}

/**
 * A sibling branch with every published spelling of `group` that `branch` has, when `branch` requires at
 * least one of those keys; else undefined.
 */
function aliasBranch(
  document: JsonObject,
  branch: unknown,
  group: readonly PublishedKey[],
): { schema: JsonObject; line: string } | undefined {
  if (!isObject(branch)) return undefined;
  const { schema, name } = named(document, branch);
  if (!isObject(schema) || !Array.isArray(schema.required)) return undefined;
  const required = schema.required;
  const spelled = present(schema, group);
  if (!spelled.some((k) => required.includes(k.key))) return undefined;
  const published = new Map(spelled.map((k) => [k.key, k]));
  const properties = schema.properties as JsonObject;
  const spellings = spelled.map((k) => JSON.stringify(k.published)).join(", ");
  const sent = spelled.map((k) => `\`${k.key}\` sent under its published key ${JSON.stringify(k.published)}`);
  const alias: JsonObject = {
    ...schema,
    description: `Deprecated: as ${name ?? "the branch before"}, with ${sent.join(" and ")}. Send ${spelled.map((k) => `\`${k.key}\``).join(" and ")}.`,
    deprecated: true,
    required: required.map((key) => published.get(key as string)?.published ?? key),
    properties: Object.fromEntries(
      Object.entries(properties).flatMap(([key, value]) => {
        const spelling = published.get(key);
        if (spelling === undefined) return [[key, value]];
        return [
          [spelling.published, deprecatedAlias(value as JsonObject, spelling)],
          [key, { not: {}, description: `Not allowed together with ${JSON.stringify(spelling.published)}.` }],
        ];
      }),
    ),
  };
  const route = spelled[0]?.route ?? "";
  const line = `described ${spellings} as a deprecated branch of ${route}`;
  const schemas =
    isObject(document.components) && isObject(document.components.schemas)
      ? document.components.schemas
      : undefined;
  if (name === undefined || schemas === undefined) return { schema: alias, line };
  const aliasName = `${name}AsPublished`;
  if (aliasName in schemas) throw new Error(`components.schemas.${aliasName} already exists`);
  schemas[aliasName] = alias;
  return { schema: { $ref: `${REF_PREFIX}${aliasName}` }, line: `${line} (${aliasName})` };
}

function deprecatedAlias(property: JsonObject, published: PublishedKey): JsonObject {
  return {
    ...property,
    deprecated: true,
    description:
      `Deprecated spelling of \`${published.key}\`, as the published document writes its key ` +
      `(${JSON.stringify(published.published)}), for clients generated from it. The service ignores ` +
      `whitespace around this key, so any such spelling is accepted as \`${published.key}\`; send ` +
      `\`${published.key}\`. Only one spelling may be sent.` +
      (typeof property.description === "string" ? `\n\n${property.description}` : ""),
  };
}

function isForbidden(schema: JsonObject): boolean {
  return isObject(schema.not) && Object.keys(schema.not).length === 0;
}

/** `generated/request-keys.ts`: the properties whose request keys the server trims, by operationId. */
export function renderRequestKeys(header: string, keys: readonly PublishedKey[]): string {
  const byOperation = new Map<string, string[]>();
  for (const { operationId, key } of keys)
    byOperation.set(operationId, [...(byOperation.get(operationId) ?? []), key]);
  const entries = [...byOperation].map(
    ([operationId, names]) => `  ${operationId}: [${names.map((n) => JSON.stringify(n)).join(", ")}],`,
  );
  const published = keys.map((k) => ` *   ${k.route} ${JSON.stringify(k.published)}`).join("\n");
  return `// ${header}

/**
 * Request body properties whose published key has surrounding whitespace, by operationId, as decided in
 * PUBLISHED_SPELLINGS (scripts/fix-spec.ts). The server accepts a request key that is one of these names
 * once its surrounding whitespace is removed, whatever that whitespace is; two keys that name the same
 * property are refused. As published:
${published || " *   (none)"}
 */
export const whitespaceKeys: Readonly<Record<string, readonly string[]>> = {
${entries.join("\n")}
};
`;
}
