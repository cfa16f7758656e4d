/**
 * The Prometheus Operator's PrometheusRule (deploy/kubernetes/components/prometheus-operator) made from
 * deploy/prometheus/ocient-sso.rules.yaml, the one source of the alerts, which promtool tests. The groups
 * are copied as they are, with their comments.
 *
 *   tsx scripts/prometheus-rule.ts          write the PrometheusRule
 *   tsx scripts/prometheus-rule.ts --check  exit 1 when it differs from what the rules file makes
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Document, parseDocument } from "yaml";
import { runScript } from "./lib/run-script.js";

const ROOT = resolve(import.meta.dirname, "..");
export const RULES_FILE = "deploy/prometheus/ocient-sso.rules.yaml";
export const PROMETHEUS_RULE_FILE = "deploy/kubernetes/components/prometheus-operator/prometheus-rule.yaml";

export function renderPrometheusRule(rulesText: string): string {
  const rules = parseDocument(rulesText);
  if (rules.errors.length > 0) throw new Error(`${RULES_FILE}: ${rules.errors[0]?.message}`);
  const groups = rules.get("groups", true);
  if (!groups) throw new Error(`${RULES_FILE} has no groups`);
  const doc = new Document({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "ocient-sso",
      labels: { "app.kubernetes.io/name": "ocient-sso", "app.kubernetes.io/part-of": "ocient-sso" },
    },
    spec: {},
  });
  doc.setIn(["spec", "groups"], groups);
  doc.commentBefore =
    ` The alerts of ${RULES_FILE}, for the Prometheus Operator, made by\n` +
    ` scripts/prometheus-rule.ts: edit the rules file, then run \`npx tsx scripts/prometheus-rule.ts\`.\n` +
    " docs/deploy.md says what to do for each alert.";
  return doc.toString({ lineWidth: 0 });
}

runScript(import.meta.url, async (argv) => {
  const made = renderPrometheusRule(await readFile(join(ROOT, RULES_FILE), "utf8"));
  const target = join(ROOT, PROMETHEUS_RULE_FILE);
  if (argv.includes("--check")) {
    const current = await readFile(target, "utf8").catch(() => "");
    if (current === made) return 0;
    console.error(`✘ ${PROMETHEUS_RULE_FILE} is stale: run npx tsx scripts/prometheus-rule.ts`);
    return 1;
  }
  await writeFile(target, made);
  console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
  return 0;
});
