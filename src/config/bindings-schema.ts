/**
 * Workload bindings: conditions on a token's claims, and the rules that map matching tokens to an Ocient
 * user. The shapes and their static checks live here; src/bindings compiles and evaluates them.
 *
 * A claim is named by its top-level name (`repository_owner`) or by a JSON pointer (RFC 6901) for a
 * nested one (`/kubernetes.io/namespace`, `/realm_access/roles`).
 *
 * Values are typed, never coerced: YAML `true` matches only the JSON boolean true, and `"true"` only
 * the string "true" (GitLab's `ref_protected` is the string). A list claim holds when any of its
 * elements does.
 */
import { z } from "zod";
import { describeCelProblem, parseCel } from "./cel-source.js";

const nonEmpty = z.string().min(1, "must be a non-empty string");

/** RFC 6901: `/` separates, `~1` is a `/` and `~0` a `~` inside a name. */
const POINTER = /^(\/([^~/]|~[01])*)+$/;
export const claimPath = nonEmpty
  .refine((p) => !p.startsWith("/") || POINTER.test(p), {
    error: "must be a claim name or a JSON pointer such as /kubernetes.io/namespace",
  })
  .describe("a claim name, or a JSON pointer (RFC 6901) to a nested claim");

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A CEL expression, checked (syntax, known functions, bounded cost) as the configuration loads. */
export const celExpression = z.string().superRefine((source, ctx) => {
  const { problem } = parseCel(source);
  if (problem) ctx.addIssue({ code: "custom", message: describeCelProblem(problem) });
});

const globs = z.union([nonEmpty, z.array(nonEmpty).min(1, "must be a non-empty list")]);

export type ConditionInput =
  | string
  | number
  | boolean
  | Array<string | number | boolean>
  | { glob: string | string[] }
  | { all_of: Array<string | number | boolean> }
  | { present: boolean }
  | { not: ConditionInput };

