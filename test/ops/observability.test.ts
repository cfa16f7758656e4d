import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";

/** The value of one Prometheus sample, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf("}"));
    if (wanted.every((w) => inner.split(",").includes(w)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

describe("logs and metrics", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("writes one JSON line per request with a request id, keeping a sane incoming X-Request-Id", async () => {
    const before = h.logs.length;
    const response = await fetch(`${h.url}/healthz`, { headers: { "x-request-id": "lb-1234" } });
    expect(response.headers.get("x-request-id")).toBe("lb-1234");
    const odd = await fetch(`${h.url}/healthz`, { headers: { "x-request-id": "<script>" } });
    const generated = odd.headers.get("x-request-id");
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const lines = h.logs.slice(before).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ request_id: "lb-1234", method: "GET", path: "/healthz", status: 200 });
    expect(lines[1]).toMatchObject({ request_id: generated });
  });

  it("audits each exchange and counts it by outcome, vendor_code and integration", async () => {
    const metricsBefore = (await h.get("/metrics")).text;
    const { id_token } = await h.provider.issueTokens("alice");
    const ok = await h.post({ database: "retail_analytics", id_token });
    const denied = await h.post({ database: "secret_db", id_token });
    expect([ok.status, denied.status]).toEqual([200, 403]);

    const audit = h.logs
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === "exchange")
      .slice(-2);
    expect(audit[0]).toMatchObject({
      outcome: "minted",
      integration: "dev",
      user: "alice",
      database: "retail_analytics",
      client: "127.0.0.1",
    });
    expect(audit[0].jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(audit[0].vendor_code).toBeUndefined();
    expect(audit[1]).toMatchObject({
      outcome: "rejected",
      user: "alice",
      database: "secret_db",
      vendor_code: -1251,
    });
    expect(audit[1].jti).toBeUndefined();

    const metrics = (await h.get("/metrics")).text;
    const minted = { outcome: "minted", vendor_code: "0", integration: "dev" };
    const rejected = { outcome: "rejected", vendor_code: "-1251", integration: "dev" };
    expect(sample(metrics, "ocient_sso_exchanges_total", minted)).toBe(
      sample(metricsBefore, "ocient_sso_exchanges_total", minted) + 1,
    );
    expect(sample(metrics, "ocient_sso_exchanges_total", rejected)).toBe(
      sample(metricsBefore, "ocient_sso_exchanges_total", rejected) + 1,
    );
    expect(
      sample(metrics, "ocient_sso_exchange_duration_seconds_count", { outcome: "minted" }),
    ).toBeGreaterThan(0);
    expect(
      sample(metrics, "ocient_sso_provider_requests_total", {
        call: "discovery",
        integration: "dev",
        result: "ok",
      }),
    ).toBe(1);
    expect(
      sample(metrics, "ocient_sso_provider_requests_total", {
        call: "jwks",
        integration: "dev",
        result: "ok",
      }),
    ).toBe(1);
  });

  it("counts introspection calls and cache hits", async () => {
    const { access_token } = await h.provider.issueTokens("alice");
    const first = await h.post({ database: "retail_analytics", access_token });
    const second = await h.post({ database: "retail_analytics", access_token });
    expect([first.status, second.status]).toEqual([200, 200]);
    const metrics = (await h.get("/metrics")).text;
    const introspection = { call: "introspection", integration: "dev", result: "ok" };
    expect(sample(metrics, "ocient_sso_provider_requests_total", introspection)).toBe(1);
    expect(
      sample(metrics, "ocient_sso_cache_hits_total", { cache: "introspection", integration: "dev" }),
    ).toBe(1);
  });

  it("exports build_info: 1, labelled with the package version and the Node.js version", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    const metrics = (await h.get("/metrics")).text;
    expect(sample(metrics, "ocient_sso_build_info", { version, node_version: process.version })).toBe(1);
  });
});
