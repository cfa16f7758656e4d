/**
 * deploy/prometheus (alert rules and their unit tests) and deploy/grafana (the dashboard), checked with the
 * real tools and against the real service: `promtool check rules` and `promtool test rules` (Debian's
 * prometheus package), every dashboard query parsed by promtool, and every metric that a rule or a panel
 * names found on the /metrics of a running service.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { type Harness, startHarness } from "../support/harness.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const PROMETHEUS = join(root, "deploy/prometheus");
const RULES = join(PROMETHEUS, "ocient-sso.rules.yaml");
const DASHBOARD = join(root, "deploy/grafana/ocient-sso.dashboard.json");

async function promtool(args: string[], cwd = PROMETHEUS): Promise<{ code: number; output: string }> {
  return run("promtool", args, { cwd }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      output: err.stdout + err.stderr,
    }),
  );
}

/** The metric names a PromQL expression reads: what is left without strings, matchers, ranges, label lists, functions. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const operators = new Set(["and", "or", "unless", "bool", "offset"]);
  const names = [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1] as string);
  return [...new Set(names.filter((n) => !operators.has(n)))];
}

/** Every series name /metrics exposes (histograms with their _bucket, _sum and _count). */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${name}${s}`);
    if (type === "summary") for (const s of ["_sum", "_count"]) names.add(`${name}${s}`);
  }
  return names;
}

interface Rule {
  alert: string;
  expr: string;
}
const rules = async (): Promise<Rule[]> =>
  (parseYaml(await readFile(RULES, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );
const dashboardQueries = async (): Promise<string[]> =>
  (
    JSON.parse(await readFile(DASHBOARD, "utf8")) as { panels: { targets: { expr: string }[] }[] }
  ).panels.flatMap((p) => p.targets.map((t) => t.expr));

describe("metric names in PromQL", () => {
  it("are what is left of a query once functions, labels, matchers and ranges are out", () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{outcome="minted",x=~"b|c"}[5m]))) > 0.5',
      ),
    ).toEqual(["a_bucket"]);
    expect(metricNames("time() - max(b) > 90 * 86400 and on (instance) up unless c offset 5m")).toEqual([
      "b",
      "up",
      "c",
    ]);
  });
});

describe("the alert rules", () => {
  it("pass promtool check rules", async () => {
    const { code, output } = await promtool(["check", "rules", RULES]);
    expect(output).toContain("SUCCESS: 6 rules found");
    expect(code).toBe(0);
  });

  it("pass their unit tests (promtool test rules), one test or more for every alert", async () => {
    const { code, output } = await promtool(["test", "rules", "ocient-sso.rules.test.yaml"]);
    expect(output).toContain("SUCCESS");
    expect(code).toBe(0);
    const tested = await readFile(join(PROMETHEUS, "ocient-sso.rules.test.yaml"), "utf8");
    for (const { alert } of await rules()) expect(tested).toContain(`alertname: ${alert}`);
  });

  it("a rule that no longer fires as its test expects fails promtool test rules (the check above can fail)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocient-sso-rules-"));
    try {
      const doc = parseYaml(await readFile(RULES, "utf8"));
      doc.groups[0].rules[1].expr = "max(ocient_sso_state_unavailable) == 2";
      await writeFile(join(dir, "ocient-sso.rules.yaml"), stringify(doc));
      await writeFile(
        join(dir, "t.yaml"),
        await readFile(join(PROMETHEUS, "ocient-sso.rules.test.yaml"), "utf8"),
      );
      const { code, output } = await promtool(["test", "rules", "t.yaml"], dir);
      expect(output).toContain("OcientSsoSharedStateUnavailable");
      expect(code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the Grafana dashboard", () => {
  it("holds only queries promtool parses", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocient-sso-dashboard-"));
    try {
      const queries = await dashboardQueries();
      const asRules = {
        groups: [
          {
            name: "dashboard",
            rules: queries.map((expr, i) => ({
              record: `dashboard:query_${i}`,
              expr: expr.replaceAll("$__rate_interval", "5m"),
            })),
          },
        ],
      };
      await writeFile(join(dir, "dashboard.rules.yaml"), stringify(asRules));
      const { code, output } = await promtool(["check", "rules", "dashboard.rules.yaml"], dir);
      expect(output).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("every metric a rule or a panel names", () => {
  let h: Harness;
  let exposed: Set<string>;
  beforeAll(async () => {
    h = await startHarness();
    // One exchange, so that the labelled series exist as well as their families.
    const { id_token } = await h.provider.issueTokens("alice");
    await h.post({ id_token, database: "retail_analytics" });
    exposed = exposedNames((await h.get("/metrics")).text);
  });
  afterAll(() => h?.close());

  it("is exported on the service's /metrics", async () => {
    const named = [...(await rules()).map((r) => r.expr), ...(await dashboardQueries())].flatMap(metricNames);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("includes the build, the signing key and the shared state", () => {
    for (const name of [
      "ocient_sso_build_info",
      "ocient_sso_signing_key_since_seconds",
      "ocient_sso_state_unavailable",
    ])
      expect(exposed.has(name), name).toBe(true);
  });
});
