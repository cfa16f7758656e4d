/**
 * The client-only package (`npm run build` → dist/ocient-sso-client-*.tgz) installs into an empty
 * directory with openapi-fetch as its only dependency, and works from plain ESM and from TypeScript.
 * Nothing reaches beyond this machine: npm installs offline, from tarballs only, with the registry pointed at
 * a closed loopback port. The client's dependencies are packed from this checkout's node_modules, the same
 * files the registry served to `npm ci`.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_PACKAGE_NAME, clientFiles, packClient } from "../../scripts/pack-client.js";
import { CLIENT_IMPORT } from "../../src/dev/client-import.js";
import { type Harness, startHarness } from "../support/harness.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

/** `name` and every package it depends on, transitively, as installed in this checkout. */
async function dependencyClosure(name: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const manifest = JSON.parse(await readFile(join(root, "node_modules", name, "package.json"), "utf8"));
  for (const dep of Object.keys(manifest.dependencies ?? {})) await dependencyClosure(dep, seen);
  return seen;
}

describe("the client-only package", () => {
  let h: Harness;
  let app: string;
  let dependencies = new Set<string>();

  beforeAll(async () => {
    await run("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root });
    const tarball = packClient();
    app = await mkdtemp(join(tmpdir(), "ocient-sso-client-app-"));
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module" }),
    );
    await writeFile(join(app, ".npmrc"), "registry=http://127.0.0.1:9/\n");
    dependencies = await dependencyClosure("openapi-fetch");
    const packed: string[] = [];
    for (const name of dependencies) {
      const { stdout } = await run("npm", [
        "pack",
        "--silent",
        "--pack-destination",
        app,
        join(root, "node_modules", name),
      ]);
      packed.push(join(app, stdout.trim().split("\n").at(-1) as string));
    }
    await run(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", ...packed, tarball],
      {
        cwd: app,
      },
    );
    h = await startHarness();
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    if (app) await rm(app, { recursive: true, force: true });
  });

  it("holds only the client and the generated files it reaches, and depends on openapi-fetch alone", () => {
    const { files, packages } = clientFiles(join(root, "dist"));
    expect(packages).toEqual(["openapi-fetch"]);
    for (const file of files) expect(file).toMatch(/^(src\/client|generated)\//);
  });

  it("installs into an empty directory with nothing of the server", async () => {
    const installed = (await readdir(join(app, "node_modules"))).filter((name) => !name.startsWith("."));
    expect(installed.sort()).toEqual([CLIENT_PACKAGE_NAME, ...dependencies].sort());
  });

  it("the import line development mode prints works from the installed package", async () => {
    expect(CLIENT_IMPORT).toContain(`"${CLIENT_PACKAGE_NAME}"`);
    await writeFile(join(app, "printed.mjs"), `${CLIENT_IMPORT}\nconsole.log(typeof createSsoClient);\n`);
    const { stdout } = await run(process.execPath, ["printed.mjs"], { cwd: app });
    expect(stdout).toBe("function\n");
  });

  it("exchanges a token from plain ESM", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    await writeFile(
      join(app, "main.mjs"),
      `import { createSsoClient, SsoExchangeError } from "${CLIENT_PACKAGE_NAME}";
const client = createSsoClient({ baseUrl: process.env.SSO_URL });
const ok = await client.exchange({ database: "retail_analytics", idToken: process.env.SSO_ID_TOKEN });
const denied = await client.exchange({ database: "other", idToken: process.env.SSO_ID_TOKEN }).catch((e) => e);
console.log(JSON.stringify({
  database: ok.database, tokenType: ok.tokenType, parts: ok.token.split(".").length,
  denied: denied instanceof SsoExchangeError ? denied.vendorCode : String(denied),
}));
`,
    );
    const { stdout } = await run(process.execPath, ["main.mjs"], {
      cwd: app,
      env: { ...process.env, SSO_URL: h.server.url, SSO_ID_TOKEN: id_token },
    });
    expect(JSON.parse(stdout)).toEqual({
      database: "retail_analytics",
      tokenType: "Bearer",
      parts: 3,
      denied: -1251,
    });
  });

  it("type-checks from TypeScript: the exchange input and result are typed, both tokens do not compile", async () => {
    await writeFile(
      join(app, "main.ts"),
      `import { createSsoClient, type ExchangeResult, SsoExchangeError } from "${CLIENT_PACKAGE_NAME}";
const client = createSsoClient({ baseUrl: "http://127.0.0.1:1" });
export async function ok(idToken: string): Promise<number> {
  const result: ExchangeResult = await client.exchange({ database: "d", idToken });
  return result.expiresIn;
}
export const isError = (e: unknown): e is SsoExchangeError => e instanceof SsoExchangeError;
// @ts-expect-error both tokens
void client.exchange({ database: "d", idToken: "a", accessToken: "b" });
// @ts-expect-error a misspelled key
void client.exchange({ database: "d", id_token: "a" });
`,
    );
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2023",
          noEmit: true,
          types: [],
        },
        files: ["main.ts"],
      }),
    );
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app }).then(
      () => "ok",
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe("ok");
  });
});