export const conditionSchema: z.ZodType<ConditionInput> = z.lazy(() =>
  z.union([
    scalar,
    z.array(scalar).min(1, "must be a non-empty list"),
    z.object({ glob: globs }).strict(),
    z.object({ all_of: z.array(scalar).min(1, "must be a non-empty list") }).strict(),
    z.object({ present: z.boolean() }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
);

export const conditionsSchema = z
  .record(claimPath, conditionSchema)
  .describe(
    "claim → condition: a value (exact, typed), a list (any of), {glob}, {all_of} (a list claim holds every value), {present}, {not}",
  );

export const bindingSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, '_', '.', '-'")
      .describe("named in the audit record and as `binding` in minted tokens"),
    when: conditionsSchema.default({}).describe("conditions that must all hold"),
    cel: celExpression.optional().describe("a CEL condition over `claims` that must be true"),
    user: nonEmpty.optional().describe("the fixed Ocient user these tokens act as"),
    user_claim: claimPath.optional().describe("the claim naming the user (default: the integration's)"),
    user_template: z
      .string()
      .regex(/^([^{}]|\{[^{}]+\})+$/, "must be text with {claim} or {/json/pointer} placeholders")
      .optional()
      .describe("the user built from claims, e.g. ci-{repository_owner}"),
    user_cel: celExpression.optional().describe("a CEL expression giving the user, a string"),
    groups: z.array(nonEmpty).default([]).describe("groups added to the user's"),
    groups_claim: claimPath.optional().describe("the claim listing groups (default: the integration's)"),
    databases: z
      .array(nonEmpty)
      .min(1, "must be a non-empty list")
      .optional()
      .describe("at most these databases (still granted by `databases`); all when unset"),
    max_ttl_seconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("longest life of tokens minted through this binding (seconds)"),
    refresh_lifetime_seconds: z
      .number()
      .int("must be a whole number")
      .min(0, "must not be negative")
      .default(0)
      .describe(
        "how long after the subject token's auth_time (else iat) tokens minted through this binding may be refreshed, at most token.refresh_lifetime_seconds (seconds); 0: never, the workload exchanges a fresh token from its platform instead",
      ),
    replay: z
      .enum(["allow", "once"])
      .optional()
      .describe("replay policy of this binding (default: the integration's)"),
  })
  .strict()
  .refine(
    (b) => [b.user, b.user_claim, b.user_template, b.user_cel].filter((u) => u !== undefined).length <= 1,
    { error: "choose at most one of user, user_claim, user_template and user_cel" },
  );

export type BindingConfig = z.output<typeof bindingSchema>;
export type Conditions = z.output<typeof conditionsSchema>;

/**
 * Issuers that sign the tokens of every customer alike: a binding must pin whose tokens it takes. A
 * claim pins when it is held to exact values (not negated), or by a glob the platform's `globs` accept
 * (`globRule` says which).
 */
const OWNER_BEFORE_WILDCARD = "whose text before the first wildcard names the owner";
/** Buildkite's and HCP Terraform's `sub`: `organization:NAME:…`. */
const ORGANIZATION_SUB = { sub: /^organization:[^*?:]+:/ };
const organizationBeforeWildcard = (name: string) =>
  `whose text before the first wildcard names the organization (organization:${name}:…)`;

export const SHARED_ISSUERS: Record<
  string,
  { platform: string; exact: string[]; globs: Record<string, RegExp>; globRule: string }
> = {
  "https://token.actions.githubusercontent.com": {
    platform: "GitHub Actions",
    exact: ["repository_owner", "repository_owner_id", "repository", "repository_id", "sub"],
    globs: { sub: /^repo:[^/*?:]+\//, repository: /^[^/*?]+\//, job_workflow_ref: /^[^/*?]+\// },
    globRule: OWNER_BEFORE_WILDCARD,
  },
  "https://gitlab.com": {
    platform: "GitLab",
    exact: ["namespace_path", "namespace_id", "project_path", "project_id", "sub"],
    globs: { sub: /^project_path:[^/*?:]+\//, project_path: /^[^/*?]+\// },
    globRule: OWNER_BEFORE_WILDCARD,
  },
  "https://agent.buildkite.com": {
    platform: "Buildkite",
    exact: ["organization_slug", "organization_id", "sub"],
    globs: ORGANIZATION_SUB,
    globRule: organizationBeforeWildcard("SLUG"),
  },
  "https://app.terraform.io": {
    platform: "HCP Terraform",
    exact: ["terraform_organization_name", "terraform_organization_id", "sub"],
    globs: ORGANIZATION_SUB,
    globRule: organizationBeforeWildcard("NAME"),
  },
  // Any Google account, and any service account of any project, gets id_tokens for any audience it names.
  // An exact email names one account (a Workspace user's `hd` names the organization); a glob may take
  // the service accounts of one project only.
  "https://accounts.google.com": {
    platform: "Google",
    exact: ["sub", "email", "azp", "hd"],
    globs: { email: /^[^@]*@[a-z0-9-]+\.iam\.gserviceaccount\.com$/ },
    globRule:
      "that takes the service accounts of one project: NAME@PROJECT.iam.gserviceaccount.com, a wildcard in NAME only",
  },
};

/** Read leniently (the configuration's shape is checked apart): anything unexpected pins nothing. */
function pins(value: unknown, glob: RegExp | undefined, exact: boolean): boolean {
  if (typeof value === "string" || typeof value === "number") return exact;
  if (Array.isArray(value))
    return exact && value.length > 0 && value.every((v) => typeof v === "string" || typeof v === "number");
  if (typeof value !== "object" || value === null) return false;
  if ("glob" in value) {
    const list: unknown[] = Array.isArray(value.glob) ? value.glob : [value.glob];
    return glob !== undefined && list.every((g) => typeof g === "string" && glob.test(g));
  }
  return "all_of" in value && exact;
}

/** Why a binding of a shared-issuer integration does not pin an owner, or undefined when it does. */
export function unpinned(
  issuer: string,
  integrationWide: Record<string, unknown>,
  binding: Record<string, unknown>,
): string | undefined {
  const shared = SHARED_ISSUERS[issuer];
  if (!shared) return undefined;
  for (const [claim, value] of [...Object.entries(integrationWide), ...Object.entries(binding)]) {
    if (pins(value, shared.globs[claim], shared.exact.includes(claim))) return undefined;
  }
  return `${shared.platform} signs every customer's tokens with this issuer: pin the owner with an exact condition on one of ${shared.exact.join(", ")} (or a glob on ${Object.keys(shared.globs).join(", ")} ${shared.globRule}); CEL alone does not count`;
}
