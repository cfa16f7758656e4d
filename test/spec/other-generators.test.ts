/**
 * A client that another generator makes from the verbatim published spec (the sso_token page's block,
 * TAB key included) exchanges tokens against the real server and the real OpenID provider.
 * openapi-typescript-codegen writes the published `"access_token\t"` as `"access_token    "` (four
 * spaces): the spelling that broke. The client is generated into a temporary directory at test time.
 * (From the whole document its output does not compile: GET /v1/execute/{database} lists `database`
 * twice, which this service does not serve.)
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { generate as generateCodegenClient } from "openapi-typescript-codegen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/generate.js";
import { PAGE_SPEC_PATH } from "../../scripts/lib/doc-page.js";
import { valueAt } from "../../scripts/lib/patch.js";
import { loadPublished } from "../../scripts/lib/upstream.js";
import { type Harness, startHarness } from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

interface SsoTokenAnswer {
  id_token?: string;
  database?: string;
}
/** What openapi-typescript-codegen 0.31 writes for the published document (the parts used here). */
interface CodegenClient {
  OpenAPI: { BASE: string };
  ApiError: new (...args: never[]) => Error & { status: number; body: unknown };
  OcientHttpQueryApiService: {
    postOcientHttpQueryApiSsoToken(requestBody: Record<string, string>): Promise<SsoTokenAnswer>;
  };
}

let h: Harness;
let dir: string;
let client: CodegenClient;
let serviceSource: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocient-sso-codegen-"));
  await generateCodegenClient({
    input: path.join(ROOT, PAGE_SPEC_PATH),
    output: dir,
    httpClient: "fetch",
  });
  serviceSource = await readFile(path.join(dir, "services/OcientHttpQueryApiService.ts"), "utf8");
  client = (await import(/* @vite-ignore */ pathToFileURL(path.join(dir, "index.ts")).href)) as CodegenClient;
  h = await startHarness();
  client.OpenAPI.BASE = h.url;
});
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The request keys the generated sso_token method's body type declares, as the generator wrote them. */
function declaredKeys(): string[] {
  const method = serviceSource.slice(serviceSource.indexOf("postOcientHttpQueryApiSsoToken("));
  const body = method.slice(0, method.indexOf("}"));
  return [...body.matchAll(/^\s*'?([^'?:\n]+?)'?\??: string;$/gm)].map(([, key]) => key as string);
}

async function verified(answer: SsoTokenAnswer) {
  rememberToken(answer.id_token);
  const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(answer.id_token ?? "", jwks, {
    issuer: h.config.token.issuer,
    audience: h.config.token.issuer,
  });
  return payload;
}

describe("openapi-typescript-codegen client, generated from the verbatim published spec", () => {
  it("declares the published keys, a TAB as four spaces", () => {
    // The page's keys as generation reads them, whatever this release's quirks are.
    const published = Object.keys(
      valueAt(loadPublished(ROOT, PAGE_SPEC_PATH), [
        ...["paths", "/v1/sso_token", "post", "requestBody", "content", "application/json"],
        ...["schema", "properties"],
      ]) as object,
    );
    expect(declaredKeys()).toEqual(published.map((key) => key.replaceAll("\t", "    ")));
  });

  it("exchanges an access_token sent under the key it declares", async () => {
    const key = declaredKeys().find((k) => k.trim() === "access_token") ?? "";
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "jwt" });
    rememberToken(access_token);
    const answer = await client.OcientHttpQueryApiService.postOcientHttpQueryApiSsoToken({
      database: "retail_analytics",
      [key]: access_token,
    });
    expect(answer).toMatchObject({ database: "retail_analytics", id_token: expect.any(String) });
    expect(await verified(answer)).toMatchObject({ sub: "alice", database: "retail_analytics" });
  });

  it("exchanges an id_token", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    rememberToken(id_token);
    const answer = await client.OcientHttpQueryApiService.postOcientHttpQueryApiSsoToken({
      database: "retail_analytics",
      id_token,
    });
    expect(await verified(answer)).toMatchObject({ sub: "alice", database: "retail_analytics" });
  });

  it("receives a refusal as the generator's ApiError with the Ocient status body", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    rememberToken(id_token);
    const refused = await client.OcientHttpQueryApiService.postOcientHttpQueryApiSsoToken({
      database: "no_such_database",
      id_token,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(client.ApiError);
    expect(refused).toMatchObject({
      status: 403,
      body: { status: { vendor_code: -1251, sql_state: "42501", reason: expect.any(String) } },
    });
  });

  it("refuses both spellings of access_token in one body (never merged)", async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "jwt" });
    rememberToken(access_token);
    const refused = await client.OcientHttpQueryApiService.postOcientHttpQueryApiSsoToken({
      database: "retail_analytics",
      "access_token    ": access_token,
      "access_token\t": access_token,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({ status: 400, body: { status: { vendor_code: -1254 } } });
  });
});
