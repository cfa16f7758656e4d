/**
 * The published entry point: `npm run build` emits dist/src/client, Node resolves `ocient-sso/client`
 * through package.json `exports`, and the client's import graph holds no server code.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const entry = join(root, "dist/src/client/index.js");

/** Every module specifier of an emitted ES module (static, re-export and dynamic imports). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1] as string);
  return found;
}

/** Walks the relative imports from `start`; returns every file reached and every bare specifier. */
function importGraph(start: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files: [...files].map((f) => relative(root, f)), packages: [...packages] };
}

describe("built client (dist/src/client)", () => {
  let h: Harness;

  beforeAll(async () => {
    await run("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root });
    h = await startHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it("emits JavaScript and declarations", () => {
    expect(existsSync(entry)).toBe(true);
    expect(existsSync(join(root, "dist/src/client/index.d.ts"))).toBe(true);
  });

  it("imports only openapi-fetch and its own files: no Koa, pino, jose, server or exchange core", () => {
    const { files, packages } = importGraph(entry);
    expect(packages).toEqual(["openapi-fetch"]);
    // Its own files, and the generated code names (data, imports nothing): generated/error-codes.ts.
    const own = (f: string) => f.startsWith("dist/src/client/") || f === "dist/generated/error-codes.js";
    expect(files.filter((f) => !own(f))).toEqual([]);
    for (const f of files) expect(f).not.toMatch(/dist\/src\/(server|exchange|config|dev)\//);
  });

  it("is importable as ocient-sso/client from plain Node ESM and exchanges a token", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    const script = `
      import { createSsoClient, SsoExchangeError } from "ocient-sso/client";
      const client = createSsoClient({ baseUrl: process.env.SSO_URL });
      const ok = await client.exchange({ database: "retail_analytics", idToken: process.env.SSO_ID_TOKEN });
      const denied = await client.exchange({ database: "other", idToken: process.env.SSO_ID_TOKEN }).catch((e) => e);
      console.log(JSON.stringify({
        database: ok.database, tokenType: ok.tokenType, parts: ok.token.split(".").length,
        denied: denied instanceof SsoExchangeError ? denied.vendorCode : String(denied),
      }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      env: { ...process.env, SSO_URL: h.server.url, SSO_ID_TOKEN: id_token },
    });
    expect(JSON.parse(stdout)).toEqual({
      database: "retail_analytics",
      tokenType: "Bearer",
      parts: 3,
      denied: -1251,
    });
  });
});
