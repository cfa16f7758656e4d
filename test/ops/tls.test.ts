import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSsoClient, SsoExchangeError } from "../../src/client/index.js";
import { type Harness, startHarness } from "../support/harness.js";
import { writeLoopbackCertificate } from "../support/tls-certificate.js";

describe("TLS", () => {
  let h: Harness;
  let dir: string;
  let ca: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocient-sso-tls-"));
    const certificate = await writeLoopbackCertificate(dir, "tls");
    ca = certificate.cert;
    h = await startHarness({
      server: { tls: { cert_file: certificate.certFile, key_file: certificate.keyFile } },
    });
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves HTTPS, and the typed client exchanges over it with a fetch that trusts the CA", async () => {
    expect(h.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ connect: { ca } });
    let calls = 0;
    const trustingFetch = (request: Request) => {
      calls++;
      return undiciFetch(request.url, {
        method: request.method,
        headers: request.headers as never,
        body: request.body as never,
        duplex: "half",
        dispatcher: agent,
      }) as unknown as Promise<Response>;
    };
    const client = createSsoClient({ baseUrl: h.url, fetch: trustingFetch });
    const { id_token } = await h.provider.issueTokens("alice");
    const result = await client.exchange({ database: "retail_analytics", idToken: id_token });
    expect(result).toMatchObject({ database: "retail_analytics", tokenType: "Bearer" });
    expect(result.token.split(".")).toHaveLength(3);
    expect(calls).toBe(1);
    await agent.close();
  });

  it("is refused by a client that does not trust the certificate", async () => {
    const client = createSsoClient({ baseUrl: h.url });
    const { id_token } = await h.provider.issueTokens("alice");
    const failure = await client
      .exchange({ database: "retail_analytics", idToken: id_token })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(SsoExchangeError);
    expect(failure.httpStatus).toBe(0);
  });
});
