/**
 * The optional kustomize components (deploy/kubernetes/components) through the example overlay that
 * includes all three, rendered by `kubectl kustomize` and validated offline like the base (the API's
 * schemas, no unknown field; the Prometheus Operator's for its ServiceMonitor and PrometheusRule). Then
 * what each must do for the service: the autoscaler owns the replica count and scales on the CPU the pods
 * request; the NetworkPolicy lets in the service port and lets out DNS, HTTPS and Redis, nothing else;
 * the ServiceMonitor scrapes the Service's port at the path the service serves its metrics on; the
 * PrometheusRule carries the alerts promtool tests, as they are.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { PROMETHEUS_RULE_FILE, RULES_FILE, renderPrometheusRule } from "../../scripts/prometheus-rule.js";
import { type Manifest, render, schemaProblems, unknownFields } from "../support/kubernetes-manifests.js";

const root = resolve(import.meta.dirname, "../..");
const EXAMPLE = join(root, "deploy/kubernetes/example");

let manifests: Manifest[];
const byKind = (kind: string, from = manifests) => {
  const found = from.find((m) => m.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
};
const podLabels = () => byKind("Deployment").spec.template.metadata.labels as Record<string, string>;
const container = () => byKind("Deployment").spec.template.spec.containers[0];

beforeAll(async () => {
  manifests = await render(EXAMPLE);
});

describe("the example overlay with the optional components", () => {
  it("renders the base and the four objects of the components, in the overlay's namespace, each valid and with no unknown field", () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "HorizontalPodAutoscaler",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "PrometheusRule",
      "Service",
      "ServiceMonitor",
    ]);
    for (const manifest of manifests) {
      expect(schemaProblems(manifest), manifest.kind).toBe("");
      expect(manifest.metadata.namespace, manifest.kind).toBe("ocient-sso");
    }
    expect(manifests.flatMap(unknownFields)).toEqual([]);
  });

  it("lets the autoscaler own the replica count, between the disruption budget's floor and above, on the CPU the pods request", () => {
    const hpa = byKind("HorizontalPodAutoscaler").spec;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "ocient-sso" });
    expect(byKind("Deployment").metadata.name).toBe("ocient-sso");
    // Applying the manifests again must not reset what the autoscaler chose.
    expect(byKind("Deployment").spec).not.toHaveProperty("replicas");
    expect(hpa.minReplicas).toBeGreaterThan(byKind("PodDisruptionBudget").spec.minAvailable);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
    // Utilization is a share of the request: a pod without a CPU request is never scaled on.
    expect(hpa.metrics).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
      },
    ]);
    expect(container().resources.requests.cpu).toBeDefined();
  });

  it("lets in the service port only, and lets out DNS, HTTPS and Redis (with Sentinel) only", () => {
    const policy = byKind("NetworkPolicy").spec;
    expect(podLabels()).toMatchObject(policy.podSelector.matchLabels);
    expect(policy.policyTypes).toEqual(["Ingress", "Egress"]);
    const portName = container().ports[0].name;
    expect(policy.ingress).toEqual([{ ports: [{ port: portName, protocol: "TCP" }] }]);
    const out = policy.egress.flatMap((rule: { ports: unknown[]; to?: unknown }) => {
      expect(rule.to).toBeUndefined();
      return rule.ports;
    });
    expect(out).toEqual([
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP" },
      { port: 443, protocol: "TCP" },
      { port: 6379, protocol: "TCP" },
      { port: 26379, protocol: "TCP" },
    ]);
  });

  it("scrapes the Service's port at the path the service answers its metrics on", async () => {
    const monitor = byKind("ServiceMonitor");
    const service = byKind("Service");
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    const [endpoint] = monitor.spec.endpoints;
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(endpoint.port);
    expect(endpoint.path).toBe("/metrics");
    // The served document (generated/), which the router routes by.
    const served = JSON.parse(await readFile(join(root, "generated/openapi.json"), "utf8"));
    expect(served.paths[endpoint.path]?.get?.operationId).toBe("getMetrics");
    // The label the example's Prometheus selects monitors and rules by.
    expect(monitor.metadata.labels?.release).toBe("kube-prometheus-stack");
    expect(byKind("PrometheusRule").metadata.labels?.release).toBe("kube-prometheus-stack");
  });

  it("carries the alerts of deploy/prometheus unchanged, from a PrometheusRule made by scripts/prometheus-rule.ts", async () => {
    const rules = await readFile(join(root, RULES_FILE), "utf8");
    expect(byKind("PrometheusRule").spec.groups).toEqual(parseYaml(rules).groups);
    const committed = await readFile(join(root, PROMETHEUS_RULE_FILE), "utf8");
    expect(committed, "stale: run npx tsx scripts/prometheus-rule.ts").toBe(renderPrometheusRule(rules));
    // A changed alert makes another PrometheusRule: the check above can fail.
    expect(renderPrometheusRule(rules.replace("for: 5m", "for: 6m"))).not.toBe(committed);
  });

  it("renders each component alone over the base (an overlay may take any of them)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocient-sso-components-"));
    try {
      await cp(join(root, "deploy/kubernetes"), join(dir, "kubernetes"), { recursive: true });
      const overlay = join(dir, "kubernetes/example/kustomization.yaml");
      const text = await readFile(overlay, "utf8");
      // What each component adds to the base's objects.
      const added: Record<string, string[]> = {
        "network-policy": ["NetworkPolicy"],
        autoscaling: ["HorizontalPodAutoscaler"],
        "prometheus-operator": ["PrometheusRule", "ServiceMonitor"],
      };
      const components = Object.keys(added);
      for (const keep of components) {
        let one = text;
        for (const other of components.filter((c) => c !== keep)) {
          expect(one).toContain(`  - ../components/${other}\n`);
          one = one.replace(`  - ../components/${other}\n`, "");
        }
        // The release label's patch targets the monitoring objects only: without them it matches nothing.
        await writeFile(overlay, one);
        const rendered = await render(join(dir, "kubernetes/example"));
        const kinds = rendered
          .map((m) => m.kind)
          .filter((k) => !["ConfigMap", "Deployment", "PodDisruptionBudget", "Service"].includes(k));
        expect(kinds.sort(), keep).toEqual(added[keep]);
        expect("replicas" in byKind("Deployment", rendered).spec, keep).toBe(keep !== "autoscaling");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
