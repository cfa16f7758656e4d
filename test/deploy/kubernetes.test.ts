/**
 * deploy/kubernetes/base, rendered by `kubectl kustomize` and validated offline against the Kubernetes
 * API schemas that the npm package kubernetes-models bundles (types, required fields, enums and formats
 * of every object), and refused for any field those schemas do not know, as `kubectl apply` refuses one
 * (strict field validation, the default since Kubernetes 1.27). Then what the service needs of it: the probes on
 * the port the configuration listens on, one signing key Secret for every replica at the configured key
 * path, the ConfigMap's configuration valid for the service itself, Redis by reference, a non-root
 * read-only container, and resources that cover the benchmark's figures.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { validate as deploymentSchema } from "kubernetes-models/_schemas/IoK8sApiAppsV1Deployment";
import { validate as configMapSchema } from "kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap";
import { validate as serviceSchema } from "kubernetes-models/_schemas/IoK8sApiCoreV1Service";
import { validate as pdbSchema } from "kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { parseConfig } from "../../src/config/load.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const BASE = join(root, "deploy/kubernetes/base");

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read by path in the assertions
  spec?: any;
  data?: Record<string, string>;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

/** The compiled schema validator of each kind (what the models' validate() runs on a copy). */
const SCHEMAS: Record<string, (data: unknown) => boolean> = {
  "v1/ConfigMap": configMapSchema,
  "v1/Service": serviceSchema,
  "apps/v1/Deployment": deploymentSchema,
  "policy/v1/PodDisruptionBudget": pdbSchema,
};

/**
 * The fields of `manifest` its API schema does not know, as paths. The compiled schema reads every
 * property it knows of an object, and every key of a map, so a key it never read is one it does not
 * know: the validator is run over proxies that record what it reads.
 */
function unknownFields(manifest: Manifest): string[] {
  const schema = SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!schema) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  const read = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    const known = proxies.get(value);
    if (known) return known;
    const seen = new Set<string>();
    read.set(value, seen);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") seen.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      ownKeys(target) {
        for (const key of Reflect.ownKeys(target)) if (typeof key === "string") seen.add(key);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  schema(wrap(manifest));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
      return;
    }
    const seen = read.get(value);
    for (const [key, child] of Object.entries(value)) {
      if (!seen?.has(key)) unknown.push(`${path}.${key}`);
      else walk(child, `${path}.${key}`);
    }
  };
  walk(manifest, manifest.kind);
  return unknown;
}

async function render(dir: string): Promise<Manifest[]> {
  const { stdout } = await run("kubectl", ["kustomize", dir]);
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as Manifest);
}

/** The schema validation's problems of one rendered object, "" when it is valid. */
function schemaProblems(manifest: Manifest): string {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) return `no schema for ${manifest.apiVersion} ${manifest.kind}`;
  try {
    new Model(manifest as never).validate();
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

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
