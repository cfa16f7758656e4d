/**
 * Development mode as an app developer shapes it: users, groups and databases from flags or a small
 * file, fixed ports that stay the same across restarts, `dev token --user NAME` for a fresh provider
 * token at any time, `export` lines that work when pasted, and the client import line in one place.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_IMPORT } from "../../src/dev/client-import.js";
import { rememberToken } from "../support/log-collector.js";
import { freePort } from "../support/ports.js";
import { type RunningCli, root, runCliProcess, startCli } from "../support/spawn-cli.js";

const run = promisify(execFile);
let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "ocient-sso-dev-shape-"));
});
afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

async function stop(cli: RunningCli): Promise<void> {
  cli.child.kill("SIGTERM");
  await cli.exited;
}

describe("ocient-sso dev, shaped", () => {
  it("users, groups and databases from flags; dev token; export lines; fixed ports across a restart", async () => {
    const [port, providerPort, browserPort] = [await freePort(), await freePort(), await freePort()];
    const args = [
      "dev",
      ...[
        "--port",
        String(port),
        "--provider-port",
        String(providerPort),
        "--browser-port",
        String(browserPort),
      ],
      ...["--user", "bob:engineers,ops", "--user", "dana", "--database", "sales:engineers"],
    ];
    const url = `http://127.0.0.1:${port}`;
    for (const round of [1, 2]) {
      const cli = startCli(args, { cwd });
      try {
        await cli.waitFor(/Press Ctrl-C to stop\./, 60_000);
        const banner = cli.stdout;
        expect(banner).toContain(`ocient-sso (development)   ${url}\n`);
        expect(banner).toContain(`http://127.0.0.1:${providerPort}   accounts: bob [engineers, ops], dana\n`);
        expect(banner).toContain(
          'databases                  sales -> group engineers; system -> integration "dev"\n',
        );
        expect(banner).toContain(`Sign in with the browser flow: open http://127.0.0.1:${browserPort}/\n`);
        expect(banner).toContain(`\n${CLIENT_IMPORT}\n`);
        expect(banner).toContain(
          `export OCIENT_SSO_URL=${url}\nexport OCIENT_SSO_DATABASE=sales\nexport ID_TOKEN=$(npm run --silent ocient-sso -- dev token --user bob)\n`,
        );
        expect((await stat(join(cwd, "data/dev-environment.json"))).mode & 0o777).toBe(0o600);
        if (round === 2) break;

        // The export lines, pasted into a shell in another directory (the shim stands for the checkout's
        // `npm run --silent ocient-sso --`).
        const exports = banner.split("\n").filter((l) => l.startsWith("export "));
        const tsx = pathToFileURL(createRequire(join(root, "package.json")).resolve("tsx")).href;
        const shim = `npm() { shift 4; node --import ${tsx} ${join(root, "src/cli/main.ts")} "$@"; }`;
        const script = `${shim}\n${exports.join("\n")}\ncurl --silent -X POST "$OCIENT_SSO_URL/v1/sso_token" -H "Content-Type: application/json" -d "{\\"id_token\\": \\"$ID_TOKEN\\", \\"database\\": \\"$OCIENT_SSO_DATABASE\\"}"`;
        const { stdout } = await run("bash", ["-c", script], { cwd });
        const minted = JSON.parse(stdout) as Record<string, unknown>;
        rememberToken(minted.id_token);
        expect(decodeJwt(minted.id_token as string)).toMatchObject({
          sub: "bob",
          database: "sales",
          groups: ["engineers", "ops"],
        });

        const dana = await runCliProcess(["dev", "token", "--user", "dana"], { cwd });
        expect(dana.code, dana.stderr).toBe(0);
        rememberToken(dana.stdout.trim());
        expect(decodeJwt(dana.stdout.trim())).toMatchObject({
          sub: "dana",
          iss: `http://127.0.0.1:${providerPort}`,
        });
        const nobody = await runCliProcess(["dev", "token", "--user", "alice"], { cwd });
        expect(nobody.code).toBe(1);
        expect(nobody.stderr).toBe(
          'ocient-sso dev: no account "alice" in development mode; accounts: bob, dana\n',
        );
      } finally {
        await stop(cli);
      }
    }
  }, 180_000);

  it("users and databases from a file; a bad file is refused by path", async () => {
    const file = join(cwd, "dev.yaml");
    await writeFile(file, "users:\n  erin: [finance]\ndatabases:\n  ledger: { users: [erin] }\n");
    const cli = startCli(["dev", "--port", "0", "--file", file], { cwd });
    try {
      await cli.waitFor(/Press Ctrl-C to stop\./, 60_000);
      expect(cli.stdout).toContain("accounts: erin [finance]\n");
      expect(cli.stdout).toContain("ledger -> user erin");
    } finally {
      await stop(cli);
    }
    await writeFile(file, "users:\n  erin: finance\ndatabases:\n  'bad name': {}\nextra: 1\n");
    const bad = await runCliProcess(["dev", "--port", "0", "--file", file], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`invalid configuration ${file}:`);
    expect(bad.stderr).toContain("users.erin: ");
    expect(bad.stderr).toContain("databases.bad name: ");
    expect(bad.stderr).toContain('Unrecognized key: "extra"');
  }, 120_000);

  it("dev token without a running development mode says how to start it", async () => {
    const empty = await mkdtemp(join(tmpdir(), "ocient-sso-dev-none-"));
    try {
      const r = await runCliProcess(["dev", "token", "--user", "bob"], { cwd: empty });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'development mode is not running here (no ./data/dev-environment.json): start it with "npm start"',
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
