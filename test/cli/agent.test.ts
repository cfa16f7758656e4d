/**
 * `ocient-sso agent` as a real process against the real service and a real OpenID provider: the
 * platform's token in a file (an id_token the provider issued, as a kubelet writes a projected token),
 * the Ocient token kept in another. `--once` writes a token that verifies with the mode asked for and no
 * temporary file left; running, it exchanges the platform's current token at each turn (never
 * token_refresh), keeps the last token through refusals until it expires, then removes the file, and
 * writes again once the platform's token is good again; SIGTERM stops it with exit 0. No line it prints
 * holds a token.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answeredSoFar, type Harness, startHarness, verifyMinted } from "../support/harness.js";
import { rememberSecret, rememberToken } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { runCliProcess, startCli } from "../support/spawn-cli.js";

const TTL_SECONDS = 4;
let provider: EmbeddedProvider;
let h: Harness;
let dir: string;

beforeAll(async () => {
  provider = await startEmbeddedProvider();
  h = await startHarness({ provider, token: { ttl_seconds: TTL_SECONDS } });
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-agent-"));
});
afterAll(async () => {
  await h?.close();
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const verify = (token: string) => verifyMinted(h, token);

/** Writes a fresh id_token of `account` where the agent reads the platform's token. */
async function platformToken(file: string, account: string): Promise<void> {
  const { id_token } = await provider.issueTokens(account);
  rememberSecret(id_token);
  await writeFile(file, `${id_token}\n`);
}

const agentArgs = (platform: string, out: string) => [
  "agent",
  "--url",
  h.url,
  "--database",
  "retail_analytics",
  "--token-file",
  platform,
  "--kind",
  "id",
  "--out",
  out,
];

/** Polls until `check` resolves true (every 100 ms, at most `ms`). */
async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

const readToken = (file: string) => readFile(file, "utf8").catch(() => undefined);

