/**
 * `ocient-sso agent --once` run for real as a deployment file would run it: a service (the harness) and a
 * real OpenID provider for the block's tests, the platform's token an id_token of that provider in a file,
 * and the Ocient token written into a temporary directory. The deployment tests (the Kubernetes sidecar,
 * the systemd template) take their agent's arguments from their files and point them here.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { type Harness, startHarness } from "./harness.js";
import { rememberSecret, rememberToken } from "./log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "./provider.js";
import { runCliProcess } from "./spawn-cli.js";

export interface AgentRun {
  /** The service's base URL. */
  url: string;
  /** Where the agent should write the Ocient token. */
  out: string;
  /** Writes a fresh id_token of `alice` to a file; answers its path. */
  identityFile(): Promise<string>;
  /** Runs `ocient-sso <args> --once`, which must exit 0; answers the token written to `out`, its mode and stdout. */
  once(args: string[]): Promise<{ token: string; mode: number; stdout: string }>;
}

export function agentRunBlock(): () => AgentRun {
  let provider: EmbeddedProvider | undefined;
  let h: Harness | undefined;
  let dir = "";
  beforeAll(async () => {
    provider = await startEmbeddedProvider();
    h = await startHarness({ provider });
    dir = await mkdtemp(join(tmpdir(), "ocient-sso-agent-run-"));
  });
  afterAll(async () => {
    await h?.close();
    await provider?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!provider || !h) throw new Error("the agent's service is not running");
    const issuer = provider;
    const out = join(dir, "ocient-token");
    return {
      url: h.url,
      out,
      async identityFile() {
        const { id_token } = await issuer.issueTokens("alice");
        rememberSecret(id_token);
        const file = join(dir, "identity");
        await writeFile(file, id_token);
        return file;
      },
      async once(args) {
        const result = await runCliProcess([...args, "--once"]);
        expect(result.code, result.stderr).toBe(0);
        const token = await readFile(out, "utf8");
        rememberToken(token);
        expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        return { token, mode: (await stat(out)).mode & 0o777, stdout: result.stdout };
      },
    };
  };
}
