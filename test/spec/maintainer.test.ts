/**
 * What a maintainer meets when Ocient publishes a new release: each case regenerates from a modified
 * copy of the published files in a temporary directory, and ends in a correct regeneration or in
 * findings that name the cause and the remedy.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { PUBLISHED_SPELLINGS, REQUEST_PROPERTIES } from "../../scripts/fix-spec.js";
import { GENERATED_FILES, generate, ROOT } from "../../scripts/generate.js";
import { PAGE_SPEC_PATH, PUBLISHED_DOCUMENT_PATH } from "../../scripts/lib/doc-page.js";
import { type Finding, GenerationFailed } from "../../scripts/lib/patch.js";
import { loadPublished } from "../../scripts/lib/upstream.js";
import type { JsonObject } from "../../scripts/lib/walk-schemas.js";
import { trimRequestKeys } from "../../src/server/normalize-request.js";

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const committed = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** A copy of openapi/ and generated/ as committed. */
function copyOfRepository(): string {
  const root = mkdtempSync(path.join(tmpdir(), "ocient-sso-maintainer-"));
  dirs.push(root);
  cpSync(path.join(ROOT, "openapi"), path.join(root, "openapi"), { recursive: true });
  cpSync(path.join(ROOT, "generated"), path.join(root, "generated"), { recursive: true });
  return root;
}

type Operation = JsonObject & {
  operationId: string;
  requestBody: {
    required?: boolean;
    content: Record<string, { schema: JsonObject & { properties: JsonObject } }>;
  };
  responses: Record<string, { content: Record<string, { schema: JsonObject & { properties: JsonObject } }> }>;
};
type Upstream = JsonObject & { paths: Record<string, Record<string, Operation>> };

/**
 * A copy in which upstream changed its document as `edit` does; the page's block is cut from the edited
 * document again (as Ocient's next release would publish it) unless `page` is false.
 */
function upstreamChanged(edit: (document: Upstream) => void, { page = true } = {}): string {
  const root = copyOfRepository();
  const file = path.join(root, PUBLISHED_DOCUMENT_PATH);
  const document = loadPublished(root, PUBLISHED_DOCUMENT_PATH) as Upstream;
  edit(document);
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  if (page) {
    const { openapi, info, servers, security } = document;
    const paths = { "/v1/sso_token": document.paths["/v1/sso_token"] };
    writeFileSync(path.join(root, PAGE_SPEC_PATH), stringify({ openapi, info, servers, security, paths }));
  }
  return root;
}

const ssoToken = (d: Upstream) => d.paths["/v1/sso_token"]?.post as Operation;
const requestSchema = (op: Operation) =>
  op.requestBody.content["application/json"]?.schema as JsonObject & {
    properties: JsonObject;
    required?: string[];
  };
const responseSchema = (op: Operation) =>
  op.responses["200"]?.content["application/json"]?.schema as JsonObject & {
    properties: JsonObject;
  };

async function findingsOf(root: string): Promise<Finding[]> {
  const failed = await generate({ root }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failed).toBeInstanceOf(GenerationFailed);
  return [...(failed as GenerationFailed).findings];
}

/** A property no release has: what upstream adds in these cases. */
const ADDED = "added_upstream";
/** The reads of sso_token decided today. */
const reads = REQUEST_PROPERTIES.postOcientHttpQueryApiSsoToken ?? [];
/** The property named `name` once trimmed, whichever spelling this release publishes. */
const propertyNamed = (properties: JsonObject, name: string) =>
  Object.entries(properties).find(([key]) => key.trim() === name)?.[1];

const served = (files: Map<string, string>) => JSON.parse(files.get("generated/openapi.json") ?? "{}");
const REQUEST = "paths./v1/sso_token.post.requestBody.content.application/json.schema";

