/**
 * Keys across instances: a rotation with a lead publishes the next key at once and lets it sign only
 * from `signs_from`, picked by time (no reload); a running service notices a changed key file by itself.
 */
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStoredKey, rotateKeys, signingKeyAt } from "../../src/keys/key-file.js";
import { KeyStore } from "../../src/keys/key-store.js";
import { bodyOf, type Harness, mintedToken, startHarness } from "../support/harness.js";

describe("a staged key", () => {
  it("is published at once and signs from signs_from; the key it replaces signs until then", async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = { ...(await generateStoredKey("ES256")), created_at: now - 1000, retire_at: now + 4000 };
    const next = { ...(await generateStoredKey("ES256")), created_at: now, signs_from: now + 300 };
    const store = KeyStore.from({ keys: [next, old] }, "ES256");
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([next.kid, old.kid]);
    expect(store.signer.kid).toBe(old.kid);
    expect(store.signerAt(now + 299).kid).toBe(old.kid);
    expect(store.signerAt(now + 300).kid).toBe(next.kid);
    expect(store.signers().map((s) => s.kid)).toEqual([next.kid, old.kid]);
    // The store's clock (the service's, injected) decides which key signs: no waiting for signs_from.
    const at = (seconds: number) =>
      KeyStore.from({ keys: [next, old] }, "ES256", { now: () => seconds * 1000 });
    expect(at(now + 299).signer.kid).toBe(old.kid);
    expect(at(now + 300).signer.kid).toBe(next.kid);
    expect(signingKeyAt([next, old], "ES256", now)?.kid).toBe(old.kid);
    expect(signingKeyAt([next, old], "ES256", now + 300)?.kid).toBe(next.kid);
    // No private member and no bookkeeping field is published.
    for (const key of store.jwks().keys) {
      expect(key).not.toHaveProperty("d");
      expect(key).not.toHaveProperty("signs_from");
      expect(key).not.toHaveProperty("retire_at");
    }
  });
});

describe("a running service and its key file", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  async function mintedKid(): Promise<string | undefined> {
    const { id_token } = await h.provider.issueTokens("alice");
    const response = await h.post({ database: "retail_analytics", id_token });
    expect(response.status).toBe(200);
    return decodeProtectedHeader(mintedToken(response)).kid;
  }

  const publishedKids = async () => bodyOf(await h.get("/.well-known/jwks.json")).keys.map((k) => k.kid);

  async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("not within the time the key file is polled");
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("publishes a staged key without SIGHUP and goes on signing with the current one", async () => {
    const before = await mintedKid();
    const staged = await rotateKeys(h.config.token.keys_file, "ES256", 3600, 300);
    await eventually(async () => (await publishedKids()).includes(staged.kid));
    expect(await publishedKids()).toContain(before);
    expect(await mintedKid()).toBe(before);
    expect(h.logs.some((l) => l.includes("signing keys reloaded"))).toBe(true);
  });

  it("signs with a key rotated without a lead, and keeps the previous signer published", async () => {
    const before = await mintedKid();
    const staged = (await publishedKids()).find((kid) => kid !== before);
    const next = await rotateKeys(h.config.token.keys_file, "ES256", 3600, 0);
    await eventually(async () => (await mintedKid()) === next.kid);
    expect(await publishedKids()).toContain(before);
    // The staged key of the previous case never signed anything: replaced, not kept to take over later.
    expect(await publishedKids()).not.toContain(staged);
  });
});
