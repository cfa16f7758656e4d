/**
 * The published packages, as `npm run build` packs them (dist/ocient-sso-server-*.tgz and
 * dist/ocient-sso-client-*.tgz), install into empty directories and work there: the `ocient-sso` command
 * (--version, check-config, serve answering /healthz and an exchange against a real OpenID provider) and
 * the client from plain ESM and from TypeScript. Nothing reaches beyond this machine: npm installs
 * offline, from tarballs only, with the registry pointed at a closed loopback port. The client's
 * dependencies, and the server's one optional dependency (the keyring's native addon and its build for
 * this platform), are packed from this checkout's node_modules, the same files the registry served to `npm ci`.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bundle.js";
import { CLIENT_PACKAGE_NAME, clientFiles, packClient } from "../../scripts/pack-client.js";
import { KEYRING_PACKAGE, packServer, SERVER_PACKAGE_NAME } from "../../scripts/pack-server.js";
import { CLIENT_IMPORT } from "../../src/dev/client-import.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { exchangeThrough, serveConfigYaml } from "../support/serve-config.js";
import { startProgram } from "../support/spawn-cli.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

/** `name` and every package it depends on, transitively, as installed in this checkout. */
async function dependencyClosure(name: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const installed = JSON.parse(await readFile(join(root, "node_modules", name, "package.json"), "utf8"));
  for (const dep of Object.keys(installed.dependencies ?? {})) await dependencyClosure(dep, seen);
  return seen;
}

/** An empty application directory whose npm cannot reach any registry. */
async function emptyApp(prefix: string): Promise<string> {
  const app = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await writeFile(join(app, ".npmrc"), "registry=http://127.0.0.1:9/\n");
  return app;
}

/** Packs each of `names` from this checkout's node_modules into `app`; answers the tarballs' paths. */
async function packInstalled(app: string, names: Iterable<string>): Promise<string[]> {
  const packed: string[] = [];
  for (const name of names) {
    const { stdout } = await run("npm", [
      "pack",
      "--silent",
      "--pack-destination",
      app,
      join(root, "node_modules", name),
    ]);
    packed.push(join(app, stdout.trim().split("\n").at(-1) as string));
  }
  return packed;
}

/** The keyring's package and the build of it npm ci chose for this platform (one of its optional dependencies). */
async function keyringPackages(): Promise<string[]> {
  const scope = KEYRING_PACKAGE.split("/")[0] as string;
  const builds = (await readdir(join(root, "node_modules", scope)))
    .map((entry) => `${scope}/${entry}`)
    .filter((name) => name.startsWith(`${KEYRING_PACKAGE}-`));
  return [KEYRING_PACKAGE, ...builds];
}

async function installOffline(app: string, tarballs: string[]): Promise<void> {
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs], {
    cwd: app,
  });
}

/** The top-level packages installed in `app` (a scope counts as its packages). */
async function installedPackages(app: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(join(app, "node_modules"))) {
    if (entry.startsWith(".")) continue;
    if (!entry.startsWith("@")) names.push(entry);
    else for (const sub of await readdir(join(app, "node_modules", entry))) names.push(`${entry}/${sub}`);
  }
  return names.sort();
}

let provider: EmbeddedProvider;
let serverTarball: string;
let clientTarball: string;
const apps: string[] = [];
/** An empty directory with the server package installed, a configuration and a directory for the keys. */
let serverApp: string;
let serverBin: string;
let keyring: string[];

