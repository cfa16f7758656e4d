/**
 * Copies the OpenAPI block of a published documentation page into `openapi/ocient-sso-token.yaml`,
 * byte for byte. Run it when the docs change, then `npm run generate`.
 *
 *   tsx scripts/import-seed.ts ../shared/seed/000_d4b790bfef342e03.txt
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { extractSpecBlock, SEED_SPEC_PATH } from "./lib/seed.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [page, ...extra] = process.argv.slice(2);
if (page === undefined || extra.length > 0) {
  console.error("usage: tsx scripts/import-seed.ts PAGE.txt");
  process.exit(2);
}

try {
  const block = extractSpecBlock(readFileSync(page));
  writeFileSync(path.join(root, SEED_SPEC_PATH), block);
  const digest = createHash("sha256").update(block).digest("hex").slice(0, 12);
  console.log(`✨ ${page} → ${SEED_SPEC_PATH} (${block.length} bytes, sha256 ${digest})`);
} catch (err) {
  console.error(`✘ ${page}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
