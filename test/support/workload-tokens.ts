/**
 * Claims shaped claim for claim like the platforms' published examples (GitHub's "Understanding the
 * OIDC token", GitLab's "ID token authentication", Kubernetes' projected service-account token and its
 * legacy secret-based token, a Keycloak access token, Microsoft Entra ID's "Access token claims
 * reference" for v2.0 tokens, Buildkite's "buildkite-agent oidc" reference, HCP Terraform's "Workload
 * identity" page), with times relative to `now` (seconds). Each token gets a fresh `jti` (Entra: `uti`)
 * where the platform's carries one (Buildkite's lists none).
 */
import { randomUUID } from "node:crypto";

export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
export const GITLAB_ISSUER = "https://gitlab.com";

/** GitHub Actions: ids are strings; `sub` in the old form, or with immutable ids (`immutable: true`). */
export function githubClaims(
  now: number,
  change: {
    owner?: string;
    ownerId?: string;
    ref?: string;
    event?: string;
    environment?: string;
    immutable?: boolean;
  } = {},
): Record<string, unknown> {
  const owner = change.owner ?? "octo-org";
  const ownerId = change.ownerId ?? "65";
  const ref = change.ref ?? "refs/heads/main";
  const repo = change.immutable ? `${owner}@${ownerId}/octo-repo@74` : `${owner}/octo-repo`;
  const context = change.environment
    ? `environment:${change.environment}`
    : change.event === "pull_request"
      ? "pull_request"
      : `ref:${ref}`;
  return {
    jti: randomUUID(),
    sub: `repo:${repo}:${context}`,
    ...(change.environment && { environment: change.environment }),
    aud: `https://github.com/${owner}`,
    ref,
    sha: "example-sha",
    repository: `${owner}/octo-repo`,
    repository_owner: owner,
    actor_id: "12",
    repository_visibility: "private",
    repository_id: "74",
    repository_owner_id: ownerId,
    run_id: "example-run-id",
    run_number: "10",
    run_attempt: "2",
    runner_environment: "github-hosted",
    actor: "octocat",
    workflow: "example-workflow",
    head_ref: "",
    base_ref: "",
    event_name: change.event ?? "workflow_dispatch",
    ref_type: "branch",
    job_workflow_ref: "octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
    iss: GITHUB_ISSUER,
    nbf: now - 5,
    exp: now + 300,
    iat: now,
  };
}

/** GitLab CI: `ref` without refs/heads/, `ref_protected` the string "true" or "false". */
export function gitlabClaims(
  now: number,
  change: { group?: string; ref?: string; protectedRef?: string } = {},
): Record<string, unknown> {
  const group = change.group ?? "my-group";
  const ref = change.ref ?? "main";
  return {
    namespace_id: "72",
    namespace_path: group,
    project_id: "20",
    project_path: `${group}/my-project`,
    user_id: "1",
    user_login: "sample-user",
    user_email: "sample-user@example.com",
    user_access_level: "developer",
    pipeline_id: "574",
    pipeline_source: "push",
    job_id: "302",
    ref,
    ref_type: "branch",
    ref_path: `refs/heads/${ref}`,
    ref_protected: change.protectedRef ?? "true",
    runner_id: 1,
    runner_environment: "gitlab-hosted",
    sha: "714a629c0b401fdce83e847fc9589983fc6f46bc",
    project_visibility: "private",
    ci_config_ref_uri: `gitlab.com/${group}/my-project//.gitlab-ci.yml@refs/heads/${ref}`,
    ci_config_sha: "714a629c0b401fdce83e847fc9589983fc6f46bc",
    jti: randomUUID(),
    iss: GITLAB_ISSUER,
    iat: now,
    nbf: now - 5,
    exp: now + 3600,
    sub: `project_path:${group}/my-project:ref_type:branch:ref:${ref}`,
    aud: "https://sso.example.com",
  };
}

