/**
 * What a scenario is: one upstream change to the published files (the whole document and the sso_token
 * page, as Ocient's next release would publish them), optionally the maintainer's decision (an edit of
 * scripts/fix-spec.ts, the remedy a finding named), and the expected outcome: a refusal naming the change
 * and its remedy with nothing written, or a regeneration whose effect shows in generated/, the served
 * document and the running server.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { stringify } from "yaml";
import { PUBLISHED_DOCUMENT_PATH } from "../lib/doc-page.js";
import { valueAt } from "../lib/patch.js";
import { parsePublished } from "../lib/upstream.js";
import { isObject, type JsonObject } from "../lib/walk-schemas.js";
import type { ProbeAnswer, ProbeRequest } from "./probe.js";

export type Doc = JsonObject;

export interface ExpectedFinding {
  readonly patch: string;
  /** A part of the finding's location. */
  readonly at?: string;
  readonly says?: RegExp;
  readonly remedy: RegExp;
}

export interface Generated {
  /** generated/openapi.json, the served document. */
  readonly document: Doc;
  readonly types: string;
  readonly requestKeys: string;
  /** generated/ files that differ from the repository's. */
  readonly changed: readonly string[];
}

export type Outcome =
  | { readonly refused: "import"; readonly message: RegExp }
  | { readonly refused: "generate"; readonly findings: readonly ExpectedFinding[] }
  | {
      readonly refused?: undefined;
      /** Checks generated/ (throws, e.g. node:assert, when wrong). */
      readonly generated: (generated: Generated) => void;
      /** Sent to the running server regenerated from the release. */
      readonly requests?: readonly ProbeRequest[];
      /** Checks the running server's answers and the document it serves. */
      readonly server?: (answers: readonly ProbeAnswer[], served: Doc) => void;
    };

export interface Scenario {
  readonly name: string;
  /** The upstream change to the whole document; the page's block is cut from the result again. */
  readonly change?: (document: Doc) => void;
  /** The published bytes of both files, after `change` (a BOM, CRLF). */
  readonly recode?: (text: string) => string;
  /** The whole document's text, replaced (a malformed release). */
  readonly documentText?: (text: string) => string;
  /** The page's text, replaced. */
  readonly pageText?: (text: string) => string;
  /** The maintainer's decision: [text, replacement] edits of scripts/fix-spec.ts, applied before generating. */
  readonly decide?: ReadonlyArray<readonly [string, string]>;
  readonly expect: Outcome;
}

/** The next release's files, built from the repository's published files as a scenario changes them. */
export function release(
  scenario: Pick<Scenario, "change" | "recode" | "documentText" | "pageText">,
  document: string,
  page: string,
): { document: string; page: string } {
  let documentText = document;
  let pageText = page;
  if (scenario.change) {
    const parsed = parsePublished(document, PUBLISHED_DOCUMENT_PATH);
    scenario.change(parsed);
    documentText = `${JSON.stringify(parsed, null, 2)}\n`;
    pageText = withBlock(page, cutBlock(parsed));
  }
  if (scenario.documentText) documentText = scenario.documentText(documentText);
  if (scenario.pageText) pageText = scenario.pageText(pageText);
  const recode = scenario.recode ?? ((text: string) => text);
  return { document: recode(documentText), page: recode(pageText) };
}

/** The page's block, as Ocient cuts it from the whole document: sso_token with the document's header. */
function cutBlock(document: JsonObject): string {
  const { openapi, info, servers, security } = document;
  const paths = { "/v1/sso_token": valueAt(document, ["paths", "/v1/sso_token"]) };
  return stringify({ openapi, info, servers, security, paths });
}

function withBlock(page: string, block: string): string {
  const open = page.indexOf("````yaml");
  const start = page.indexOf("\n", open) + 1;
  const end = page.indexOf("````", start);
  return `${page.slice(0, start)}${block}${page.slice(end)}`;
}

/** The object at `path` (no `$ref` followed); throws when there is none, so a scenario edits what exists. */
export function get(document: JsonObject, ...path: string[]): JsonObject {
  let node: unknown = document;
  for (const key of path)
    node = isObject(node) || Array.isArray(node) ? (node as JsonObject)[key] : undefined;
  if (!isObject(node)) throw new Error(`the published document has no object at ${path.join(".")}`);
  return node;
}

/** Shorthands for the spots scenarios edit. */
export const at = {
  op: (d: JsonObject, path: string, method = "post") => get(d, "paths", path, method),
  request: (d: JsonObject, path: string) =>
    get(d, "paths", path, "post", "requestBody", "content", "application/json", "schema"),
  requestProperties: (d: JsonObject, path: string) =>
    get(d, "paths", path, "post", "requestBody", "content", "application/json", "schema", "properties"),
  responseProperties: (d: JsonObject, path: string, method = "post") =>
    get(d, "paths", path, method, "responses", "200", "content", "application/json", "schema", "properties"),
};

/**
 * Moves the schema of POST `path`'s 200 JSON answer to `components.schemas[name]` (as the document's only
 * component) and refers to it by `$ref` instead; the schema moved, to edit further.
 */
export function answerBehindRef(d: JsonObject, path: string, name: string): JsonObject {
  const media = get(d, "paths", path, "post", "responses", "200", "content", "application/json");
  const moved = get(media, "schema");
  d.components = { schemas: { [name]: moved } };
  media.schema = { $ref: `#/components/schemas/${name}` };
  return moved;
}

/** Renames a property in place, keeping its position. */
export function renameKey(properties: JsonObject, from: string, to: string): void {
  const entries = Object.entries(properties).map(([k, v]) => [k === from ? to : k, v]);
  for (const key of Object.keys(properties)) delete properties[key];
  Object.assign(properties, Object.fromEntries(entries));
}

/** A component schema of the served document. */
export const schema = (document: JsonObject, name: string) => get(document, "components", "schemas", name);
/** generated/ came out byte for byte as it was. */
export const unchanged = ({ changed }: Pick<Generated, "changed">) => deepStrictEqual(changed, []);
/** Only the record of what was read changed: the served document, types and keys are as they were. */
export const onlyRecord = ({ changed }: Pick<Generated, "changed">) =>
  deepStrictEqual(changed, ["generated/upstream.json"]);
/** The first request was answered 200. */
export const succeeded = (answers: readonly ProbeAnswer[]) => strictEqual(answers[0]?.status, 200);

/** The exchange of the demo token, and what it answers. */
export const EXCHANGE: ProbeRequest = {
  method: "POST",
  path: "/v1/sso_token",
  body: { database: "retail_analytics", id_token: "$ID_TOKEN" },
};
