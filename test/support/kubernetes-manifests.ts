/**
 * Kubernetes manifests rendered by `kubectl kustomize` and validated offline against the API schemas that
 * the npm packages kubernetes-models and @kubernetes-models/prometheus-operator bundle (types, required
 * fields, enums and formats), and refused for any field those schemas do not know, as `kubectl apply`
 * refuses one (strict field validation, the default since Kubernetes 1.27).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";

const run = promisify(execFile);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read by path in the assertions
  spec?: any;
  data?: Record<string, string>;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

/**
 * The fields of `manifest` its API schema does not know, as paths. The compiled schema reads every
 * property it knows of an object, and every key of a map, so a key it never read is one it does not
 * know: the validator is run over proxies that record what it reads.
 */
export function unknownFields(manifest: Manifest): string[] {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
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
  // The model's validate() runs the compiled schema on `this` as it is (no copy): here the proxies.
  try {
    Model.prototype.validate.call(wrap(manifest));
  } catch {
    // An invalid manifest: schemaProblems says why.
  }
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

export async function render(dir: string): Promise<Manifest[]> {
  const { stdout } = await run("kubectl", ["kustomize", dir]);
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as Manifest);
}

/** The schema validation's problems of one rendered object, "" when it is valid. */
export function schemaProblems(manifest: Manifest): string {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) return `no schema for ${manifest.apiVersion} ${manifest.kind}`;
  try {
    new Model(manifest as never).validate();
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}