/** A projected service-account token, as the kubelet mounts it. */
export function kubernetesClaims(
  now: number,
  issuer: string,
  change: { namespace?: string; serviceAccount?: string } = {},
): Record<string, unknown> {
  const namespace = change.namespace ?? "prod";
  const name = change.serviceAccount ?? "api-sa";
  return {
    aud: ["ocient-sso"],
    exp: now + 3600,
    iat: now,
    iss: issuer,
    jti: randomUUID(),
    "kubernetes.io": {
      namespace,
      node: { name: "node-1", uid: "58456cb0-dd00-45ed-b797-5578fdceaced" },
      pod: { name: `${name}-69cbfb9798-jv9gn`, uid: "778a530c-b3f4-47c0-9cd5-ab018fb64f33" },
      serviceaccount: { name, uid: "a087d5a0-e1dd-43ec-93ac-f13d89cd13af" },
      warnafter: now + 2880,
    },
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${name}`,
  };
}

/** A legacy secret-based service-account token: no aud, no exp, no iat. */
export function legacyKubernetesClaims(): Record<string, unknown> {
  return {
    iss: "kubernetes/serviceaccount",
    "kubernetes.io/serviceaccount/namespace": "prod",
    "kubernetes.io/serviceaccount/secret.name": "api-sa-token-x7k2p",
    "kubernetes.io/serviceaccount/service-account.name": "api-sa",
    "kubernetes.io/serviceaccount/service-account.uid": "a087d5a0-e1dd-43ec-93ac-f13d89cd13af",
    sub: "system:serviceaccount:prod:api-sa",
    aud: undefined,
    exp: undefined,
    iat: undefined,
  };
}

/** A Keycloak access token (header typ JWT) with realm roles. */
export function keycloakClaims(now: number, issuer: string, roles: string[]): Record<string, unknown> {
  return {
    exp: now + 300,
    iat: now,
    jti: "onrtac:2f0e7b0c-8d4e-4c5a-9d0e-3b1f2a6c7d8e",
    iss: issuer,
    aud: ["ocient", "account"],
    sub: "f7a1c9e2-5b3d-4e6f-8a9b-0c1d2e3f4a5b",
    typ: "Bearer",
    azp: "ocient",
    sid: "2c4f6a8b-1d3e-4f5a-6b7c-8d9e0f1a2b3c",
    acr: "1",
    "allowed-origins": ["https://app.example.com"],
    realm_access: { roles: ["default-roles-acme", "offline_access", ...roles] },
    resource_access: { account: { roles: ["manage-account", "view-profile"] } },
    scope: "openid profile email",
    email_verified: true,
    name: "Alice Analyst",
    preferred_username: "alice",
    given_name: "Alice",
    family_name: "Analyst",
    email: "alice@example.com",
  };
}

/** The tenant and the application (client) id of the Entra ID recipe in docs/workloads.md. */
const ENTRA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ENTRA_APP = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
/** The object (principal) id and client id of the recipe's managed identity. */
const ENTRA_ETL_OID = "1a2b3c4d-5e6f-4a70-8b91-c2d3e4f5a6b7";
const ENTRA_ETL_CLIENT = "f0e1d2c3-b4a5-4968-8776-655443322110";
/** The Azure CLI's client id: what a person's token names as `azp` after `az account get-access-token`. */
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/**
 * A Microsoft Entra ID v2.0 access token for the recipe's API (header typ JWT): a managed identity's
 * app-only token (no `scp`, its app roles in `roles`, `sub` = `oid`), or with `person` a person's
 * delegated token (`scp`, `preferred_username`, the app roles assigned to them), `azp` the client that
 * asked for it.
 */
export function entraClaims(
  now: number,
  issuer: string,
  change: { person?: boolean; oid?: string; roles?: string[]; tenant?: string } = {},
): Record<string, unknown> {
  const tid = change.tenant ?? ENTRA_TENANT;
  const common = {
    aud: ENTRA_APP,
    iss: issuer,
    iat: now,
    nbf: now,
    exp: now + 3600,
    aio: "k2BgYJg8f2l5cT7h0w4mXz1aAQ==",
    rh: "1.AQsA7Xa2YQ8Zk0uCm1I2AAAAAAAAAAAAAAAAAAAAAAA.",
    tid,
    uti: randomUUID().replace(/-/g, "").slice(0, 22),
    ver: "2.0",
  };
  if (change.person) {
    return {
      ...common,
      azp: AZURE_CLI,
      azpacr: "0",
      name: "Alice Analyst",
      oid: change.oid ?? "b5c6d7e8-f9a0-4b1c-8d2e-3f4a5b6c7d8e",
      preferred_username: "alice@contoso.com",
      roles: change.roles ?? ["Ocient.Analyst"],
      scp: "Ocient.Query",
      sub: "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA",
    };
  }
  const oid = change.oid ?? ENTRA_ETL_OID;
  return {
    ...common,
    azp: ENTRA_ETL_CLIENT,
    azpacr: "2",
    idtyp: "app",
    oid,
    roles: change.roles ?? ["Ocient.Load"],
    sub: oid,
    xms_mirid:
      "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/etl/providers/Microsoft.ManagedIdentity/userAssignedIdentities/etl-loader",
  };
}

/** The Google recipe's audience for workloads, the OAuth client people sign in with, its service account. */
const GOOGLE_AUDIENCE = "https://sso.example.com";
export const GOOGLE_CLIENT = "123456789012-k7v3m2q8j4.apps.googleusercontent.com";
export const GOOGLE_LOADER = {
  email: "loader@acme-data.iam.gserviceaccount.com",
  id: "104845391286117340771",
};

/**
 * A Google ID token (iss https://accounts.google.com): a service account's from the metadata server
 * (`aud` the audience it asked for, `azp` and `sub` its unique id, its email verified), or with `person`
 * a Workspace user's issued to the recipe's OAuth client (`hd`, `aud` and `azp` the client).
 */
export function googleClaims(
  now: number,
  change: { person?: boolean; email?: string; id?: string; hd?: string | null; verified?: boolean } = {},
): Record<string, unknown> {
  const times = { iat: now, exp: now + 3600, iss: "https://accounts.google.com" };
  if (change.person) {
    return {
      ...times,
      azp: GOOGLE_CLIENT,
      aud: GOOGLE_CLIENT,
      sub: change.id ?? "110169484474386276334",
      ...(change.hd !== null && { hd: change.hd ?? "acme.com" }),
      email: change.email ?? "alice@acme.com",
      email_verified: change.verified ?? true,
      at_hash: "HK6E_P6Dh8Y93mRNtsDB1Q",
      name: "Alice Analyst",
      given_name: "Alice",
      family_name: "Analyst",
    };
  }
  const id = change.id ?? GOOGLE_LOADER.id;
  return {
    ...times,
    aud: GOOGLE_AUDIENCE,
    azp: id,
    sub: id,
    email: change.email ?? GOOGLE_LOADER.email,
    email_verified: change.verified ?? true,
  };
}

/** The AWS recipe's account and the claim its identity claims are nested under. */
const AWS_ACCOUNT = "123456789012";
const AWS_NAMESPACE = "https://sts.amazonaws.com/";

/**
 * A token of AWS STS's GetWebIdentityToken for an IAM role (outbound identity federation): `sub` the
 * role's ARN, the account, organization, region, role tags and calling Lambda function under
 * `https://sts.amazonaws.com/`.
 */
export function awsClaims(
  now: number,
  issuer: string,
  change: { role?: string; account?: string; team?: string; iat?: number } = {},
): Record<string, unknown> {
  const account = change.account ?? AWS_ACCOUNT;
  const role = change.role ?? "ocient-loader";
  const iat = change.iat ?? now;
  return {
    iss: issuer,
    aud: "https://sso.example.com",
    sub: `arn:aws:iam::${account}:role/${role}`,
    iat,
    exp: Math.max(iat, now) + 300,
    jti: randomUUID(),
    [AWS_NAMESPACE]: {
      aws_account: account,
      source_region: "us-east-1",
      org_id: "o-abc1234567",
      ou_path: "o-abc1234567/r-ab12/ou-ab12-11111111/",
      principal_tags: { team: change.team ?? "platform", environment: "production" },
      lambda_source_function_arn: `arn:aws:lambda:us-east-1:${account}:function:nightly-load`,
    },
  };
}

export const BUILDKITE_ISSUER = "https://agent.buildkite.com";

/**
 * A Buildkite agent's OIDC token (`buildkite-agent oidc request-token --audience https://sso.example.com`),
 * with the claims Buildkite's reference lists for every token: `sub`
 * organization:ORG:pipeline:PIPELINE:ref:refs/heads/BRANCH:commit:SHA:step:KEY, `build_number` a number,
 * `build_source` what started the build (ui, api, webhook, trigger_job, schedule), no `jti`, 5 minutes of
 * life (the default). A pull request's build carries no claim saying so: its branch is the pull
 * request's (`owner:branch` for a third-party fork when the pipeline prefixes those).
 */
export function buildkiteClaims(
  now: number,
  change: {
    organization?: string;
    pipeline?: string;
    branch?: string;
    source?: string;
    audience?: string;
  } = {},
): Record<string, unknown> {
  const organization = change.organization ?? "acme-inc";
  const pipeline = change.pipeline ?? "retail-deploy";
  const branch = change.branch ?? "main";
  const commit = "9f3182061f1e2cca4702c368cbc039b7dc9d4485";
  return {
    iss: BUILDKITE_ISSUER,
    sub: `organization:${organization}:pipeline:${pipeline}:ref:refs/heads/${branch}:commit:${commit}:step:deploy`,
    aud: change.audience ?? "https://sso.example.com",
    iat: now,
    nbf: now,
    exp: now + 300,
    organization_slug: organization,
    pipeline_slug: pipeline,
    build_number: 1045,
    build_branch: branch,
    build_commit: commit,
    step_key: "deploy",
    job_id: randomUUID(),
    agent_id: "0184990a-4782-42b5-afc1-16715b10b8ff",
    build_source: change.source ?? "webhook",
    runner_environment: "self-hosted",
  };
}

/** The HCP Terraform recipe's organization, project and workspaces (ids shaped as HCP Terraform's). */
export const TERRAFORM_ORG = { name: "acme", id: "org-GRNbCjYNpBB6NEH9" };
export const TERRAFORM_PROJECT = { name: "data-platform", id: "prj-vegSA59s1XPwMr2t" };
export const TERRAFORM_WORKSPACES = {
  prod: { name: "retail-prod", id: "ws-mbsd5E3Ktt5Rg2Xm" },
  staging: { name: "retail-staging", id: "ws-7Kd2pQx9VbLr4TnH" },
};

/**
 * An HCP Terraform workload identity token (TFC_WORKLOAD_IDENTITY_TOKEN, `aud` from
 * TFC_WORKLOAD_IDENTITY_AUDIENCE) for one phase of a workspace run, claim for claim as HashiCorp's
 * "Workload identity" page shows it: `sub`
 * organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:PHASE, the `terraform_*` claims, `nbf`
 * before `iat`, `exp` the end of the phase's timeout. With `moduleTest`, a registry module's test run:
 * `sub` organization:ORG:module:MODULE:operation:test_run, phase `plan`, no project or workspace claims.
 */
export function terraformClaims(
  now: number,
  change: {
    organization?: { name: string; id: string };
    project?: { name: string; id: string };
    workspace?: { name: string; id: string };
    phase?: "plan" | "apply";
    moduleTest?: boolean;
  } = {},
): Record<string, unknown> {
  const org = change.organization ?? TERRAFORM_ORG;
  const common = {
    jti: randomUUID(),
    iss: "https://app.terraform.io",
    aud: "https://sso.example.com",
    iat: now,
    nbf: now - 5,
    exp: now + 3600,
    terraform_organization_id: org.id,
    terraform_organization_name: org.name,
  };
  if (change.moduleTest) {
    return {
      ...common,
      sub: `organization:${org.name}:module:terraform-ocient-schema:operation:test_run`,
      terraform_run_phase: "plan",
      terraform_run_id: "trun-KFg8DSiRz4E37mdJ",
    };
  }
  const project = change.project ?? TERRAFORM_PROJECT;
  const workspace = change.workspace ?? TERRAFORM_WORKSPACES.prod;
  const phase = change.phase ?? "apply";
  const full = `organization:${org.name}:project:${project.name}:workspace:${workspace.name}`;
  return {
    ...common,
    sub: `${full}:run_phase:${phase}`,
    terraform_project_id: project.id,
    terraform_project_name: project.name,
    terraform_workspace_id: workspace.id,
    terraform_workspace_name: workspace.name,
    terraform_full_workspace: full,
    terraform_run_id: "run-X3n1AUXNGWbfECsJ",
    terraform_run_phase: phase,
  };
}
