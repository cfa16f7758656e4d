/**
 * The typed client and `ocient-sso exchange` never follow a redirect: a 307 or 308 would make fetch send
 * the subject token again to wherever `Location` points, and take that origin's answer as a minted token.
 * A redirect is reported as an error, and the other origin receives nothing.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { createSsoClient, SsoExchangeError } from "../../src/client/index.js";
import { memoryIo } from "../support/memory-io.js";

const SUBJECT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c3ViamVjdC10b2tlbi1zaWduYXR1cmU";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let redirecting: Server;
let elsewhere: Server;
let redirectingUrl: string;
/** Requests the other origin received. */
let received = 0;
let status = 307;

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    received++;
    req.resume();
    // What a hostile origin would answer: something shaped as a minted token.
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id_token: "a.b.c",
        database: "retail_analytics",
        expires_in: 3600,
        token_type: "Bearer",
      }),
    );
  });
  const elsewhereUrl = await listen(elsewhere);
  redirecting = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { location: `${elsewhereUrl}/v1/sso_token` }).end();
  });
  redirectingUrl = await listen(redirecting);
});
afterAll(async () => {
  for (const server of [redirecting, elsewhere]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
});
beforeEach(() => {
  received = 0;
});

describe.each([307, 308])("a %i answer", (code) => {
  beforeEach(() => {
    status = code;
  });

  it("exchange() rejects with SsoExchangeError and sends nothing to the other origin", async () => {
    const sso = createSsoClient({ baseUrl: redirectingUrl });
    const err = await sso
      .exchange({ database: "retail_analytics", idToken: SUBJECT })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SsoExchangeError);
    expect(err).toMatchObject({
      httpStatus: code,
      code: "ERR_BAD_RESPONSE",
      vendorCode: -1255,
      reason: expect.stringMatching(/redirect/),
    });
    expect((err as Error).message).not.toContain(SUBJECT);
    expect(received).toBe(0);
  });

  it("raw.POST gets the redirect itself, not the other origin's answer", async () => {
    const sso = createSsoClient({ baseUrl: redirectingUrl });
    const { response } = await sso.raw.POST("/v1/sso_token", {
      body: { database: "retail_analytics", id_token: SUBJECT },
    });
    expect(response.status).toBe(code);
    expect(received).toBe(0);
  });

  it("ocient-sso exchange exits 1 and says it was redirected", async () => {
    const io = memoryIo({ stdin: SUBJECT });
    const args = ["exchange", "--url", redirectingUrl, "--database", "retail_analytics", "--id-token", "-"];
    expect(await runCli(args, io)).toBe(1);
    expect(io.err).toMatch(new RegExp(`redirect[^\\n]*\\n.*HTTP ${code}`));
    expect(io.out).toBe("");
    expect(io.out + io.err).not.toContain(SUBJECT);
    expect(received).toBe(0);
  });
});
