import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../scripts/generate.js";
import { extractSpecBlock, listSeedPages, SEED_SPEC_PATH } from "../../scripts/lib/seed.js";

// CI keeps a copy of shared/ beside the clone.
const SEED_DIR = path.resolve(ROOT, "..", "shared", "seed");

describe("the seed", () => {
  it("openapi/ocient-sso-token.yaml is the newest page's block, byte for byte", () => {
    const pages = listSeedPages(SEED_DIR);
    const newest = pages.at(-1);
    if (newest === undefined) throw new Error(`no seed page in ${SEED_DIR}`);
    const block = extractSpecBlock(readFileSync(newest));
    expect(readFileSync(path.join(ROOT, SEED_SPEC_PATH)).equals(block)).toBe(true);
  });

  it("keeps the published quirk: a request property key ending in a TAB", () => {
    const seed = parse(readFileSync(path.join(ROOT, SEED_SPEC_PATH), "utf8"));
    const schema = seed.paths["/v1/sso_token"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(["database", "id_token", "access_token\t"]);
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