beforeAll(async () => {
  await run("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root });
  await bundle();
  clientTarball = packClient();
  serverTarball = packServer();
  provider = await startEmbeddedProvider();
  serverApp = await emptyApp("ocient-sso-server-app-");
  apps.push(serverApp);
  keyring = await keyringPackages();
  await installOffline(serverApp, [serverTarball, ...(await packInstalled(serverApp, keyring))]);
  serverBin = join(serverApp, "node_modules/.bin/ocient-sso");
  await mkdir(join(serverApp, "keys"));
  await writeFile(
    join(serverApp, "config.yaml"),
    serveConfigYaml({ provider, keysDir: join(serverApp, "keys") }),
  );
}, 240_000);
afterAll(async () => {
  await provider?.close();
  await Promise.all(apps.map((app) => rm(app, { recursive: true, force: true })));
});

describe("the server package (@ocient-sso/server)", () => {
  it("is publishable: not private, a scoped name, only the bundle, LICENSE, README and CHANGELOG", async () => {
    const installed = JSON.parse(
      await readFile(join(serverApp, "node_modules", SERVER_PACKAGE_NAME, "package.json"), "utf8"),
    );
    expect(installed).toMatchObject({
      name: "@ocient-sso/server",
      version: manifest.version,
      license: "Apache-2.0",
      engines: manifest.engines,
      bin: { "ocient-sso": "ocient-sso.cjs" },
    });
    expect(installed.private).toBeUndefined();
    expect((await readdir(join(serverApp, "node_modules", SERVER_PACKAGE_NAME))).sort()).toEqual(
      ["CHANGELOG.md", "LICENSE", "README.md", "ocient-sso.cjs", "ocient-sso.mjs", "package.json"].sort(),
    );
  });

  it("installs offline with nothing else but the keyring's addon: the bundle carries its dependencies", async () => {
    expect(keyring).toHaveLength(2);
    expect(await installedPackages(serverApp)).toEqual([SERVER_PACKAGE_NAME, ...keyring].sort());
  });

  it("the installed command loads the keyring's addon: login --token-storage keyring reaches for D-Bus", async () => {
    const failed = await run(
      serverBin,
      ["login", "--url", "http://127.0.0.1:9", "--database", "sales", "--token-storage", "keyring"],
      {
        cwd: serverApp,
        env: {
          ...process.env,
          XDG_CACHE_HOME: join(serverApp, "cache"),
          DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(serverApp, "no-bus")}`,
        },
      },
    ).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    // An addon that did not load would say "not available in this installation" instead.
    expect(failed?.stderr).toMatch(/^ocient-sso login: cannot read from the keyring \(.*DBus error/);
  });

  it("ocient-sso --version prints the version", async () => {
    const { stdout } = await run(serverBin, ["--version"], { cwd: serverApp });
    expect(stdout).toMatch(
      new RegExp(`^ocient-sso ${manifest.version.replaceAll(".", "\\.")} \\(node v\\d+`),
    );
  });

  it("ocient-sso check-config accepts the configuration and resolves the provider", async () => {
    const { stdout } = await run(serverBin, ["check-config", "config.yaml"], { cwd: serverApp });
    expect(stdout).toContain(provider.issuer);
  });

  it("ocient-sso serve answers /healthz and mints a token from the provider's id_token; SIGTERM exits 0", async () => {
    const server = await startServe();
    let exitCode: number | null = -1;
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const { status, body } = await exchangeThrough(server.url, provider);
      expect(status).toBe(200);
      expect(body).toMatchObject({ database: "retail_analytics", token_type: "Bearer" });
    } finally {
      exitCode = await server.stop();
    }
    expect(exitCode).toBe(0);
  }, 60_000);
});

describe("the client package (@ocient-sso/client)", () => {
  let app: string;
  let dependencies = new Set<string>();
  beforeAll(async () => {
    app = await emptyApp("ocient-sso-client-app-");
    apps.push(app);
    dependencies = await dependencyClosure("openapi-fetch");
    await installOffline(app, [...(await packInstalled(app, dependencies)), clientTarball]);
  }, 120_000);

  it("holds only the client and the generated files it reaches, and depends on openapi-fetch alone", () => {
    const { files, packages } = clientFiles(join(root, "dist"));
    expect(packages).toEqual(["openapi-fetch"]);
    for (const file of files) expect(file).toMatch(/^(src\/client|generated)\//);
  });

  it("is publishable: not private, a scoped name, LICENSE, README and CHANGELOG", async () => {
    const dir = join(app, "node_modules", CLIENT_PACKAGE_NAME);
    const installed = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    expect(installed).toMatchObject({
      name: "@ocient-sso/client",
      version: manifest.version,
      engines: manifest.engines,
    });
    expect(installed.private).toBeUndefined();
    expect(await readdir(dir)).toEqual(expect.arrayContaining(["CHANGELOG.md", "LICENSE", "README.md"]));
  });

  it("installs into an empty directory with nothing of the server", async () => {
    expect(await installedPackages(app)).toEqual([CLIENT_PACKAGE_NAME, ...dependencies].sort());
  });

  it("runs the import line development mode prints, from the installed package", async () => {
    expect(CLIENT_IMPORT).toContain(`"${CLIENT_PACKAGE_NAME}"`);
    await writeFile(join(app, "printed.mjs"), `${CLIENT_IMPORT}\nconsole.log(typeof createSsoClient);\n`);
    const { stdout } = await run(process.execPath, ["printed.mjs"], { cwd: app });
    expect(stdout).toBe("function\n");
  });

  it("exchanges a token from plain ESM", async () => {
    const { id_token } = await provider.issueTokens("alice");
    const server = await startServe();
    try {
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
        env: { ...process.env, SSO_URL: server.url, SSO_ID_TOKEN: id_token },
      });
      expect(JSON.parse(stdout)).toEqual({
        database: "retail_analytics",
        tokenType: "Bearer",
        parts: 3,
        denied: -1251,
      });
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("type-checks from TypeScript: the exchange input and result are typed, both tokens do not compile", async () => {
    await writeFile(
      join(app, "main.ts"),
      `import { createSsoClient, type ExchangeResult, keepFresh, SsoExchangeError } from "${CLIENT_PACKAGE_NAME}";
const client = createSsoClient({ baseUrl: "http://127.0.0.1:1" });
export async function ok(idToken: string): Promise<number> {
  const result: ExchangeResult = await client.exchange({ database: "d", idToken });
  const fresh = keepFresh(client, result);
  return (await fresh.token()).length + result.expiresIn;
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

/** The installed server package's `ocient-sso serve`; resolves once it listens. */
async function startServe(): Promise<{ url: string; stop(): Promise<number | null> }> {
  const server = startProgram(serverBin, ["serve", "--config", "config.yaml"], { cwd: serverApp });
  const url = (await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
  return {
    url,
    async stop() {
      server.child.kill("SIGTERM");
      return (await server.exited).code;
    },
  };
}
