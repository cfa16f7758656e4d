/**
 * Visits every Schema Object of an OpenAPI 3.1 document: whatever sits under a `schema` key or in
 * `components.schemas`, and, recursively, their subschemas. Example values, defaults and `x-`
 * extensions hold data, not schemas, and are never entered, so a property that happens to be named
 * `properties` or `schema` is not mistaken for a keyword.
 */
export type JsonObject = { [key: string]: unknown };

export type SchemaVisitor = (schema: JsonObject, at: readonly string[]) => void;

/** Keywords whose value is one subschema. */
const SUBSCHEMA = [
  "items",
  "not",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "contains",
  "propertyNames",
  "if",
  "then",
  "else",
  "contentSchema",
];
/** Keywords whose value is an array of subschemas. */
const SUBSCHEMA_LIST = ["allOf", "anyOf", "oneOf", "prefixItems"];
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/** Keys of the document (outside schemas) that hold data rather than structure. */
const DATA = new Set(["example", "examples", "default", "const", "enum"]);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function walkSchemas(document: JsonObject, visit: SchemaVisitor): void {
  walkDocument(document, [], visit);
}

/** Renders a location as `paths./v1/sso_token.post.requestBody…`, quoting keys that need it. */
export function formatLocation(at: readonly string[]): string {
  return at.map((key) => (/^[\w/{}$@-]+$/.test(key) ? key : JSON.stringify(key))).join(".");
}

function walkDocument(node: unknown, at: readonly string[], visit: SchemaVisitor): void {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) walkDocument(item, [...at, String(index)], visit);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (DATA.has(key) || key.startsWith("x-")) continue;
    const here = [...at, key];
    if (key === "schema") walkSchema(value, here, visit);
    else if (key === "schemas" && at.length === 1 && at[0] === "components" && isObject(value)) {
      for (const [name, schema] of Object.entries(value)) walkSchema(schema, [...here, name], visit);
    } else walkDocument(value, here, visit);
  }
}

function walkSchema(schema: unknown, at: readonly string[], visit: SchemaVisitor): void {
  // Boolean schemas (`true`/`false`) have no subschemas.
  if (!isObject(schema)) return;
  visit(schema, at);
  for (const keyword of SUBSCHEMA) {
    if (keyword in schema) walkSchema(schema[keyword], [...at, keyword], visit);
  }
  for (const keyword of SUBSCHEMA_LIST) {
    const list = schema[keyword];
    if (Array.isArray(list)) {
      for (const [i, sub] of list.entries()) walkSchema(sub, [...at, keyword, String(i)], visit);
    }
  }
  for (const keyword of SUBSCHEMA_MAP) {
    const map = schema[keyword];
    if (isObject(map)) {
      for (const [name, sub] of Object.entries(map)) walkSchema(sub, [...at, keyword, name], visit);
    }
  }
}