describe("a maintainer regenerates after an upstream release", () => {
  it("nothing changed: generated/ comes out byte for byte as committed", async () => {
    const files = await generate({ root: copyOfRepository() });
    for (const file of GENERATED_FILES) expect(files.get(file), file).toBe(committed(file));
  });

  it.each([
    ["CRLF line endings", (text: string) => text.replaceAll("\n", "\r\n")],
    ["a BOM", (text: string) => `\uFEFF${text}`],
    ["a BOM and CRLF", (text: string) => `\uFEFF${text.replaceAll("\n", "\r\n")}`],
  ])("the files arrive with %s: the same generation", async (_, recode) => {
    const root = copyOfRepository();
    for (const file of [PUBLISHED_DOCUMENT_PATH, PAGE_SPEC_PATH]) {
      // Recoded from the text as generation reads it, whatever bytes this release arrived with.
      const text = readFileSync(path.join(root, file), "utf8")
        .replace(/^\uFEFF/, "")
        .replaceAll("\r\n", "\n");
      writeFileSync(path.join(root, file), recode(text));
    }
    const files = await generate({ root });
    for (const file of GENERATED_FILES) expect(files.get(file), file).toBe(committed(file));
  });

  /** Upstream's next release spells sso_token's access token key without the TAB. */
  const fixedAccessToken = () =>
    upstreamChanged((d) => {
      const schema = requestSchema(ssoToken(d));
      schema.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [key.trim(), value]),
      );
    });

  it("upstream fixes one quirk only: a finding naming it, since the server would stop accepting the old spelling", async () => {
    expect(await findingsOf(fixedAccessToken())).toEqual([
      {
        patch: "published-spellings",
        at: 'POST /v1/sso_token "access_token\\t"',
        says: 'POST /v1/sso_token now spells access_token without whitespace (upstream fixed "access_token\\t")',
        expected: expect.stringContaining("PUBLISHED_SPELLINGS.postOcientHttpQueryApiSsoToken"),
        remedy: expect.stringMatching(
          /keep accepting it by writing "access_token\\t": \{ kept: "why" \}.*or stop/,
        ),
      },
    ]);
  });

  it("upstream fixes a quirk and the maintainer keeps the old spelling: still read and described", async () => {
    const kept = { "access_token\t": { kept: "clients generated from 1.0.0" } } as const;
    const spellings = { ...PUBLISHED_SPELLINGS, postOcientHttpQueryApiSsoToken: kept };
    const files = await generate({ root: fixedAccessToken(), decisions: { spellings } });
    expect(files.get("generated/request-keys.ts")).toBe(committed("generated/request-keys.ts"));
    expect(files.get("generated/openapi.json")).toBe(committed("generated/openapi.json"));
  });

  it("upstream fixes a quirk and the maintainer stops accepting it: neither read nor described", async () => {
    const { postOcientHttpQueryApiSsoToken: _, ...spellings } = PUBLISHED_SPELLINGS;
    const lines: string[] = [];
    const root = fixedAccessToken();
    const files = await generate({ root, decisions: { spellings }, log: (line) => lines.push(line) });
    expect(files.get("generated/request-keys.ts")).not.toContain("postOcientHttpQueryApiSsoToken");
    expect(files.get("generated/openapi.json")).not.toContain("AsPublished");
    // The typed client is what it was: it never had the published spelling.
    expect(files.get("generated/types.ts")).toBe(committed("generated/types.ts"));
    expect(lines).toContainEqual(
      expect.stringMatching(/✔ served +POST \/v1\/sso_token .*\(changed upstream\)$/),
    );
  });

  it("upstream adds a request property to sso_token: a finding until the exchange reads it", async () => {
    const root = upstreamChanged((d) => {
      requestSchema(ssoToken(d)).properties[ADDED] = { type: "string" };
    });
    expect(await findingsOf(root)).toEqual([
      {
        patch: "request-properties",
        at: "POST /v1/sso_token",
        says: `postOcientHttpQueryApiSsoToken request properties [${[...reads, ADDED].join(", ")}]: upstream adds ${ADDED}`,
        expected: `the properties its handler is written against: [${reads.join(", ")}]`,
        remedy: expect.stringMatching(
          /make the handler of postOcientHttpQueryApiSsoToken read what upstream now lists/,
        ),
      },
    ]);
  });

  it("upstream renames a request property of another served operation: a finding naming both", async () => {
    const root = upstreamChanged((d) => {
      const schema = requestSchema(d.paths["/v1/sso_authentication"]?.post as Operation);
      schema.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [
          key === "do_redirect" ? "redirect" : key,
          value,
        ]),
      );
    });
    expect(await findingsOf(root)).toEqual([
      expect.objectContaining({
        patch: "request-properties",
        at: "POST /v1/sso_authentication",
        says: expect.stringContaining("upstream adds redirect and drops do_redirect"),
        remedy: expect.stringContaining("REQUEST_PROPERTIES.postOcientHttpQueryApiSsoAuthentication"),
      }),
    ]);
  });

  it("upstream adds a request property to an operation not served: the served document is unchanged", async () => {
    const root = upstreamChanged(
      (d) => {
        const login = d.paths["/v1/login"]?.post as Operation;
        requestSchema(login).properties.scope = { type: "string" };
      },
      { page: false },
    );
    const lines: string[] = [];
    const files = await generate({ root, log: (line) => lines.push(line) });
    expect(files.get("generated/openapi.json")).toBe(committed("generated/openapi.json"));
    expect(files.get("generated/upstream.json")).not.toBe(committed("generated/upstream.json"));
    expect(lines).toContainEqual(
      expect.stringMatching(/· not served +POST \/v1\/login .*\(changed upstream\)$/),
    );
  });

  it("upstream adds a response property and a response limit: both are served as upstream says", async () => {
    const root = upstreamChanged((d) => {
      const schema = responseSchema(ssoToken(d));
      schema.properties[ADDED] = { type: "string", description: "The mapped user." };
      (propertyNamed(schema.properties, "database") as JsonObject).maxLength = 128;
    });
    const files = await generate({ root });
    const response = served(files).components.schemas.SsoTokenResponse;
    expect(response.properties[ADDED]).toEqual({ type: "string", description: "The mapped user." });
    expect(response.properties.database.maxLength).toBe(128);
    expect(response.required).not.toContain(ADDED);
    expect(files.get("generated/types.ts")).toContain(`${ADDED}?: string;`);
  });

  it("upstream adds a limit that a patch overrides: a finding at that spot", async () => {
    const root = upstreamChanged((d) => {
      (propertyNamed(requestSchema(ssoToken(d)).properties, "database") as JsonObject).maxLength = 64;
    });
    expect(await findingsOf(root)).toEqual([
      {
        patch: "exactly-one-token",
        at: `${REQUEST}.properties.database.maxLength`,
        says: "64",
        expected: "nothing",
        remedy: expect.stringMatching(/^drop this override to serve what upstream now says, or widen it/),
      },
    ]);
  });

  it("upstream adds an operation: generation names it and says what to do", async () => {
    const root = upstreamChanged(
      (d) => {
        d.paths["/v1/whoami"] = {
          get: { operationId: "getOcientHttpQueryApiWhoami", responses: { "200": { description: "ok" } } },
        } as never;
      },
      { page: false },
    );
    expect(await findingsOf(root)).toEqual([
      {
        patch: "not-served-operations",
        at: "GET /v1/whoami",
        says: "operation getOcientHttpQueryApiWhoami, neither served nor listed",
        expected: expect.stringContaining("every operation served or listed as not served"),
        remedy: expect.stringMatching(
          /write a handler and add .* to SERVED_OPERATIONS, or list it in NOT_SERVED_OPERATIONS/,
        ),
      },
    ]);
  });

  it("upstream makes the body and database optional: both findings in one run", async () => {
    const root = upstreamChanged((d) => {
      const op = ssoToken(d);
      op.requestBody.required = false;
      delete requestSchema(op).required;
    });
    expect((await findingsOf(root)).map(({ patch, at, says }) => [patch, at, says])).toEqual([
      ["request-body-required", "paths./v1/sso_token.post.requestBody.required", "false"],
      ["exactly-one-token", `${REQUEST}.required`, "nothing"],
    ]);
  });

  it("upstream gives two operations one operationId: named as a duplicate, not as a move", async () => {
    const root = upstreamChanged(
      (d) => {
        d.paths["/v1/about"] = { get: structuredClone(d.paths["/v1/info"]?.get) } as never;
      },
      { page: false },
    );
    expect(await findingsOf(root)).toEqual([
      {
        patch: "not-served-operations",
        at: "GET /v1/info, GET /v1/about",
        says: "operationId getOcientHttpQueryApiInfo names 2 operations: GET /v1/info, GET /v1/about",
        expected: "each operationId naming one operation",
        remedy: expect.stringContaining("ask upstream which operation getOcientHttpQueryApiInfo is"),
      },
    ]);
  });

  it("upstream moves a schema behind a $ref with the same meaning: the same served answer, extensions included", async () => {
    const root = upstreamChanged(
      (d) => {
        const media = d.paths["/v1/sso_device_grant"]?.post?.responses["200"]?.content["application/json"];
        d.components = { schemas: { DeviceGrantAnswer: media?.schema as JsonObject } };
        if (media) media.schema = { $ref: "#/components/schemas/DeviceGrantAnswer" } as never;
      },
      { page: false },
    );
    const document = served(await generate({ root }));
    const before = JSON.parse(committed("generated/openapi.json"));
    const answer = (doc: typeof document) =>
      doc.paths["/v1/sso_device_grant"].post.responses["200"].content["application/json"].schema;
    expect(answer(document)).toEqual({ $ref: "#/components/schemas/DeviceGrantAnswer" });
    expect(document.components.schemas.DeviceGrantAnswer).toEqual(answer(before));
  });

  it("upstream renames an operationId: both ends of the rename are named, with the remedy", async () => {
    const root = upstreamChanged((d) => {
      ssoToken(d).operationId = "postOcientHttpQueryApiSsoTokenExchange";
    });
    const findings = await findingsOf(root);
    expect(findings.map(({ patch, at }) => [patch, at])).toEqual([
      ["not-served-operations", "POST /v1/sso_token"],
      ["not-served-operations", "POST /v1/sso_token"],
    ]);
    for (const { remedy } of findings) {
      expect(remedy).toContain(
        "upstream renamed postOcientHttpQueryApiSsoToken to postOcientHttpQueryApiSsoTokenExchange",
      );
    }
  });

  it("upstream introduces a new whitespace quirk: a finding until decided, then fixed by the same rule, aliased and described", async () => {
    const root = upstreamChanged((d) => {
      const schema = requestSchema(ssoToken(d));
      schema.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [
          key === "id_token" ? " id_token\t" : key,
          value,
        ]),
      );
    });
    expect(await findingsOf(root)).toEqual([
      expect.objectContaining({
        patch: "published-spellings",
        at: 'POST /v1/sso_token " id_token\\t"',
        remedy: expect.stringContaining('add " id_token\\t": "published" to PUBLISHED_SPELLINGS'),
      }),
    ]);
    const spellings = {
      ...PUBLISHED_SPELLINGS,
      postOcientHttpQueryApiSsoToken: { " id_token\t": "published", "access_token\t": "published" },
    } as const;
    const files = await generate({ root, decisions: { spellings } });
    const module = path.join(root, "generated/request-keys.ts");
    writeFileSync(module, files.get("generated/request-keys.ts") ?? "");
    const { whitespaceKeys } = (await import(/* @vite-ignore */ pathToFileURL(module).href)) as {
      whitespaceKeys: Record<string, string[]>;
    };
    expect(whitespaceKeys).toEqual({
      postOcientHttpQueryApiSsoAuthentication: ["sso_callback_path"],
      postOcientHttpQueryApiSsoToken: ["id_token", "access_token"],
    });
    expect(
      trimRequestKeys({ "id_token  ": "t", database: "d" }, whitespaceKeys.postOcientHttpQueryApiSsoToken),
    ).toEqual({ id_token: "t", database: "d" });
    expect(Object.keys(served(files).components.schemas)).toContain("SsoTokenRequestWithIdTokenAsPublished");
    expect(files.get("generated/types.ts")).toBe(committed("generated/types.ts"));
  });

  it("two whitespace quirks in one operation, once decided: one deprecated branch per branch, with both spellings", async () => {
    const root = upstreamChanged((d) => {
      const schema = requestSchema(ssoToken(d));
      schema.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([key, value]) => [
          key === "database" ? "database " : key,
          value,
        ]),
      );
      schema.required = ["database "];
    });
    expect((await findingsOf(root)).map(({ patch, at }) => [patch, at])).toEqual([
      ["published-spellings", 'POST /v1/sso_token "database "'],
    ]);
    const spellings = {
      ...PUBLISHED_SPELLINGS,
      postOcientHttpQueryApiSsoToken: { "database ": "published", "access_token\t": "published" },
    } as const;
    const schemas = served(await generate({ root, decisions: { spellings } })).components.schemas;
    expect(schemas.SsoTokenRequestWithAccessTokenAsPublished.required).toEqual([
      "database ",
      "access_token\t",
    ]);
    expect(schemas.SsoTokenRequestWithIdTokenAsPublished.required).toEqual(["database ", "id_token"]);
  });

  it.each([
    ["the whole document", { page: false }, PUBLISHED_DOCUMENT_PATH],
    ["the page's block", { page: true, documentToo: false }, PAGE_SPEC_PATH],
  ])("only %s changed sso_token: a finding naming that file", async (_, how, changed) => {
    const root = how.page
      ? copyOfRepository()
      : upstreamChanged((d) => Object.assign(ssoToken(d), { summary: "sso_token, renamed" }), {
          page: false,
        });
    if (how.page) {
      const file = path.join(root, PAGE_SPEC_PATH);
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace("summary: sso_token", "summary: sso_token, renamed"),
      );
    }
    expect(await findingsOf(root)).toEqual([
      {
        patch: "page-and-document-agree",
        at: "paths./v1/sso_token.post.summary",
        says: `${changed} changed since the last generation; POST /v1/sso_token differs between them`,
        expected: `${PAGE_SPEC_PATH} cut from ${PUBLISHED_DOCUMENT_PATH}, the same POST /v1/sso_token`,
        remedy: expect.stringContaining("scripts/import-published.ts"),
      },
    ]);
  });

  it("upstream defines what the service's own document defines: the merge names upstream as changed", async () => {
    const root = upstreamChanged(
      (d) => {
        d.components = { schemas: { OcientStatus: { type: "object" } } };
      },
      { page: false },
    );
    expect(await findingsOf(root)).toEqual([
      expect.objectContaining({
        patch: "merge",
        at: "components.schemas.OcientStatus",
        says: `${PUBLISHED_DOCUMENT_PATH} now defines components.schemas.OcientStatus, which openapi/service.yaml defines too`,
        remedy: expect.stringContaining(`${PUBLISHED_DOCUMENT_PATH} changed`),
      }),
    ]);
  });

  it("several changes at once: every finding in one run, and the command says so and writes nothing", async () => {
    const root = upstreamChanged((d) => {
      (requestSchema(ssoToken(d)).properties["access_token\t"] as JsonObject).minLength = 10;
      responseSchema(ssoToken(d)).required = ["id_token"];
      d.paths["/v1/whoami"] = { get: { operationId: "getWhoami", responses: {} } } as never;
    });
    expect((await findingsOf(root)).map(({ patch }) => patch)).toEqual([
      "not-served-operations",
      "exactly-one-token",
      "response-extension",
    ]);
    const before = readFileSync(path.join(root, "generated/openapi.json"), "utf8");
    const failed = await run("npx", ["tsx", "scripts/generate.ts", "--root", root], { cwd: ROOT }).catch(
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining("3 findings") });
    const { stdout } = failed as { stdout: string };
    expect(stdout).toContain("✘ not-served-operations at GET /v1/whoami");
    expect(stdout).toContain("upstream now says: 10");
    expect(stdout.match(/remedy: /g)).toHaveLength(3);
    expect(readFileSync(path.join(root, "generated/openapi.json"), "utf8")).toBe(before);
  });
});