describe("ocient-sso agent", () => {
  it("--once writes a token that verifies, with the mode asked for and no temporary file left", async () => {
    const work = await mkdtemp(join(dir, "once-"));
    const platform = join(work, "platform-token");
    await platformToken(platform, "alice");
    for (const [flags, mode] of [[[], 0o600] as const, [["--mode", "0640"], 0o640] as const]) {
      const out = join(work, "ocient-token");
      const result = await runCliProcess([...agentArgs(platform, out), "--once", ...flags]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `ocient-sso agent: wrote ${out}: a token for alice on retail_analytics, expiring in ${TTL_SECONDS} s\\n$`,
        ),
      );
      const token = (await readFile(out, "utf8")) as string;
      rememberToken(token);
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(await verify(token)).toMatchObject({ sub: "alice", database: "retail_analytics" });
      expect((await stat(out)).mode & 0o777).toBe(mode);
      expect((await readdir(work)).sort()).toEqual(["ocient-token", "platform-token"]);
    }
  });

  it("keeps --out fresh from the platform's current token, through refusals until it expires, then again", async () => {
    const work = await mkdtemp(join(dir, "run-"));
    const platform = join(work, "platform-token");
    const out = join(work, "ocient-token");
    await platformToken(platform, "alice");
    const refreshesBefore = await answeredSoFar(h.url, "refresh");
    const agent = startCli(agentArgs(platform, out));
    try {
      await agent.waitFor(/wrote /);
      const first = (await readToken(out)) as string;
      rememberToken(first);
      // A new token within half its life, exchanged again (never refreshed).
      await eventually("a second token", async () => ((await readToken(out)) ?? first) !== first);
      const second = (await readToken(out)) as string;
      rememberToken(second);
      expect(await verify(second)).toMatchObject({ sub: "alice" });
      expect(await answeredSoFar(h.url, "refresh")).toBe(refreshesBefore);

      // The platform now vouches for bob, who has no grant on the database: refused at each turn; the
      // last token stays until it expires, then the file goes.
      await platformToken(platform, "bob");
      await agent.waitFor(
        /the exchange was refused: .+ \(HTTP 403, vendor_code -\d+\); the token in .+ lives/,
      );
      expect(await readToken(out)).toBeDefined();
      await agent.waitFor(new RegExp(`removed ${out}: its token has expired; trying again in`));
      expect(await readToken(out)).toBeUndefined();

      // Alice's token again: the next try writes.
      await platformToken(platform, "alice");
      await eventually("a token again", async () => (await readToken(out)) !== undefined);
      const again = (await readToken(out)) as string;
      rememberToken(again);
      expect(await verify(again)).toMatchObject({ sub: "alice" });
      expect(await answeredSoFar(h.url, "refresh")).toBe(refreshesBefore);
    } finally {
      agent.child.kill("SIGTERM");
    }
    const result = await agent.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ocient-sso agent: stopped\n$/);
    for (const line of result.stdout.split("\n"))
      expect(line).not.toMatch(/[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/);
  }, 60_000);

  it("--once without a platform token, or refused: exit 1 with the reason, no --out", async () => {
    const work = await mkdtemp(join(dir, "fail-"));
    const platform = join(work, "platform-token");
    const out = join(work, "ocient-token");
    const missing = await runCliProcess([...agentArgs(platform, out), "--once"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`ocient-sso agent: cannot read ${platform} (ENOENT)\n`);
    await platformToken(platform, "bob");
    const refused = await runCliProcess([...agentArgs(platform, out), "--once"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ocient-sso agent: the exchange was refused: .+ \(HTTP 403, vendor_code -\d+\)\n$/,
    );
    await writeFile(platform, "x".repeat(70_000));
    const huge = await runCliProcess([...agentArgs(platform, out), "--once"]);
    expect(huge.stderr).toBe(`ocient-sso agent: ${platform} holds more than 65536 bytes\n`);
    await writeFile(platform, "\n");
    const empty = await runCliProcess([...agentArgs(platform, out), "--once"]);
    expect(empty.stderr).toBe(`ocient-sso agent: ${platform} holds nothing\n`);
    await expect(stat(out)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("--token-command: what it prints is exchanged, its stderr passed through; a failing, silent, oversized or endless one is said", async () => {
    const work = await mkdtemp(join(dir, "command-"));
    const platform = join(work, "platform-token");
    const out = join(work, "ocient-token");
    await platformToken(platform, "alice");
    const withCommand = (command: string) => {
      const args = agentArgs(platform, out);
      args.splice(args.indexOf("--token-file"), 2, "--token-command", command);
      return runCliProcess([...args, "--timeout", "1", "--once"]);
    };
    const good = await withCommand(`cat '${platform}'; echo 'asked the metadata service' >&2`);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain("a token for alice on retail_analytics");
    expect(good.stderr).toBe("asked the metadata service\n");
    const token = await readFile(out, "utf8");
    rememberToken(token);
    expect(await verify(token)).toMatchObject({ sub: "alice" });
    for (const [command, said] of [
      ["exit 7", "the token command failed (exit 7)"],
      ["true", "the token command printed nothing"],
      ["head -c 70000 /dev/zero | tr '\\0' x", "the token command printed more than 65536 bytes"],
      // A program the command started keeps stdout open: the whole process group goes at --timeout.
      ["sleep 60 & sleep 60", "the token command printed no token within 1 s"],
    ]) {
      const started = Date.now();
      const failed = await withCommand(command as string);
      expect(Date.now() - started, command).toBeLessThan(20_000);
      expect(failed.code, command).toBe(1);
      expect(failed.stderr).toBe(`ocient-sso agent: ${said}\n`);
    }
  });

  it("a service that never answers: the exchange gives up after --timeout, exit 1 with no response", async () => {
    const work = await mkdtemp(join(dir, "silent-"));
    const platform = join(work, "platform-token");
    await platformToken(platform, "alice");
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const args = agentArgs(platform, join(work, "ocient-token"));
      args[args.indexOf("--url") + 1] = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      const result = await runCliProcess([...args, "--timeout", "1", "--once"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^ocient-sso agent: the exchange failed: .+ \(no response, vendor_code -\d+\)\n$/,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it.each([
    [["--timeout", "0"], "--timeout must be from 1 to 600 seconds"],
    [["--token-command", "true"], "give one of --token-file and --token-command"],
    [["--mode", "0666"], '--mode must be 0600, 0640 or 0644, not "0666"'],
    [["--kind", "saml"], "--kind must be id or access"],
    [["--out"], "--out"],
  ])("wrong usage %j: exit 2", async (change, message) => {
    const args = agentArgs(join(dir, "p"), join(dir, "o"));
    const at = args.indexOf(change[0] as string);
    const changed = at >= 0 ? [...args.slice(0, at), ...change, ...args.slice(at + 2)] : [...args, ...change];
    const result = await runCliProcess(changed);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
