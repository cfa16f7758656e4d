/**
 * deploy/kubernetes/base, rendered by `kubectl kustomize` and validated offline against the Kubernetes
 * API schemas that the npm package kubernetes-models bundles (types, required fields, enums and formats
 * of every object), and refused for any field those schemas do not know, as `kubectl apply` refuses one
 * (strict field validation, the default since Kubernetes 1.27). Then what the service needs of it: the probes on
 * the port the configuration listens on, one signing key Secret for every replica at the configured key
 * path, the ConfigMap's configuration valid for the service itself, Redis by reference, a non-root
 * read-only container, and resources that cover the benchmark's figures.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../src/config/load.js";
import { type Manifest, render, schemaProblems, unknownFields } from "../support/kubernetes-manifests.js";

const root = resolve(import.meta.dirname, "../..");
const BASE = join(root, "deploy/kubernetes/base");

let manifests: Manifest[];
const byKind = (kind: string) => {
  const found = manifests.find((m) => m.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
};

beforeAll(async () => {
  manifests = await render(BASE);
});

describe("the Kubernetes manifests (kustomize base)", () => {
  it("render a ConfigMap, a Deployment, a Service and a PodDisruptionBudget, each valid against the API schema", () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PodDisruptionBudget",
      "Service",
    ]);
    for (const manifest of manifests) expect(schemaProblems(manifest), manifest.kind).toBe("");
  });

  it("use no field the API schemas do not know (kubectl apply refuses unknown fields)", () => {
    expect(manifests.flatMap(unknownFields)).toEqual([]);
  });

  it("a manifest the API would refuse fails the same validation (the check above can fail)", async () => {
    const broken = await mkdtemp(join(tmpdir(), "ocient-sso-kustomize-"));
    try {
      await cp(BASE, broken, { recursive: true });
      const file = join(broken, "deployment.yaml");
      const text = await readFile(file, "utf8");
      await writeFile(file, text.replace("replicas: 2", 'replicas: "two"'));
      const deployment = (await render(broken)).find((m) => m.kind === "Deployment") as Manifest;
      expect(schemaProblems(deployment)).toMatch(/replicas/);
      // A misspelled field, which the API schema alone would let through.
      expect(text).toContain("readinessProbe:");
      await writeFile(file, text.replace("readinessProbe:", "readinesProbe:"));
      const misspelled = (await render(broken)).find((m) => m.kind === "Deployment") as Manifest;
      expect(schemaProblems(misspelled)).toBe("");
      expect(unknownFields(misspelled)).toEqual([
        "Deployment.spec.template.spec.containers[0].readinesProbe",
      ]);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  const pod = () => byKind("Deployment").spec.template.spec;
  const container = () => pod().containers[0];
  const configText = () => {
    const configMap = byKind("ConfigMap");
    const volume = pod().volumes.find((v: { configMap?: { name: string } }) => v.configMap);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    return configMap.data?.["config.yaml"] as string;
  };
  const config = () =>
    parseConfig(parseYaml(configText()), "ConfigMap config.yaml", {
      REDIS_URL: "redis://:password@redis.example.svc:6379/0",
      CORP_CLIENT_SECRET: "a-secret-from-the-secret",
    });

  it("carries a configuration the service accepts, with Redis by reference and the key file in the shared Secret", () => {
    const parsed = config();
    expect(parsed.state.redis?.url).toBe("redis://:password@redis.example.svc:6379/0");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholder, written literally
    expect(configText()).toContain("${REDIS_URL}");
    const keysMount = container().volumeMounts.find((m: { name: string }) => m.name === "signing-keys");
    expect(keysMount).toMatchObject({ mountPath: dirname(parsed.token.keys_file), readOnly: true });
    const keysVolume = pod().volumes.find((v: { name: string }) => v.name === "signing-keys");
    expect(keysVolume.secret.secretName).toBe("ocient-sso-signing-keys");
    expect(byKind("Deployment").spec.replicas).toBeGreaterThan(1);
    expect(container().envFrom).toEqual([{ secretRef: { name: "ocient-sso-env" } }]);
  });

  it("probes /readyz for readiness and /healthz for liveness on the port the configuration listens on", () => {
    const port = container().ports.find((p: { name: string }) => p.name === "http");
    expect(port.containerPort).toBe(config().server.port);
    expect(container().readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container().livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  it("runs as the image's non-root user with a read-only root filesystem and no privileges", async () => {
    const user = (await readFile(join(root, "Dockerfile"), "utf8")).match(/^USER (\d+):(\d+)$/m);
    expect(pod().securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: Number(user?.[1]),
      runAsGroup: Number(user?.[2]),
    });
    expect(container().securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod().automountServiceAccountToken).toBe(false);
  });

  it("requests memory above the benchmark's peak resident size, and CPU for a measured rate", async () => {
    const bench = JSON.parse(await readFile(join(root, "bench/results/latest.json"), "utf8"));
    // One process per pod: the single-process scenarios of what the service answers.
    const peaks = ["exchange", "refresh", "device_verify"].map(
      (name) => bench.scenarios[name].memory.peak_rss_mb as number,
    );
    const mebibytes = (q: string) => Number(q.replace(/Mi$/, ""));
    const { requests, limits } = container().resources;
    expect(mebibytes(requests.memory) * 1.048576).toBeGreaterThan(Math.max(...peaks));
    expect(mebibytes(limits.memory)).toBeGreaterThanOrEqual(2 * mebibytes(requests.memory));
    // A quarter core at the measured CPU per exchange still answers hundreds a second.
    const cpuPerExchange = bench.scenarios.exchange.cpu_us_per_request as number;
    expect((0.25 * 1e6) / cpuPerExchange).toBeGreaterThan(500);
    expect(requests.cpu).toBe("250m");
  });

  it("selects the Deployment's pods from the Service and the PodDisruptionBudget", () => {
    const labels = byKind("Deployment").spec.template.metadata.labels;
    expect(labels).toMatchObject(byKind("Service").spec.selector);
    expect(labels).toMatchObject(byKind("PodDisruptionBudget").spec.selector.matchLabels);
    expect(byKind("PodDisruptionBudget").spec.minAvailable).toBe(1);
  });
});
