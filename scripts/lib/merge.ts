/**
 * Merges the patched seed and the service's own document into one OpenAPI 3.1 document. Nothing is
 * overwritten: a path, component or tag defined twice, or top-level fields that disagree, is an error.
 */
import { isDeepStrictEqual } from "node:util";
import { isObject, type JsonObject } from "./walk-schemas.js";

export interface MergeInput {
  readonly name: string;
  readonly document: JsonObject;
}

export function mergeDocuments(info: JsonObject, ...inputs: readonly MergeInput[]): JsonObject {
  const merged: JsonObject = { openapi: "3.1.0", info };
  for (const { name, document } of inputs) {
    if (typeof document.openapi !== "string" || !document.openapi.startsWith("3.1.")) {
      throw new Error(
        `${name}: expected an OpenAPI 3.1 document, got openapi ${JSON.stringify(document.openapi)}`,
      );
    }
    for (const [key, value] of Object.entries(document)) {
      if (key === "openapi" || key === "info") continue;
      if (key === "paths") merged.paths = mergeMaps(name, "paths", merged.paths, value);
      else if (key === "components") merged.components = mergeComponents(name, merged.components, value);
      else if (key === "tags") merged.tags = mergeTags(name, merged.tags, value);
      else if (!(key in merged)) merged[key] = value;
      else if (!isDeepStrictEqual(merged[key], value)) {
        throw new Error(`${name}: ${key} differs from the one already merged`);
      }
    }
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => rank(a) - rank(b)));
}

/** Top-level fields in the order the OpenAPI specification lists them; others keep theirs, after. */
const ORDER = [
  "openapi",
  "info",
  "jsonSchemaDialect",
  "servers",
  "security",
  "tags",
  "paths",
  "webhooks",
  "components",
];

function rank(key: string): number {
  const index = ORDER.indexOf(key);
  return index === -1 ? ORDER.length : index;
}

function mergeMaps(name: string, where: string, into: unknown, from: unknown): JsonObject {
  if (!isObject(from)) throw new Error(`${name}: ${where} is not an object`);
  const result: JsonObject = isObject(into) ? { ...into } : {};
  for (const [key, value] of Object.entries(from)) {
    if (key in result) throw new Error(`${name}: ${where}.${key} is defined twice`);
    result[key] = value;
  }
  return result;
}

function mergeComponents(name: string, into: unknown, from: unknown): JsonObject {
  if (!isObject(from)) throw new Error(`${name}: components is not an object`);
  const result: JsonObject = isObject(into) ? { ...into } : {};
  for (const [section, map] of Object.entries(from)) {
    result[section] = mergeMaps(name, `components.${section}`, result[section], map);
  }
  return result;
}

function mergeTags(name: string, into: unknown, from: unknown): unknown[] {
  if (!Array.isArray(from)) throw new Error(`${name}: tags is not a list`);
  const result = Array.isArray(into) ? [...into] : [];
  const names = new Set(result.map((tag) => (isObject(tag) ? tag.name : undefined)));
  for (const tag of from) {
    const tagName = isObject(tag) ? tag.name : undefined;
    if (names.has(tagName)) throw new Error(`${name}: tag ${JSON.stringify(tagName)} is defined twice`);
    names.add(tagName);
    result.push(tag);
  }
  return result;
}

/** Every local `$ref` that points nowhere, as `ref (at location)`. */
export function danglingRefs(document: JsonObject): string[] {
  const dangling: string[] = [];
  const visit = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${at}/${i}`);
    }
    if (!isObject(node)) return;
    const ref = node.$ref;
    if (typeof ref === "string" && resolvePointer(document, ref) === undefined)
      dangling.push(`${ref} (at ${at})`);
    for (const [key, value] of Object.entries(node)) visit(value, `${at}/${key}`);
  };
  visit(document, "#");
  return dangling;
}

function resolvePointer(document: JsonObject, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}
