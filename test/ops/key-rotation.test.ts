import { stat } from "node:fs/promises";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readKeyFile, rotateKeys } from "../../src/keys/key-file.js";
import { bodyOf, type Harness, mintedToken, startHarness } from "../support/harness.js";
import { movableClock } from "../support/time.js";

describe("signing-key rotation", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  async function mint(): Promise<string> {
    const { id_token } = await h.provider.issueTokens("alice");
    const response = await h.post({ database: "retail_analytics", id_token });
    expect(response.status).toBe(200);
    return mintedToken(response);
  }

  async function verifyWithServedKeys(token: string) {
    const jwks = bodyOf(await h.get("/.well-known/jwks.json"));
    return jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: h.config.token.issuer,
      audience: h.config.token.issuer,
      typ: "at+jwt",
    });
  }

  it("signs with the new key after a rotation and keeps publishing the old one until it retires", async () => {
    const keysFile = h.config.token.keys_file;
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    const before = await mint();
    const oldKid = decodeProtectedHeader(before).kid;

    const next = await rotateKeys(keysFile, "ES256", 3600);
    await h.server.reload(h.config);
    const after = await mint();

    expect(decodeProtectedHeader(after).kid).toBe(next.kid);
    expect(next.kid).not.toBe(oldKid);
    const kids = bodyOf(await h.get("/.well-known/jwks.json")).keys.map((k) => k.kid);
    expect(kids).toEqual([next.kid, oldKid]);
    expect((await verifyWithServedKeys(before)).payload.sub).toBe("alice");
    expect((await verifyWithServedKeys(after)).payload.sub).toBe("alice");
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
  });

  it("never serves private key material", async () => {
    const { keys } = bodyOf(await h.get("/.well-known/jwks.json"));
    for (const key of keys) {
      for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(key).not.toHaveProperty(member);
    }
    const stored = await readKeyFile(h.config.token.keys_file);
    expect(stored?.keys.every((k) => typeof k.d === "string")).toBe(true);
  });

  it("keeps the key that signed until a reload published while its tokens live, even when retired at once", async () => {
    // The service's clock stands still until the test moves it: the key store reads the same clock.
    const clock = movableClock(Date.now());
    const short = await startHarness({ provider: h.provider, token: { ttl_seconds: 2 }, now: clock.now });
    try {
      const { id_token } = await short.provider.issueTokens("alice");
      const old = mintedToken(await short.post({ database: "retail_analytics", id_token }));
      const oldKid = decodeProtectedHeader(old).kid;
      await rotateKeys(short.config.token.keys_file, "ES256", 0, 0, clock.now);
      await short.server.reload(short.config);
      const kids = async () => bodyOf(await short.get("/.well-known/jwks.json")).keys.map((k) => k.kid);
      expect(await kids()).toContain(oldKid);
      clock.advance(1_000);
      expect(await kids()).toContain(oldKid);
      // Once every token the old key signed has expired (ttl 2 s), it is no longer published.
      clock.advance(1_000);
      expect(await kids()).not.toContain(oldKid);
      const jwks = createLocalJWKSet(bodyOf(await short.get("/.well-known/jwks.json")));
      await expect(jwtVerify(old, jwks)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
    } finally {
      await short.close();
    }
  });
});
