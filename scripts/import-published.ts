/**
 * Copies what Ocient publishes into the repository, byte for byte: the sso_token documentation page
 * (to `openapi/published/`) and its OpenAPI block (to `openapi/ocient-sso-token.yaml`), and, when given,
 * the whole published OpenAPI document (to `openapi/published/`). Run it when the docs change, then
 * `npm run generate`.
 *
 *   tsx scripts/import-published.ts PAGE.txt [generated-api-methods.json]
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  extractSpecBlock,
  PAGE_SPEC_PATH,
  PUBLISHED_DOCUMENT_PATH,
  PUBLISHED_PAGE_PATH,
} from "./lib/doc-page.js";
import { parsePublished } from "./lib/upstream.js";
import { isObject, type JsonObject } from "./lib/walk-schemas.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Writes the published files under `root`; returns one line per file written. Each file is read as
 * generation will read it first, so a file it cannot read (not JSON, not YAML, not an OpenAPI document)
 * is refused, naming it, before anything is written.
 */
export function importPublished(root: string, page: string, document?: string): string[] {
  const pageBytes = readFileSync(page);
  const block = extractSpecBlock(pageBytes);
  const written: Array<[string, Buffer]> = [
    [PUBLISHED_PAGE_PATH, pageBytes],
    [PAGE_SPEC_PATH, block],
  ];
  if (document !== undefined) written.push([PUBLISHED_DOCUMENT_PATH, readFileSync(document)]);
  for (const [target, bytes] of written.slice(1)) {
    const source = target === PAGE_SPEC_PATH ? `${page} (its yaml block)` : document;
    let parsed: JsonObject;
    try {
      parsed = parsePublished(bytes.toString("utf8"), target);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}; nothing was written`);
    }
    if (typeof parsed.openapi !== "string" || !isObject(parsed.paths)) {
      throw new Error(
        `${source}: ${target} would hold no OpenAPI document (no \`openapi\` or \`paths\`); nothing was written`,
      );
    }
  }
  return written.map(([target, bytes]) => {
    mkdirSync(path.dirname(path.join(root, target)), { recursive: true });
    writeFileSync(path.join(root, target), bytes);
    const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
    return `✨ ${target} (${bytes.length} bytes, sha256 ${digest})`;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [page, document, ...extra] = process.argv.slice(2);
  if (page === undefined || extra.length > 0) {
    console.error("usage: tsx scripts/import-published.ts PAGE.txt [generated-api-methods.json]");
    process.exit(2);
  }
  try {
    for (const line of importPublished(ROOT, page, document)) console.log(line);
  } catch (err) {
    console.error(`✘ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
