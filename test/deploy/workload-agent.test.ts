/**
 * deploy/kubernetes/workload-agent: an application Deployment with `ocient-sso agent` as its native
 * sidecar, rendered by `kubectl kustomize` and validated offline (the API's schemas, no unknown field).
 * Then what makes it work: the sidecar reads the projected token the kubelet writes for the audience the
 * Kubernetes recipe trusts, writes into a memory volume the application mounts read-only and reads through
 * OCIENT_TOKEN_FILE, holds the application back until the first token is there; and its arguments,
 * pointed at this test's service, provider token and directory, run the real CLI to a token file with the
 * mode they ask for.
 */
import { readFile } from "node:fs/promises";
import { join, posix, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { agentRunBlock } from "../support/agent-run.js";
import { type Manifest, render, schemaProblems, unknownFields } from "../support/kubernetes-manifests.js";
import { recipeYaml } from "../support/recipes.js";

const root = resolve(import.meta.dirname, "../..");

let manifests: Manifest[];
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read by path in the assertions
let pod: any;
// biome-ignore lint/suspicious/noExplicitAny: as above
let sidecar: any;
// biome-ignore lint/suspicious/noExplicitAny: as above
let app: any;

/** The value after `flag` in the sidecar's arguments. */
const arg = (flag: string): string => sidecar.args[sidecar.args.indexOf(flag) + 1];
/** The volume mounted at the directory holding `file` in `container`, and that mount. */
function volumeOf(
  container: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] },
  file: string,
) {
  const mount = container.volumeMounts.find((m) => m.mountPath === posix.dirname(file));
  if (!mount) throw new Error(`nothing mounted at ${posix.dirname(file)}`);
  return { mount, volume: pod.volumes.find((v: { name: string }) => v.name === mount.name) };
}

beforeAll(async () => {
  manifests = await render(join(root, "deploy/kubernetes/workload-agent"));
  pod = manifests.find((m) => m.kind === "Deployment")?.spec.template.spec;
  sidecar = pod.initContainers.find((c: { name: string }) => c.name === "ocient-sso-agent");
  app = pod.containers.find((c: { name: string }) => c.name === "app");
});

describe("the workload with ocient-sso agent as its sidecar", () => {
  it("renders a ServiceAccount and a Deployment, each valid and with no unknown field", () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(["Deployment", "ServiceAccount"]);
    for (const manifest of manifests) expect(schemaProblems(manifest), manifest.kind).toBe("");
    expect(manifests.flatMap(unknownFields)).toEqual([]);
    expect(pod.serviceAccountName).toBe(manifests.find((m) => m.kind === "ServiceAccount")?.metadata.name);
  });

  it("runs the agent from the project's image as a native sidecar that holds the application back until a token is written", () => {
    expect(sidecar.restartPolicy).toBe("Always");
    expect(sidecar.image).toBe("registry.example.com/ocient-sso:0.1.0");
    expect(sidecar.args[0]).toBe("agent");
    expect(sidecar.startupProbe.exec.command).toEqual(["test", "-s", arg("--out")]);
  });

  it("reads the kubelet's token for the audience the Kubernetes recipe trusts", async () => {
    const { mount, volume } = volumeOf(sidecar, arg("--token-file"));
    expect(mount.readOnly).toBe(true);
    const source = volume.projected.sources[0].serviceAccountToken;
    expect(source.path).toBe(posix.basename(arg("--token-file")));
    expect(arg("--kind")).toBe("id");
    const recipe = parseYaml(
      recipeYaml(await readFile(join(root, "docs/workloads.md"), "utf8"), "kubernetes"),
    );
    expect(recipe.integrations[0].audiences).toContain(source.audience);
  });

  it("writes into a memory volume that the application mounts read-only and names in OCIENT_TOKEN_FILE", () => {
    const out = arg("--out");
    const written = volumeOf(sidecar, out);
    expect(written.volume.emptyDir.medium).toBe("Memory");
    const read = volumeOf(app, out);
    expect(read.mount.name).toBe(written.mount.name);
    expect(read.mount.readOnly).toBe(true);
    expect(app.env).toContainEqual({ name: "OCIENT_TOKEN_FILE", value: out });
  });
});

describe("the sidecar's arguments, run for real", () => {
  const agent = agentRunBlock();

  it("pointed at this test's service, token and directory, write a token file with the mode they ask for", async () => {
    const target = agent();
    const args = [...sidecar.args] as string[];
    const set = (flag: string, value: string) => {
      args[args.indexOf(flag) + 1] = value;
    };
    set("--url", target.url);
    set("--token-file", await target.identityFile());
    set("--out", target.out);
    const { mode, stdout } = await target.once(args);
    expect(mode).toBe(Number.parseInt(arg("--mode"), 8));
    expect(stdout).toContain(`a token for alice on ${arg("--database")}`);
  });
});
