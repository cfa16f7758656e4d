/**
 * Merges the patched published document and the service's own document into one OpenAPI 3.1 document.
 * Nothing is overwritten: a path, component or tag defined twice, or top-level fields that disagree, is a
 * finding. The inputs come upstream first, ours after, so a conflict names the upstream document as the one
 * that changed: ours was reviewed with the upstream document of the last generation.
 */
import { isDeepStrictEqual } from "node:util";
import type { Finding } from "./patch.js";
import { isObject, type JsonObject } from "./walk-schemas.js";

export interface MergeInput {
  readonly name: string;
  readonly document: JsonObject;
}

export function mergeDocuments(
  info: JsonObject,
  ...inputs: readonly MergeInput[]
): { document: JsonObject; conflicts: Finding[] } {
  const merged: JsonObject = { openapi: "3.1.0", info };
  const origin = new Map<string, string>();
  const conflicts: Finding[] = [];
  const conflict = (name: string, at: string, says: string) => {
    const first = origin.get(at) ?? "another document";
    conflicts.push({
      patch: "merge",
      at,
      says: `${first} now ${says}`,
      expected: `${at} defined by ${name} only`,
      remedy: `${first} changed: rename ours in ${name}, or drop ours if upstream's now serves the same purpose`,
    });
  };
  const claim = (name: string, at: string) => {
    if (!origin.has(at)) origin.set(at, name);
  };
  for (const { name, document } of inputs) {
    if (typeof document.openapi !== "string" || !document.openapi.startsWith("3.1.")) {
      conflicts.push({
        patch: "merge",
        at: "openapi",
        says: `${name} is openapi ${JSON.stringify(document.openapi)}`,
        expected: "an OpenAPI 3.1 document",
        remedy: `convert ${name} to OpenAPI 3.1 (or teach scripts/generate.ts the new version)`,
      });
      continue;
    }
    for (const [key, value] of Object.entries(document)) {
      if (key === "openapi" || key === "info") continue;
      if (key === "paths" || key === "webhooks") {
        merged[key] = mergeMap(name, key, merged[key], value, origin, conflict);
      } else if (key === "components") {
        const into: JsonObject = isObject(merged.components) ? merged.components : {};
        for (const [section, map] of Object.entries(isObject(value) ? value : {})) {
          into[section] = mergeMap(name, `components.${section}`, into[section], map, origin, conflict);
        }
        merged.components = into;
      } else if (key === "tags") {
        const tags = Array.isArray(merged.tags) ? merged.tags : [];
        for (const tag of Array.isArray(value) ? value : []) {
          const at = `tags.${isObject(tag) ? String(tag.name) : "?"}`;
          if (origin.has(at)) conflict(name, at, `defines the tag ${at.slice(5)}, which ${name} defines too`);
          else {
            claim(name, at);
            tags.push(tag);
          }
        }
        merged.tags = tags;
      } else if (!(key in merged)) {
        claim(name, key);
        merged[key] = value;
      } else if (!isDeepStrictEqual(merged[key], value)) {
        conflict(
          name,
          key,
          `says ${JSON.stringify(merged[key])} for ${key}, ${name} says ${JSON.stringify(value)}`,
        );
      }
    }
  }
  const document = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => rank(a) - rank(b)));
  return { document, conflicts };
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

function mergeMap(
  name: string,
  where: string,
  into: unknown,
  from: unknown,
  origin: Map<string, string>,
  conflict: (name: string, at: string, says: string) => void,
): JsonObject {
  const result: JsonObject = isObject(into) ? { ...into } : {};
  for (const [key, value] of Object.entries(isObject(from) ? from : {})) {
    const at = `${where}.${key}`;
    if (key in result) conflict(name, at, `defines ${at}, which ${name} defines too`);
    else {
      origin.set(at, name);
      result[key] = value;
    }
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
