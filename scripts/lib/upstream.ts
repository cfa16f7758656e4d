/**
 * Reading what Ocient publishes: the whole document (the source), the sso_token page's block (which must
 * be the same operation), and the record of what the last generation read (`generated/upstream.json`),
 * which names the file that changed when the two disagree and marks the operations upstream changed.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import type { Classification } from "../patches/operations.js";
import { PAGE_SPEC_PATH, PUBLISHED_DOCUMENT_PATH } from "./doc-page.js";
import { digest, operationsOf } from "./operations.js";
import { type Finding, valueAt } from "./patch.js";
import { formatLocation, isObject, type JsonObject } from "./walk-schemas.js";

export const UPSTREAM_RECORD_PATH = "generated/upstream.json";

/** A published file, parsed: a leading BOM is dropped, and CRLF line endings read as LF. */
export function loadPublished(root: string, file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path.join(root, file), "utf8");
  } catch (err) {
    throw new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parsePublished(text, file);
}

/**
 * The text of a published file, parsed as `file`'s extension says (JSON, else YAML), the way generation
 * reads it: a leading BOM is dropped, and CRLF line endings read as LF. Throws naming `file` when it is
 * not an object of that format.
 */
export function parsePublished(text: string, file: string): JsonObject {
  const clean = text.replace(/^\uFEFF/, "").replaceAll("\r\n", "\n");
  let document: unknown;
  try {
    document = file.endsWith(".json") ? JSON.parse(clean) : parse(clean);
  } catch (err) {
    throw new Error(
      `${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"} (${(err as Error).message})`,
    );
  }
  if (!isObject(document)) throw new Error(`${file}: not an object`);
  return document;
}

export interface UpstreamRecord {
  readonly info?: unknown;
  readonly operations?: Readonly<Record<string, { readonly operationId?: string; readonly digest?: string }>>;
}

export function loadRecord(root: string): UpstreamRecord {
  try {
    const record: unknown = JSON.parse(readFileSync(path.join(root, UPSTREAM_RECORD_PATH), "utf8"));
    return isObject(record) ? (record as UpstreamRecord) : {};
  } catch {
    return {};
  }
}

/** The first location where `a` and `b` differ. */
function firstDifference(a: unknown, b: unknown, at: readonly string[] = []): readonly string[] | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], [...at, key]);
      if (found) return found;
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (const [i, item] of a.entries()) {
      const found = firstDifference(item, b[i], [...at, String(i)]);
      if (found) return found;
    }
  }
  return at;
}

/**
 * The page's block is cut from the whole document: each of its operations, and its `info`, must be the
 * document's. A disagreement names the file that changed since the last generation.
 */
export function pageAgreement(document: JsonObject, page: JsonObject, record: UpstreamRecord): Finding[] {
  const findings: Finding[] = [];
  const spots: Array<{ at: string[]; label: string; recorded?: string }> = [
    { at: ["info"], label: "info", recorded: digestOf(record.info) },
    ...operationsOf(page).map(({ path: route, method, route: label }) => ({
      at: ["paths", route, method],
      label,
      recorded: record.operations?.[label]?.digest,
    })),
  ];
  for (const { at, label, recorded } of spots) {
    const inPage = valueAt(page, at);
    const inDocument = valueAt(document, at);
    const where = firstDifference(inPage, inDocument, at);
    if (where === undefined) continue;
    const changed = [
      ...(recorded === undefined || digest(inDocument) !== recorded ? [PUBLISHED_DOCUMENT_PATH] : []),
      ...(recorded === undefined || digest(inPage) !== recorded ? [PAGE_SPEC_PATH] : []),
    ];
    findings.push({
      patch: "page-and-document-agree",
      at: formatLocation(where),
      says: `${changed.join(" and ")} changed since the last generation; ${label} differs between them`,
      expected: `${PAGE_SPEC_PATH} cut from ${PUBLISHED_DOCUMENT_PATH}, the same ${label}`,
      remedy:
        "import the page and the whole document of the same release: npx tsx scripts/import-published.ts PAGE DOCUMENT",
    });
  }
  return findings;
}

function digestOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `generated/upstream.json`: what this generation read, for the next one to compare with. */
export function renderRecord(document: JsonObject, classes: readonly Classification[]): string {
  const record = {
    about:
      `What the last \`npm run generate\` read from ${PUBLISHED_DOCUMENT_PATH}: digests of its info and of each ` +
      "operation (sorted-key JSON, so line endings and a BOM do not count), and how each operation is served.",
    info: digest(document.info),
    operations: Object.fromEntries(
      classes.map(({ op, kind, ...rest }) => [
        op.route,
        {
          operationId: op.operationId,
          served: kind === "served",
          ...("reason" in rest ? { reason: rest.reason } : {}),
          digest: digest(op.operation),
        },
      ]),
    ),
  };
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** One line per upstream operation: served or not (with its reason), and whether upstream changed it. */
export function operationReport(
  document: JsonObject,
  classes: readonly Classification[],
  record: UpstreamRecord,
): string[] {
  const info = isObject(document.info) ? document.info : {};
  const routeWidth = Math.max(...classes.map(({ op }) => op.route.length));
  const lines = classes.map((entry) => {
    const before = record.operations?.[entry.op.route];
    const change =
      before === undefined
        ? " (new)"
        : before.digest !== digest(entry.op.operation)
          ? " (changed upstream)"
          : "";
    const what =
      entry.kind === "served"
        ? "✔ served     "
        : entry.kind === "not served"
          ? "· not served "
          : "✘ neither    ";
    const why = entry.kind === "not served" ? `: ${entry.reason}` : "";
    return `   ${what} ${entry.op.route.padEnd(routeWidth)}  ${entry.op.operationId ?? "(no operationId)"}${why}${change}`;
  });
  const count = (kind: Classification["kind"]) => classes.filter((entry) => entry.kind === kind).length;
  const neither = count("unclassified");
  return [
    `📋 ${classes.length} upstream operations in ${String(info.title)} ${String(info.version)}: ` +
      `${count("served")} served, ${count("not served")} not served${neither > 0 ? `, ${neither} neither` : ""}`,
    ...lines,
  ];
}
