/**
 * A person at a terminal (a real one: tmux running bash): `ocient-sso login` prints the URL and code,
 * the person signs in on the provider's own device pages (driven over HTTP, as a second device would),
 * `token` prints a token that verifies, `token` from 4 processes at once past the token's half-life makes
 * one refresh at the service (counted in its metrics), and after `logout` `token` exits 3 with the hint
 * to sign in again. The transcript is checked as the person would read it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliTerminal, startCliTerminal } from "../support/cli-terminal.js";
import { answeredSoFar, type Harness, startHarness, verifyMinted } from "../support/harness.js";
import { rememberSecret, rememberToken } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";

const TTL_SECONDS = 40;
let provider: EmbeddedProvider;
let h: Harness;
let cli: CliTerminal;
let dir: string;
let cacheDir: string;

beforeAll(async () => {
  provider = await startEmbeddedProvider({ deviceIntervalSeconds: 1 });
  rememberSecret(provider.signIn.clientSecret);
  h = await startHarness({ provider, token: { ttl_seconds: TTL_SECONDS } });
  cli = await startCliTerminal("login");
  ({ dir, cacheDir } = cli);
});
afterAll(async () => {
  await cli?.close();
  await h?.close();
  await provider?.close();
});

const verify = (token: string) => verifyMinted(h, token);

const shell = (line: string, timeoutMs?: number) => cli.shell(line, timeoutMs);

describe("ocient-sso login, token, logout in a terminal", () => {
  let first: string;

  it("login prints the URL and code; signing in at the provider completes it", async () => {
    await cli.term.type(
      'echo "<<login"; ocient-sso login --url ' +
        h.url +
        ' --database retail_analytics; echo "login>> exit=$?"',
    );
    const prompt = await cli.term.waitFor(/confirm the code (\S+):\n {2}(\S+)\n/);
    const [, code, url] = prompt as unknown as [string, string, string];
    rememberSecret(code);
    expect(url).toContain(`${provider.issuer}/`);
    expect(decodeURIComponent(url)).toContain(code);
    await provider.completeDeviceFlow(url, "alice");
    const done = await cli.term.waitFor(/<<login\n([\s\S]*?)login>> exit=(\d+)/);
    expect(done[2], done[1]).toBe("0");
    expect(done[1]).toMatch(
      /The code expires in \d+ minutes\.\nWaiting for you to sign in\.\.\. \(Ctrl-C to cancel\)\n/,
    );
    expect(done[1]).toContain(
      `Signed in as alice to ${h.url} (database retail_analytics); profile "default" kept in ${cacheDir}/default.json.`,
    );
    // No display in this terminal: no browser was opened, and nothing said it failed.
    expect(done[1]).not.toMatch(/browser|error/i);
  });

  it("the cache: a 0700 directory, one 0600 file per profile keyed by service, database and user", async () => {
    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(cacheDir)).toEqual(["default.json"]);
    const file = join(cacheDir, "default.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(await readFile(file, "utf8"));
    rememberToken(cached.token);
    expect(cached).toMatchObject({ url: h.url, database: "retail_analytics", user: "alice" });
  });

  it("token prints a token that verifies, and nothing else", async () => {
    const before = await answeredSoFar(h.url, "refresh");
    const { output, status } = await shell("ocient-sso token");
    expect(status).toBe(0);
    expect(output).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    first = output.trim();
    rememberToken(first);
    expect(await verify(first)).toMatchObject({ sub: "alice", database: "retail_analytics" });
    expect(await answeredSoFar(h.url, "refresh")).toBe(before);
  });

  it("past the token's half-life, 4 processes at once make one refresh and all print the new token", async () => {
    const cached = JSON.parse(await readFile(join(cacheDir, "default.json"), "utf8"));
    const halfLife = cached.obtained_at + (cached.expires_at - cached.obtained_at) / 2;
    await new Promise((r) => setTimeout(r, Math.max(0, halfLife - Date.now()) + 1000));
    const before = await answeredSoFar(h.url, "refresh");
    const { status } = await shell(
      "for i in 1 2 3 4; do ocient-sso token > out-$i.txt 2> err-$i.txt & done; wait",
      120_000,
    );
    expect(status).toBe(0);
    const outputs = await Promise.all([1, 2, 3, 4].map((i) => readFile(join(dir, `out-${i}.txt`), "utf8")));
    const errors = await Promise.all([1, 2, 3, 4].map((i) => readFile(join(dir, `err-${i}.txt`), "utf8")));
    for (const o of outputs) rememberToken(o.trim());
    expect(errors).toEqual(["", "", "", ""]);
    expect(await answeredSoFar(h.url, "refresh")).toBe(before + 1);
    const fresh = outputs[0]?.trim() as string;
    expect(fresh).not.toBe(first);
    expect(outputs.map((o) => o.trim())).toEqual([fresh, fresh, fresh, fresh]);
    expect(await verify(fresh)).toMatchObject({ sub: "alice", database: "retail_analytics" });
    // And the next call uses the refreshed token without refreshing again.
    expect((await shell("ocient-sso token")).output.trim()).toBe(fresh);
    expect(await answeredSoFar(h.url, "refresh")).toBe(before + 1);
  }, 180_000);

  it("profiles lists the profile; logout removes it; token then exits 3 with the login hint", async () => {
    const listed = await shell("ocient-sso profiles");
    expect(listed.output).toMatch(new RegExp(`default\\s+${h.url}\\s+retail_analytics\\s+alice\\s+expires `));
    const out = await shell("ocient-sso logout");
    expect(out.output).toBe('Logged out of "default". Tokens already issued stay valid until they expire.\n');
    expect(await readdir(cacheDir)).toEqual([]);
    const after = await shell("ocient-sso token");
    expect(after.status).toBe(3);
    expect(after.output).toBe(
      'ocient-sso token: profile "default" is not signed in: run ocient-sso login --url URL --database DB\n',
    );
  });
});
