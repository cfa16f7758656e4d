/**
 * Ocient's documentation page for an operation holds a fenced ```` ```yaml ```` block: the published
 * OpenAPI document of that operation. The page and its block are kept byte for byte (quirks
 * included): fixes belong to `fix-spec.ts`.
 */
const FENCE = Buffer.from("````");
const OPENING = Buffer.from("````yaml");
const NEWLINE = 0x0a;

/** Where the importer keeps the published files, relative to the repository root. */
export const PUBLISHED_PAGE_PATH = "openapi/published/sso-token.page.txt";
export const PUBLISHED_DOCUMENT_PATH = "openapi/published/generated-api-methods.json";
/** Where the importer writes the page's block, relative to the repository root. */
export const PAGE_SPEC_PATH = "openapi/ocient-sso-token.yaml";

/**
 * Returns the bytes between the opening fence line (starting with four backticks and `yaml`) and the
 * closing fence line (starting with four backticks), exactly as they appear in the page.
 * Throws when the page holds no such block, more than one, or an unterminated one.
 */
export function extractSpecBlock(page: Buffer): Buffer {
  let start = -1;
  let end = -1;
  for (let lineStart = 0; lineStart < page.length; ) {
    const newline = page.indexOf(NEWLINE, lineStart);
    const next = newline === -1 ? page.length : newline + 1;
    const line = page.subarray(lineStart, next);
    if (start === -1) {
      if (startsWith(line, OPENING)) start = next;
    } else if (end === -1) {
      if (startsWith(line, FENCE)) end = lineStart;
    } else if (startsWith(line, OPENING)) {
      throw new Error("the page holds more than one ````yaml block; expected exactly one");
    }
    lineStart = next;
  }
  if (start === -1) throw new Error("the page holds no ````yaml block");
  if (end === -1) throw new Error("the ````yaml block is not closed by a ```` line");
  return page.subarray(start, end);
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.subarray(0, prefix.length).equals(prefix);
}
