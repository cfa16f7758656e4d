/** Static key sets (`jwks`, `jwks_file`): no network; a file that breaks keeps the keys read before. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaticKeySet } from "../../src/provider/static-key-set.js";

let dir: string;
let jwks: { keys: Record<string, unknown>[] };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-static-keys-"));
  const { publicKey } = await generateKeyPair("RS256");
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const header = { alg: "RS256", kid: "k1" };

describe("StaticKeySet", () => {
  it("serves inline keys", async () => {
    const set = new StaticKeySet({ integration: "i", source: { jwks }, recheckMs: 1000, now: Date.now });
    expect(await set.candidates(header)).toHaveLength(1);
    await expect(set.candidates({ alg: "RS256", kid: "other" })).rejects.toMatchObject({ vendorCode: -1229 });
  });

  it("refuses an inline set without usable keys as an invalid key set (502, -1230)", async () => {
    const set = new StaticKeySet({
      integration: "i",
      source: { jwks: { keys: [{ kty: "oct" }] } },
      recheckMs: 1000,
      now: Date.now,
    });
    await expect(set.candidates(header)).rejects.toMatchObject({ status: 502, vendorCode: -1230 });
  });

  it("answers 503 while the file was never readable, and keeps the keys once read when it breaks", async () => {
    const file = join(dir, "jwks.json");
    let clock = 0;
    const set = new StaticKeySet({ integration: "i", source: { file }, recheckMs: 1000, now: () => clock });
    await expect(set.candidates(header)).rejects.toMatchObject({ status: 503, vendorCode: -1220 });
    await writeFile(file, JSON.stringify(jwks));
    clock += 1000;
    expect(await set.candidates(header)).toHaveLength(1);
    await writeFile(file, "not json at all");
    clock += 1000;
    expect(await set.candidates(header)).toHaveLength(1);
  });
});
