/**
 * Every URL the service calls is https, or plain http to this machine only, wherever it came from: the
 * configuration or a provider's discovery document. A discovery document naming a plain-http URL of
 * another host is an invalid discovery document (502 -1226), and nothing is sent there. `0.0.0.0` stands
 * for "another host": it is not a loopback address, yet on Linux a connection to it reaches this machine,
 * so the counting server below would see any request the rule let through.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { isProviderUrl } from "../../src/config/provider-url.js";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { type Harness, startHarness } from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("isProviderUrl", () => {
  it.each([
    ["https://idp.example.com/jwks", true],
    ["https://10.0.0.5:8443/introspect", true],
    ["http://127.0.0.1:9000/jwks", true],
    ["http://127.1.2.3/jwks", true],
    ["http://localhost:9000/jwks", true],
    ["http://[::1]:9000/jwks", true],
    ["http://idp.example.com/jwks", false],
    ["http://0.0.0.0:9000/jwks", false],
    ["http://10.0.0.5/jwks", false],
    ["http://localhost.example.com/jwks", false],
    ["http://127.0.0.1.example.com/jwks", false],
    ["ftp://127.0.0.1/jwks", false],
    ["file:///etc/passwd", false],
    ["not a url", false],
  ])("%s: %s", (url, allowed) => {
    expect(isProviderUrl(url)).toBe(allowed);
  });
});

describe("endpoints from a discovery document", () => {
  let h: Harness;
  /** Counts every request that reaches "another host". */
  let elsewhere: Server;
  let elsewhereRequests = 0;
  /** Issuers whose discovery documents name one plain-http endpoint of another host each. */
  const discovery: Server[] = [];
  const issuers: Record<"jwks" | "introspection" | "userinfo", string> = {
    jwks: "",
    introspection: "",
    userinfo: "",
  };
  let signer: FakeProvider;

  beforeAll(async () => {
    elsewhere = createServer((_req, res) => {
      elsewhereRequests++;
      res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[],"active":true,"sub":"x"}');
    });
    const other = `http://0.0.0.0:${new URL(await listen(elsewhere)).port}`;
    for (const which of Object.keys(issuers) as (keyof typeof issuers)[]) {
      let issuer = "";
      const server = createServer((req, res) => {
        if (req.url !== "/.well-known/openid-configuration") return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            issuer,
            jwks_uri: which === "jwks" ? `${other}/jwks` : `${issuer}/jwks`,
            introspection_endpoint:
              which === "introspection" ? `${other}/introspect` : `${issuer}/introspect`,
            userinfo_endpoint: which === "userinfo" ? `${other}/userinfo` : `${issuer}/userinfo`,
          }),
        );
      });
      issuer = await listen(server);
      issuers[which] = issuer;
      discovery.push(server);
    }
    signer = await startFakeProvider();
    const integration = (name: string, issuer: string, access_tokens?: Record<string, unknown>) => ({
      name,
      issuer,
      audiences: [FAKE_AUDIENCE],
      ...(access_tokens && { access_tokens }),
    });
    h = await startHarness({
      integrations: [
        integration("jwks", issuers.jwks),
        integration("introspection", issuers.introspection, {
          introspection: { client_id: "c", client_secret: randomBytes(16).toString("base64url") },
        }),
        integration("userinfo", issuers.userinfo, { userinfo: true }),
      ],
      databases: {
        jwks_db: { integration: "jwks", users: ["alice"] },
        introspection_db: { integration: "introspection", users: ["alice"] },
        userinfo_db: { integration: "userinfo", users: ["alice"] },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await signer?.close();
    for (const server of [elsewhere, ...discovery]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const invalidDiscovery = {
    status: { reason: expect.stringMatching(/https/), sql_state: "08001", vendor_code: -1226 },
  };

  it("a plain-http jwks_uri of another host: 502 -1226, and no key set is fetched there", async () => {
    const id_token = await signer.sign({ iss: issuers.jwks });
    rememberToken(id_token);
    const response = await h.post({ id_token, database: "jwks_db" });
    expect(response.status, response.text).toBe(502);
    expect(response.json).toEqual(invalidDiscovery);
    expect(elsewhereRequests).toBe(0);
  });

  it("a plain-http introspection_endpoint of another host: 502 -1226, and the token and secret are not sent", async () => {
    const access_token = randomBytes(24).toString("base64url");
    rememberToken(access_token);
    const response = await h.post({ access_token, database: "introspection_db" });
    expect(response.status, response.text).toBe(502);
    expect(response.json).toEqual(invalidDiscovery);
    expect(elsewhereRequests).toBe(0);
  });

  it("a plain-http userinfo_endpoint of another host: 502 -1226, and the token is not sent", async () => {
    const access_token = randomBytes(24).toString("base64url");
    rememberToken(access_token);
    const response = await h.post({ access_token, database: "userinfo_db" });
    expect(response.status, response.text).toBe(502);
    expect(response.json).toEqual(invalidDiscovery);
    expect(elsewhereRequests).toBe(0);
  });

  it("the configuration refuses the same URLs, with the same rule", () => {
    expect(() =>
      parseConfig({
        token: { issuer: "https://sso.example.com" },
        integrations: [
          {
            name: "x",
            issuer: "https://idp.example.com",
            audiences: ["a"],
            jwks_uri: "http://0.0.0.0:9000/jwks",
          },
        ],
        databases: { system: { integration: "x" } },
      }),
    ).toThrow(/integrations\[0\]\.jwks_uri: must be an https URL/);
  });
});
