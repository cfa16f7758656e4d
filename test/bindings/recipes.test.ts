/**
 * The recipes of docs/workloads.md, each started from the page and exercised end to end with tokens
 * shaped like the platform's, signed by a test issuer on loopback: what each binding lets in, what it
 * refuses (with the rule class the audit record names), and what the minted token says.
 */
import { writeFile } from "node:fs/promises";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectRefusal } from "../support/expect-refusal.js";
import { type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { mintedToken, type SsoTokenAnswer, toResponse } from "../support/harness.js";
import { lastAudit, type RecipeServer, startRecipe } from "../support/recipes.js";
import {
  awsClaims,
  buildkiteClaims,
  entraClaims,
  GOOGLE_CLIENT,
  GOOGLE_LOADER,
  githubClaims,
  gitlabClaims,
  googleClaims,
  keycloakClaims,
  kubernetesClaims,
  legacyKubernetesClaims,
  TERRAFORM_WORKSPACES,
  terraformClaims,
} from "../support/workload-tokens.js";

const DB = "retail_analytics";
let provider: FakeProvider;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  provider = await startFakeProvider();
});
afterAll(async () => {
  await provider?.close();
});

/** Starts the recipe for the tests of one describe block. */
function recipe(name: string): () => RecipeServer {
  let server: RecipeServer | undefined;
  beforeAll(async () => {
    server = await startRecipe(name, provider);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error("recipe not started");
    return server;
  };
}

function expectDenied(
  server: RecipeServer,
  response: Awaited<ReturnType<RecipeServer["post"]>>,
  rule: string,
) {
  expectRefusal(response, 403, -1251);
  expect(lastAudit(server.logs)).toMatchObject({ outcome: "rejected", vendor_code: -1251, rule });
}

describe("recipe: GitHub Actions", () => {
  const server = recipe("github");

  it.each([
    ["the old sub format", false],
    ["the immutable-id sub format", true],
  ])("mints for the main branch of octo-org (%s), named by its binding", async (_name, immutable) => {
    const token = await provider.sign(githubClaims(now(), { immutable }));
    const response = await server().post({ database: DB, id_token: token });
    const claims = decodeJwt(mintedToken(response));
    expect(claims).toMatchObject({
      sub: "gh-deployer",
      idp: "github",
      binding: "deploy-main",
      groups: ["ci"],
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(300);
    expect(lastAudit(server().logs)).toMatchObject({
      outcome: "minted",
      binding: "deploy-main",
      integration: "github",
    });
  });

  it.each([
    ["the old sub format", false],
    ["the immutable-id sub format", true],
  ])(
    "mints for the prod environment (%s) through the second binding, user from a template",
    async (_n, immutable) => {
      const token = await provider.sign(
        githubClaims(now(), { environment: "prod", immutable, ref: "refs/heads/release" }),
      );
      const claims = decodeJwt(mintedToken(await server().post({ database: DB, id_token: token })));
      expect(claims).toMatchObject({ sub: "gh-octo-org/octo-repo", binding: "prod-environment" });
    },
  );

  it("refuses another organization: by audience, and by the owner-id condition when its workflow asks for ours", async () => {
    const own = await provider.sign(githubClaims(now(), { owner: "evil-org", ownerId: "666" }));
    expectRefusal(await server().post({ database: DB, id_token: own }), 401, -1233, [own]);
    // A workflow chooses its token's audience: another organization can ask for octo-org's.
    const claims = {
      ...githubClaims(now(), { owner: "evil-org", ownerId: "666" }),
      aud: "https://github.com/octo-org",
    };
    const borrowed = await provider.sign(claims);
    expectDenied(server(), await server().post({ database: DB, id_token: borrowed }), "conditions");
  });

  it("refuses another branch and a pull request (no binding)", async () => {
    for (const change of [{ ref: "refs/heads/feature" }, { event: "pull_request" }]) {
      const token = await provider.sign(githubClaims(now(), change));
      expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
    }
  });

  it("refuses on a CEL error (a missing claim) as a non-match, never a 500, and logs no claim value", async () => {
    const claims = githubClaims(now(), { environment: "prod", ref: "refs/heads/feature-x" });
    delete claims.job_workflow_ref;
    const token = await provider.sign(claims);
    expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
    const line = JSON.stringify(lastAudit(server().logs));
    expect(line).not.toContain("feature-x");
    expect(line).not.toContain("environment:prod");
  });

  it("refuses a token matching no binding as it refuses an unknown database: the same 403", async () => {
    const token = await provider.sign(githubClaims(now(), { ref: "refs/heads/feature" }));
    const unknown = await server().post({ database: "no_such_database", id_token: token });
    const known = await server().post({ database: DB, id_token: token });
    expect(unknown.text).toBe(known.text);
  });

  it("does not refresh a deploy-main token (a binding's default): the job exchanges a new id_token", async () => {
    const token = await provider.sign(githubClaims(now()));
    const minted = mintedToken(await server().post({ database: DB, id_token: token }));
    expect(decodeJwt(minted)).toMatchObject({ sub: "gh-deployer", binding: "deploy-main" });
    const answer = await toResponse<SsoTokenAnswer>(
      await fetch(`${server().url}/v1/token_refresh`, {
        method: "POST",
        headers: { authorization: `Bearer ${minted}`, "content-type": "application/json" },
        body: JSON.stringify({ database: DB }),
      }),
    );
    expectRefusal(answer, 401, -1208, [minted]);
  });

  it("uses a deploy-main token once (replay: once on that binding)", async () => {
    const token = await provider.sign(githubClaims(now(), { event: "push" }));
    mintedToken(await server().post({ database: DB, id_token: token }));
    expectRefusal(await server().post({ database: DB, id_token: token }), 401, -1235, [token]);
  });
});

describe("recipe: GitLab CI", () => {
  const server = recipe("gitlab");

  it("mints for a protected branch", async () => {
    const token = await provider.sign(gitlabClaims(now()));
    const claims = decodeJwt(mintedToken(await server().post({ database: DB, id_token: token })));
    expect(claims).toMatchObject({ sub: "gitlab-deployer", idp: "gitlab", binding: "protected-branches" });
  });

  it('refuses an unprotected ref (ref_protected is the string "false")', async () => {
    const token = await provider.sign(gitlabClaims(now(), { ref: "feature", protectedRef: "false" }));
    expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
  });

  it("refuses another group", async () => {
    const token = await provider.sign(gitlabClaims(now(), { group: "other-group" }));
    expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
  });
});

describe("recipe: Kubernetes by discovery", () => {
  const server = recipe("kubernetes");

  it("mints for a prod service account, the user from the nested claim, and again for the same token (kubelet reuse)", async () => {
    const token = await provider.sign(kubernetesClaims(now(), server().issuer, { serviceAccount: "etl-sa" }));
    for (let i = 0; i < 2; i++) {
      const claims = decodeJwt(mintedToken(await server().post({ database: DB, id_token: token })));
      expect(claims).toMatchObject({
        sub: "k8s-etl-sa",
        groups: ["k8s-prod"],
        binding: "prod-services",
        idp: "cluster",
      });
    }
  });

  it("refuses another namespace", async () => {
    const token = await provider.sign(kubernetesClaims(now(), server().issuer, { namespace: "dev" }));
    expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
  });

  it("refuses a legacy secret-based token", async () => {
    const token = await provider.sign(legacyKubernetesClaims());
    const response = await server().post({ database: DB, id_token: token });
    expectRefusal(response, 401, -1231, [token]);
    expect(response.json?.status?.reason).toContain("legacy Kubernetes service-account tokens");
  });
});

describe("recipe: Kubernetes, a private cluster by jwks_file", () => {
  const server = recipe("kubernetes-private");

  it("mints with the key set from the file, and follows the file when the cluster's keys change", async () => {
    const first = await provider.sign(kubernetesClaims(now(), server().issuer));
    expect(decodeJwt(mintedToken(await server().post({ database: DB, id_token: first })))).toMatchObject({
      sub: "k8s-api",
      binding: "prod-api",
    });
    // The cluster rotates its key; until the file is copied again, its tokens are refused.
    await provider.rotate();
    const rotated = await provider.sign(kubernetesClaims(now(), server().issuer));
    expectRefusal(await server().post({ database: DB, id_token: rotated }), 401, -1229, [rotated]);
    const file = server().jwksFile ?? "";
    await writeFile(file, JSON.stringify(await (await fetch(provider.jwksUri)).json()));
    // Looked at again within seconds (the recheck period), without a reload.
    let status = 0;
    for (let tries = 0; tries < 60 && status !== 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await server().post({ database: DB, id_token: rotated })).status;
    }
    expect(status).toBe(200);
  }, 30_000);

  it("reads the file afresh on reload (SIGHUP), without waiting for its next look", async () => {
    await provider.rotate();
    const rotated = await provider.sign(kubernetesClaims(now(), server().issuer));
    expectRefusal(await server().post({ database: DB, id_token: rotated }), 401, -1229, [rotated]);
    await writeFile(server().jwksFile ?? "", JSON.stringify(await (await fetch(provider.jwksUri)).json()));
    await server().server.reload(server().config);
    expect(decodeJwt(mintedToken(await server().post({ database: DB, id_token: rotated }))).sub).toBe(
      "k8s-api",
    );
  });

  it("refuses another namespace and a legacy token", async () => {
    const other = await provider.sign(kubernetesClaims(now(), server().issuer, { namespace: "kube-system" }));
    expectDenied(server(), await server().post({ database: DB, id_token: other }), "binding");
    const legacy = await provider.sign(legacyKubernetesClaims());
    expectRefusal(await server().post({ database: DB, id_token: legacy }), 401, -1231, [legacy]);
  });
});

describe("recipe: Keycloak realm roles as groups", () => {
  const server = recipe("keycloak");

  it("mints for a user with the analyst role, the roles as groups", async () => {
    const token = await provider.sign(keycloakClaims(now(), server().issuer, ["analyst"]));
    const claims = decodeJwt(mintedToken(await server().post({ database: DB, access_token: token })));
    expect(claims).toMatchObject({ sub: "alice", idp: "keycloak" });
    expect(claims.groups).toContain("analyst");
  });

  it("refuses a user without the role", async () => {
    const token = await provider.sign(keycloakClaims(now(), server().issuer, ["viewer"]));
    expectDenied(server(), await server().post({ database: DB, access_token: token }), "database");
  });
});

describe("recipe: Microsoft Entra ID", () => {
  const server = recipe("entra");

  it("mints for the managed identity's app-only token; its azp (the managed identity) is the client", async () => {
    const token = await provider.sign(entraClaims(now(), server().issuer));
    const claims = decodeJwt(mintedToken(await server().post({ database: DB, access_token: token })));
    expect(claims).toMatchObject({
      sub: "azure-etl",
      idp: "entra",
      binding: "etl-loader",
      client_id: "f0e1d2c3-b4a5-4968-8776-655443322110",
    });
    expect(lastAudit(server().logs)).toMatchObject({ outcome: "minted", binding: "etl-loader" });
  });

  it("mints for a person with the Ocient.Analyst app role, from a token the Azure CLI asked for", async () => {
    const token = await provider.sign(entraClaims(now(), server().issuer, { person: true }));
    const claims = decodeJwt(mintedToken(await server().post({ database: DB, access_token: token })));
    expect(claims).toMatchObject({ sub: "alice@contoso.com", binding: "people", groups: ["Ocient.Analyst"] });
  });

  it("refuses another managed identity of the tenant, and one without the Ocient.Load role", async () => {
    for (const change of [{ oid: "99999999-9999-4999-8999-999999999999" }, { roles: ["Ocient.Reader"] }]) {
      const token = await provider.sign(entraClaims(now(), server().issuer, change));
      expectDenied(server(), await server().post({ database: DB, access_token: token }), "binding");
    }
  });

  it("refuses a person without the Ocient.Analyst role", async () => {
    const token = await provider.sign(entraClaims(now(), server().issuer, { person: true, roles: [] }));
    expectDenied(server(), await server().post({ database: DB, access_token: token }), "database");
  });

  it("refuses a token of another tenant", async () => {
    const token = await provider.sign(
      entraClaims(now(), server().issuer, { tenant: "00000000-0000-4000-8000-000000000000" }),
    );
    expectDenied(server(), await server().post({ database: DB, access_token: token }), "conditions");
  });
});

describe("recipe: Google Cloud", () => {
  const server = recipe("google");
  // Google's header says typ JWT.
  const sign = (claims: Record<string, unknown>) => provider.sign(claims, { typ: "JWT" });

  it("mints for the service account's ID token from the metadata server; its unique id (azp) is the client", async () => {
    const response = await server().post({ database: DB, id_token: await sign(googleClaims(now())) });
    const claims = decodeJwt(mintedToken(response));
    expect(claims).toMatchObject({
      sub: "gcp-loader",
      idp: "google",
      binding: "nightly-load",
      client_id: GOOGLE_LOADER.id,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(900);
    expect(lastAudit(server().logs)).toMatchObject({ outcome: "minted", binding: "nightly-load" });
  });

  it("mints for a person of the Workspace domain, named by email, with the binding's group", async () => {
    const token = await sign(googleClaims(now(), { person: true }));
    const claims = decodeJwt(mintedToken(await server().post({ database: DB, id_token: token })));
    expect(claims).toMatchObject({
      sub: "alice@acme.com",
      binding: "people",
      groups: ["analyst"],
      client_id: GOOGLE_CLIENT,
    });
  });

  it("refuses another service account of the project, and one made again under the loader's name", async () => {
    for (const change of [
      { email: "intern@acme-data.iam.gserviceaccount.com", id: "118000000000000000001" },
      { id: "118000000000000000002" },
    ]) {
      const token = await sign(googleClaims(now(), change));
      expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
    }
  });

  it("refuses a person of another domain and a personal account (no hd)", async () => {
    for (const change of [{ hd: "evil.example" }, { hd: null, email: "alice.acme@gmail.com" }]) {
      const token = await sign(googleClaims(now(), { person: true, ...change }));
      expectDenied(server(), await server().post({ database: DB, id_token: token }), "binding");
    }
  });

  it("refuses an address Google has not verified", async () => {
    const token = await sign(googleClaims(now(), { verified: false }));
    expectDenied(server(), await server().post({ database: DB, id_token: token }), "conditions");
  });
});

describe("recipe: AWS IAM roles", () => {
  const server = recipe("aws");
  const post = async (change: Parameters<typeof awsClaims>[2] = {}) =>
    server().post({ database: DB, id_token: await provider.sign(awsClaims(now(), server().issuer, change)) });

  it("mints for the loader role's token, named by its binding", async () => {
    const claims = decodeJwt(mintedToken(await post()));
    expect(claims).toMatchObject({ sub: "aws-loader", idp: "aws", binding: "nightly-load" });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(300);
    expect(lastAudit(server().logs)).toMatchObject({ outcome: "minted", binding: "nightly-load" });
  });

  it("mints for any role of the account tagged for data engineering, the user taken from the tag", async () => {
    const claims = decodeJwt(mintedToken(await post({ role: "etl-adhoc", team: "data-engineering" })));
    expect(claims).toMatchObject({
      sub: "aws-data-engineering",
      binding: "data-engineering",
      groups: ["analyst"],
    });
  });

  it("refuses another role of the account without the tag, and one tagged for another team", async () => {
    for (const change of [{ role: "web-frontend" }, { role: "etl-adhoc", team: "marketing" }]) {
      expectDenied(server(), await post(change), "binding");
    }
  });

  it("refuses a token that names another account", async () => {
    expectDenied(server(), await post({ account: "210987654321" }), "conditions");
  });

  it("refuses a token older than 15 minutes (and the leeway)", async () => {
    expectRefusal(await post({ iat: now() - 1_000 }), 401, -1231);
  });
});

describe("recipe: Buildkite", () => {
  const server = recipe("buildkite");
  const post = async (change: Parameters<typeof buildkiteClaims>[1] = {}, database = DB) =>
    server().post({ database, id_token: await provider.sign(buildkiteClaims(now(), change)) });

  it("mints once for a push build of the retail deploy pipeline on main, the user named after the pipeline", async () => {
    const token = await provider.sign(buildkiteClaims(now()));
    const claims = decodeJwt(mintedToken(await server().post({ database: DB, id_token: token })));
    expect(claims).toMatchObject({
      sub: "buildkite-retail-deploy",
      idp: "buildkite",
      binding: "deploy-main",
      database: DB,
    });
    expect(claims.groups).toBeUndefined();
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(300);
    expect(lastAudit(server().logs)).toMatchObject({
      outcome: "minted",
      binding: "deploy-main",
      integration: "buildkite",
    });
    // replay: once: the job asks its agent for a new token instead.
    expectRefusal(await server().post({ database: DB, id_token: token }), 401, -1235, [token]);
  });

  it("gives each deploy pipeline its own user: the warehouse pipeline's opens warehouse, not retail_analytics", async () => {
    const claims = decodeJwt(mintedToken(await post({ pipeline: "warehouse-deploy" }, "warehouse")));
    expect(claims).toMatchObject({
      sub: "buildkite-warehouse-deploy",
      binding: "deploy-main",
      database: "warehouse",
    });
    expectDenied(server(), await post({ pipeline: "warehouse-deploy" }), "database");
  });

  it("refuses another organization: by audience, and by the slug condition when its job asks for ours", async () => {
    const own = await provider.sign(
      buildkiteClaims(now(), { organization: "evil-inc", audience: "https://buildkite.com/evil-inc" }),
    );
    expectRefusal(await server().post({ database: DB, id_token: own }), 401, -1233, [own]);
    // A job chooses its token's audience, and any organization may call a pipeline retail-deploy.
    expectDenied(server(), await post({ organization: "evil-inc" }), "conditions");
  });

  it("refuses a pull request's build: a branch of the repository, and a fork's main with its prefixed name", async () => {
    for (const branch of ["feature/faster-load", "some-user:main"]) {
      expectDenied(server(), await post({ branch }), "binding");
    }
  });

  it("refuses a build of main not started by a push, and another pipeline of the organization", async () => {
    for (const source of ["ui", "api", "trigger_job", "schedule"]) {
      expectDenied(server(), await post({ source }), "binding");
    }
    expectDenied(server(), await post({ pipeline: "docs-preview" }), "binding");
  });
});

describe("recipe: HCP Terraform", () => {
  const server = recipe("terraform");
  const post = async (change: Parameters<typeof terraformClaims>[1] = {}) =>
    server().post({ database: DB, id_token: await provider.sign(terraformClaims(now(), change)) });

  it("mints for an apply of the workspace in the writer group, again for the same token later in the phase", async () => {
    const token = await provider.sign(terraformClaims(now()));
    for (let i = 0; i < 2; i++) {
      const claims = decodeJwt(mintedToken(await server().post({ database: DB, id_token: token })));
      expect(claims).toMatchObject({
        sub: "tf-retail-prod",
        idp: "terraform",
        binding: "retail-apply",
        groups: ["terraform-writer"],
        database: DB,
      });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(900);
    }
    expect(lastAudit(server().logs)).toMatchObject({ outcome: "minted", binding: "retail-apply" });
  });

  it("mints for a plan of the workspace in the reader group only", async () => {
    const claims = decodeJwt(mintedToken(await post({ phase: "plan" })));
    expect(claims).toMatchObject({ sub: "tf-retail-prod", binding: "retail-plan", database: DB });
    expect(claims.groups).toEqual(["terraform-reader"]);
  });

  it("refuses another organization's run, even of a project and workspace with the same names", async () => {
    const response = await post({
      organization: { name: "evil", id: "org-Zq8Xw3LmKd5NpR2v" },
      project: { name: "data-platform", id: "prj-Hb6Tn4YcWq9JsE1x" },
      workspace: { name: "retail-prod", id: "ws-Rf2Vk8NmXz5LqT7c" },
    });
    expectDenied(server(), response, "conditions");
  });

  it("refuses another workspace of the project, and a module's test run of the organization", async () => {
    for (const change of [{ workspace: TERRAFORM_WORKSPACES.staging }, { moduleTest: true }]) {
      expectDenied(server(), await post(change), "binding");
    }
  });
});
