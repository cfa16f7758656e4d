/**
 * `ocient-sso explain` on the GitHub recipe of docs/workloads.md: what it prints for a matching token
 * and for refused ones (by a binding, by verification), reading the token from a file or stdin, without
 * minting, and never printing the token.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runCli } from "../../src/cli/run.js";
import { type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { tokenFragments } from "../support/log-collector.js";
import { memoryIo } from "../support/memory-io.js";
import { recipeConfig } from "../support/recipes.js";
import { githubClaims, googleClaims } from "../support/workload-tokens.js";

let provider: FakeProvider;
let dir: string;
let configFile: string;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  provider = await startFakeProvider();
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-explain-"));
  const { raw } = await recipeConfig("github", provider, dir);
  configFile = join(dir, "config.yaml");
  await writeFile(configFile, stringify(raw));
});
afterAll(async () => {
  await provider?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function explain(token: string, options: { stdin?: boolean; database?: string } = {}) {
  const tokenFile = join(dir, "token.jwt");
  await writeFile(tokenFile, `${token}\n`);
  const io = memoryIo(options.stdin ? { stdin: token } : {});
  const args = ["explain", "--config", configFile, "--database", options.database ?? "retail_analytics"];
  const code = await runCli([...args, options.stdin ? "-" : tokenFile], io);
  for (const fragment of tokenFragments(token)) expect(io.out + io.err).not.toContain(fragment);
  return { code, out: io.out, err: io.err };
}

describe("ocient-sso explain", () => {
  it("explains a matching token: every condition with the value seen, the identity, would mint", async () => {
    const { code, out } = await explain(await provider.sign(githubClaims(now(), { immutable: true })));
    expect(code).toBe(0);
    expect(out).toContain("integration:  github");
    expect(out).toContain("verified:     yes");
    expect(out).toContain('yes repository_owner_id: equals "65"  (seen: "65")');
    expect(out).toContain("MATCH deploy-main");
    expect(out).toContain('yes ref: equals "refs/heads/main"  (seen: "refs/heads/main")');
    expect(out).toContain("identity:     user gh-deployer, groups [ci]");
    expect(out).toContain("database:     retail_analytics: granted");
    expect(out).toMatch(
      /decision: {5}would mint, through binding deploy-main, lifetime \d+ s, not refreshable, replay once/,
    );
  });

  it("explains a token of another branch: which condition failed, and the refusal a client gets", async () => {
    const token = await provider.sign(githubClaims(now(), { ref: "refs/heads/feature" }));
    const { code, out } = await explain(token, { stdin: true });
    expect(code).toBe(1);
    expect(out).toContain("no    deploy-main");
    expect(out).toContain('NO  ref: equals "refs/heads/main"  (seen: "refs/heads/feature")');
    expect(out).toContain("no    prod-environment");
    expect(out).toContain("decision:     refused: 403, vendor_code -1251, rule binding");
    expect(out).toContain("because: the token matches none of the integration's bindings");
    expect(out).not.toContain("database:");
  });

  it("explains a refusal by verification (an expired token) and mints nothing either way", async () => {
    const token = await provider.sign({
      ...githubClaims(now()),
      exp: now() - 600,
      iat: now() - 900,
      nbf: now() - 900,
    });
    const { code, out } = await explain(token);
    expect(code).toBe(1);
    expect(out).toContain("verified:     no");
    expect(out).toContain("decision:     refused: 401, vendor_code -1228");
  });

  it("says a condition failed by type only: GitHub's string ids against a number", async () => {
    const token = await provider.sign({ ...githubClaims(now()), repository_owner_id: 65 });
    const { out } = await explain(token);
    expect(out).toContain(
      'the claim is the number 65, the condition wants the string "65": values are typed',
    );
    expect(out).toContain("rule conditions");
  });

  it("is a usage error without a token argument", async () => {
    const io = memoryIo();
    expect(await runCli(["explain", "--config", configFile, "--database", "retail_analytics"], io)).toBe(2);
    expect(io.err).toContain("expected one TOKEN");
  });
});

describe("ocient-sso explain, an id_token whose azp is the workload that asked for it", () => {
  it("says what the refusal means and that id_tokens.check_azp: false is the setting, when it is left on", async () => {
    // The Google recipe without its `id_tokens.check_azp: false`: a service account's token is refused.
    const { raw } = await recipeConfig("google", provider, dir);
    delete (raw.integrations[0] as Record<string, unknown>).id_tokens;
    const googleConfig = join(dir, "google.yaml");
    await writeFile(googleConfig, stringify(raw));
    const token = await provider.sign(googleClaims(now()), { typ: "JWT" });
    const tokenFile = join(dir, "google.jwt");
    await writeFile(tokenFile, token);
    const io = memoryIo();
    const code = await runCli(
      ["explain", "--config", googleConfig, "--database", "retail_analytics", tokenFile],
      io,
    );
    for (const fragment of tokenFragments(token)) expect(io.out + io.err).not.toContain(fragment);
    expect(code).toBe(1);
    expect(io.out).toContain("decision:     refused: 401, vendor_code -1233");
    expect(io.out).toContain("the client is told: the id_token authorized party is not this service");
    expect(io.out).toContain(
      'because: its azp "104845391286117340771" is not one of the integration\'s audiences; if azp names the workload that asked for the token rather than a client of this service (a Google service account does), set id_tokens.check_azp: false',
    );
  });
});
