import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../scripts/generate.js";
import { importPublished } from "../../scripts/import-published.js";
import {
  extractSpecBlock,
  PAGE_SPEC_PATH,
  PUBLISHED_DOCUMENT_PATH,
  PUBLISHED_PAGE_PATH,
} from "../../scripts/lib/doc-page.js";

const read = (root: string, file: string) => readFileSync(path.join(root, file));

describe("the published files kept in the repository", () => {
  it("openapi/ocient-sso-token.yaml is the kept page's block, byte for byte", () => {
    expect(read(ROOT, PAGE_SPEC_PATH).equals(extractSpecBlock(read(ROOT, PUBLISHED_PAGE_PATH)))).toBe(true);
  });

  it("keeps the published quirk: a request property key ending in a TAB", () => {
    const block = parse(read(ROOT, PAGE_SPEC_PATH).toString("utf8"));
    const schema = block.paths["/v1/sso_token"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(["database", "id_token", "access_token\t"]);
  });

  it("the whole published document is kept verbatim, with its quirks", () => {
    const text = read(ROOT, PUBLISHED_DOCUMENT_PATH).toString("utf8");
    expect(text).toContain('"access_token\\t"');
    expect(text).toContain('"sso_callback_path\\t"');
    expect(Object.keys(JSON.parse(text).paths)).toContain("/v1/sso_token");
  });
});

describe("scripts/import-published.ts", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocient-sso-import-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
