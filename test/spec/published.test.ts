import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PUBLISHED_SPELLINGS } from "../../scripts/fix-spec.js";
import { ROOT } from "../../scripts/generate.js";
import { importPublished } from "../../scripts/import-published.js";
import {
  extractSpecBlock,
  PAGE_SPEC_PATH,
  PUBLISHED_DOCUMENT_PATH,
  PUBLISHED_PAGE_PATH,
} from "../../scripts/lib/doc-page.js";
import { valueAt } from "../../scripts/lib/patch.js";
import { loadPublished } from "../../scripts/lib/upstream.js";

const read = (root: string, file: string) => readFileSync(path.join(root, file));

describe("the published files kept in the repository", () => {
  it("openapi/ocient-sso-token.yaml is the kept page's block, byte for byte", () => {
    expect(read(ROOT, PAGE_SPEC_PATH).equals(extractSpecBlock(read(ROOT, PUBLISHED_PAGE_PATH)))).toBe(true);
  });

  // The quirks the kept files hold are those PUBLISHED_SPELLINGS says upstream publishes today.
  const published = (operationId: string) =>
    Object.entries(PUBLISHED_SPELLINGS[operationId] ?? {})
      .filter(([, state]) => state === "published")
      .map(([spelling]) => spelling);

  it("keeps the published quirks of sso_token in the page's block: its keys as published", () => {
    const block = loadPublished(ROOT, PAGE_SPEC_PATH);
    const properties = valueAt(block, [
      ...["paths", "/v1/sso_token", "post", "requestBody", "content", "application/json"],
      ...["schema", "properties"],
    ]);
    for (const spelling of published("postOcientHttpQueryApiSsoToken")) {
      expect(Object.keys(properties as object)).toContain(spelling);
    }
  });

  it("the whole published document is kept verbatim, with its quirks", () => {
    const text = read(ROOT, PUBLISHED_DOCUMENT_PATH).toString("utf8");
    for (const spelling of Object.keys(PUBLISHED_SPELLINGS).flatMap(published)) {
      expect(text).toContain(JSON.stringify(spelling));
    }
    expect(Object.keys(loadPublished(ROOT, PUBLISHED_DOCUMENT_PATH).paths as object)).toContain(
      "/v1/sso_token",
    );
  });
});

describe("scripts/import-published.ts", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocient-sso-import-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["a document that is not JSON", '{ "openapi": ', /generated-api-methods\.json: not valid JSON/],
    ["a document that is no OpenAPI document", '{ "swagger": "2.0" }', /no `openapi` or `paths`/],
    ["a BOM and CRLF but no paths", '\uFEFF{ "openapi": "3.1.0" }\r\n', /no `openapi` or `paths`/],
  ])("refuses %s before writing anything, naming it", (_, text, message) => {
    const target = mkdtempSync(path.join(tmpdir(), "ocient-sso-import-refused-"));
    const release = path.join(dir, "release.json");
    writeFileSync(release, text);
    try {
      expect(() => importPublished(target, path.join(ROOT, PUBLISHED_PAGE_PATH), release)).toThrow(
        new RegExp(`${release}: .*${message.source}.*; nothing was written`),
      );
      expect(readdirSync(target)).toEqual([]);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it("refuses a page whose yaml block is not YAML before writing anything", () => {
    const target = mkdtempSync(path.join(tmpdir(), "ocient-sso-import-refused-"));
    const page = path.join(dir, "page.txt");
    writeFileSync(page, "intro\n````yaml\npaths: [\n````\n");
    try {
      expect(() => importPublished(target, page)).toThrow(
        /ocient-sso-token\.yaml: not valid YAML.*nothing was written/s,
      );
      expect(readdirSync(target)).toEqual([]);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it("writes the page, its block and the whole document byte for byte, as kept in the repository", () => {
    const lines = importPublished(
      dir,
      path.join(ROOT, PUBLISHED_PAGE_PATH),
      path.join(ROOT, PUBLISHED_DOCUMENT_PATH),
    );
    expect(lines).toHaveLength(3);
    for (const file of [PUBLISHED_PAGE_PATH, PAGE_SPEC_PATH, PUBLISHED_DOCUMENT_PATH]) {
      expect(read(dir, file).equals(read(ROOT, file)), file).toBe(true);
    }
  });
});

describe("extractSpecBlock", () => {
  const page = (text: string) => Buffer.from(text);
  it.each([
    ["a block", "intro\n````yaml spec\na: 1\n\tb\n\n````\nafter", "a: 1\n\tb\n\n"],
    ["CRLF kept as is", "````yaml\r\na: 1\r\n````\r\n", "a: 1\r\n"],
    ["an empty block", "````yaml\n````", ""],
  ])("extracts %s byte for byte", (_, text, expected) => {
    expect(extractSpecBlock(page(text)).toString()).toBe(expected);
  });

  it.each([
    ["no block", "# title\n```yaml\na: 1\n```\n", /no ````yaml block/],
    ["an unclosed block", "````yaml\na: 1\n", /not closed/],
    ["two blocks", "````yaml\na: 1\n````\n````yaml\nb: 2\n````\n", /more than one/],
  ])("refuses a page with %s", (_, text, message) => {
    expect(() => extractSpecBlock(page(text))).toThrow(message);
  });
});
