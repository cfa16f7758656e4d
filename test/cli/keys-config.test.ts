/**
 * `keys list` and `keys rotate --config` read the token section only: secrets of sign-in and Redis that
 * are not set in this shell are no concern of theirs. `keys list` shows when each key starts signing,
 * stops signing and is retired.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { readKeyFile } from "../../src/keys/key-file.js";
import { memoryIo } from "../support/memory-io.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-keys-config-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({ env });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

/** Rows of `keys list` by kid: the cells after the kid. */
function rowsOf(out: string): Map<string, string[]> {
  const lines = out.trim().split("\n");
  return new Map(
    lines.slice(2).map((line) => {
      const [kid, ...cells] = line.split(/ {2,}/);
      return [kid as string, cells];
    }),
  );
}

describe("keys --config", () => {
  it("list and rotate need no sign-in or Redis secret, nor a valid integration", async () => {
    const keys = join(dir, "unrelated.json");
    const config = join(dir, "unrelated.yaml");
    await writeFile(
      config,
      `token: { issuer: "https://sso.example.com", ttl_seconds: 60, keys_file: ${JSON.stringify(keys)} }
integrations:
  - name: corp
    issuer: "\${IDP_ISSUER}"
    audiences: [ocient]
    sign_in: { client_id: ocient, client_secret: "\${SIGN_IN_SECRET}" }
databases: { system: { integration: corp } }
state:
  redis: { url: "redis://:\${REDIS_PASSWORD}@127.0.0.1:6379" }
`,
    );
    expect((await cli(["keys", "generate", "--config", config])).code).toBe(0);
    const rotate = await cli(["keys", "rotate", "--config", config]);
    expect(rotate.err).toBe("");
    expect(rotate.code).toBe(0);
    const list = await cli(["keys", "list", "--config", config]);
    expect(list.err).toBe("");
    expect(list.code).toBe(0);
    expect(rowsOf(list.out).size).toBe(2);
  });

  it("still reports a problem of the token section by its path", async () => {
    const config = join(dir, "bad-token.yaml");
    await writeFile(
      config,
      `token: { issuer: "https://sso.example.com", ttl_seconds: "\${TTL}", keys_file: ${JSON.stringify(join(dir, "k.json"))} }
integrations: []
databases: {}
`,
    );
    const list = await cli(["keys", "rotate", "--config", config], { TTL: "soon" });
    expect(list.code).toBe(1);
    expect(list.err).toMatch(/token\.ttl_seconds: environment variable TTL/);
    expect(list.err).not.toMatch(/integrations|databases/);
  });

  it("refuses a file without a token section rather than fall back to the default key file", async () => {
    const config = join(dir, "not-ours.yaml");
    await writeFile(config, "apiVersion: v1\nkind: ConfigMap\n");
    const rotate = await cli(["keys", "rotate", "--config", config]);
    expect(rotate.code).toBe(1);
    expect(rotate.err).toContain("token: required");
  });
});

describe("keys list after rotations", () => {
  it("shows when each key starts signing, stops signing and is retired", async () => {
    const file = join(dir, "schedule.json");
    expect((await cli(["keys", "generate", "--file", file])).code).toBe(0);
    expect(
      (await cli(["keys", "rotate", "--file", file, "--lead", "300", "--retire-after", "600"])).code,
    ).toBe(0);
    const [staged, first] = (await readKeyFile(file))?.keys ?? [];
    if (!staged?.signs_from || !first?.retire_at) throw new Error("expected a staged key and a retiring one");
    const list = await cli(["keys", "list", "--file", file]);
    expect(list.out.split("\n")[0]).toMatch(
      /^kid\s+alg\s+created\s+signs from\s+signs until\s+retired at\s+state$/,
    );
    const rows = rowsOf(list.out);
    expect(rows.get(staged.kid)).toEqual([
      "ES256",
      iso(staged.created_at),
      iso(staged.signs_from),
      "-",
      "-",
      "staged",
    ]);
    expect(rows.get(first.kid)).toEqual([
      "ES256",
      iso(first.created_at),
      iso(first.created_at),
      iso(staged.signs_from),
      iso(first.retire_at),
      "signing",
    ]);

    // Rotated again without a lead: the staged key never signed and is gone; the first stopped just now.
    expect((await cli(["keys", "rotate", "--file", file, "--lead", "0"])).code).toBe(0);
    const [third] = (await readKeyFile(file))?.keys ?? [];
    if (!third) throw new Error("expected a new key");
    const after = rowsOf((await cli(["keys", "list", "--file", file])).out);
    expect([...after.keys()]).toEqual([third.kid, first.kid]);
    expect(after.get(third.kid)).toEqual([
      "ES256",
      iso(third.created_at),
      iso(third.created_at),
      "-",
      "-",
      "signing",
    ]);
    expect(after.get(first.kid)).toEqual([
      "ES256",
      iso(first.created_at),
      iso(first.created_at),
      iso(third.created_at),
      iso(first.retire_at),
      "published",
    ]);
  });
});
