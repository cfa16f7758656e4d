/**
 * The key file holds private keys: nothing of its content may reach a log line, stdout or stderr, even
 * when it is damaged (a JSON parser's message quotes the text around the error). A damaged file is named
 * with its problem and position only. A key file that others may read is warned about at start.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStoredKey, readKeyFile, writeKeyFile } from "../../src/keys/key-file.js";
import { startHarness } from "../support/harness.js";
import { rememberSecret } from "../support/log-collector.js";
import { startCli } from "../support/spawn-cli.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-keyfile-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A fresh key file and its private `d`. */
async function keyFile(name: string): Promise<{ file: string; d: string }> {
  const file = join(dir, name);
  const key = await generateStoredKey("ES256");
  await writeKeyFile(file, { keys: [key] });
  rememberSecret(key.d);
  return { file, d: key.d as string };
}

/** One stray byte before the value of `d`: the parser then quotes the text that follows, the key itself. */
async function damage(file: string): Promise<void> {
  const text = await readFile(file, "utf8");
  await writeFile(file, text.replace(/"d": "/, '"d": x"'), { mode: 0o600 });
}

/** Every 8-character piece of `d` that `output` contains. */
function piecesOf(d: string, output: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 8 <= d.length; i++)
    if (output.includes(d.slice(i, i + 8))) pieces.push(d.slice(i, i + 8));
  return pieces;
}

function configYaml(keysFile: string): string {
  return `server: { host: 127.0.0.1, port: 0, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(keysFile)} }
integrations:
  - { name: idp, issuer: "http://127.0.0.1:1", audiences: [ocient] }
databases:
  system: { integration: idp }
`;
}

describe("a damaged key file", () => {
  it("readKeyFile names the file, the problem and the position, and quotes nothing of it", async () => {
    const { file } = await keyFile("read.json");
    await damage(file);
    const text = await readFile(file, "utf8");
    const offset = text.indexOf('"d": x"') + '"d": '.length;
    const line = text.slice(0, offset).split("\n").length;
    const column = offset - text.lastIndexOf("\n", offset - 1);
    await expect(readKeyFile(file)).rejects.toThrow(
      new Error(`${file}: not valid JSON at line ${line}, column ${column}`),
    );
  });

  it.each([
    ["null", "null"],
    ["a list", "[]"],
    ["an unterminated document", '{"keys": [{"kid": "k", "d": "abc'],
  ])("readKeyFile refuses %s without quoting it", async (_name, content) => {
    const file = join(dir, "odd.json");
    await writeFile(file, content, { mode: 0o600 });
    const err = await readKeyFile(file).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((err as Error).message).not.toContain("abc");
  });

  it("at start-up: serve exits 1 naming the file and the position, with no piece of the key on stdout or stderr", async () => {
    const { file, d } = await keyFile("start.json");
    await damage(file);
    const config = join(dir, "start.yaml");
    await writeFile(config, configYaml(file));
    const result = await startCli(["serve", "--config", config]).exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: not valid JSON at line`);
    expect(piecesOf(d, result.stdout + result.stderr)).toEqual([]);
  }, 30_000);

  it("on SIGHUP: the reload is refused naming the file, with no piece of the key in the log", async () => {
    const { file, d } = await keyFile("reload.json");
    const config = join(dir, "reload.yaml");
    await writeFile(config, configYaml(file));
    const cli = startCli(["serve", "--config", config]);
    try {
      await cli.waitFor(/listening on/);
      await damage(file);
      cli.child.kill("SIGHUP");
      await cli.waitFor(/reload refused/);
      expect(cli.stdout).toContain(`${file}: not valid JSON at line`);
      cli.child.kill("SIGTERM");
      const result = await cli.exited;
      expect(result.code).toBe(0);
      expect(piecesOf(d, result.stdout + result.stderr)).toEqual([]);
    } finally {
      cli.child.kill("SIGKILL");
    }
  }, 30_000);
});

describe("a key file others may read", () => {
  it("is warned about at start, with the file and its mode; a 0600 file is not", async () => {
    const exposed = await keyFile("exposed.json");
    await chmod(exposed.file, 0o640);
    const kept = await keyFile("kept.json");
    const warnings = async (file: string) => {
      const h = await startHarness({ token: { keys_file: file } });
      await h.close();
      return h.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 40 && l.keys_file === file);
    };
    expect(await warnings(exposed.file)).toEqual([
      expect.objectContaining({
        keys_file: exposed.file,
        mode: "0640",
        msg: expect.stringMatching(/other users can read the signing key file/),
      }),
    ]);
    expect(await warnings(kept.file)).toEqual([]);
  }, 30_000);
});
