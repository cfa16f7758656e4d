/**
 * An integration's workload rules, compiled once: its own conditions, which every token must meet, and
 * its bindings, of which the first whose conditions all hold says who the token acts as. An integration
 * without bindings maps every token by its `user_claim` and `groups_claim`, as before bindings existed.
 */
import type { BindingConfig } from "../config/bindings-schema.js";
import type { IntegrationConfig } from "../config/schema.js";
import { type CompiledCel, compileCel } from "./cel.js";
import { groupsClaim, stringClaim } from "./claim-path.js";
import { type CompiledCondition, type ConditionOutcome, compileConditions } from "./condition.js";
import { compileTemplate, type UserTemplate } from "./user-template.js";

/** Which rule refused a token: named in the audit record, never with a claim value. */
export type RuleClass = "conditions" | "binding" | "identity" | "database";

export interface BoundIdentity {
  user: string;
  groups: string[];
}

/** What a binding adds to the grant, beside the identity. */
export interface BindingGrant {
  name: string;
  databases: readonly string[] | undefined;
  maxTtlSeconds: number | undefined;
  /** How long after `auth_time` its tokens may be refreshed; 0: never. */
  refreshLifetimeSeconds: number;
  replay: "allow" | "once";
}

export interface BindingTrace {
  name: string;
  outcomes: ConditionOutcome[];
  matched: boolean;
}

/** The whole decision for one token, with every outcome on the way (what `explain` prints). */
export interface BindingDecision {
  conditions: ConditionOutcome[];
  bindings: BindingTrace[];
  binding?: BindingGrant;
  identity?: BoundIdentity;
  /** `reason` may be shown to the client; `detail` (a CEL error) only to the operator, by `explain`. */
  refusal?: { rule: RuleClass; reason: string; detail?: string; claim?: string };
}

type UserSource =
  | { kind: "fixed"; user: string }
  | { kind: "claim"; path: string }
  | { kind: "template"; template: UserTemplate }
  | { kind: "cel"; cel: CompiledCel };

interface CompiledBinding {
  grant: BindingGrant;
  conditions: CompiledCondition[];
  cel: CompiledCel | undefined;
  user: UserSource;
  groups: readonly string[];
  groupsClaim: string | undefined;
}

function evaluateCel(cel: CompiledCel, claims: Record<string, unknown>): ConditionOutcome {
  const result = cel.evaluate(claims);
  const base = { claim: "cel", rule: cel.source };
  if (result.error !== undefined) return { ...base, holds: false, note: `CEL error: ${result.error}` };
  if (typeof result.value !== "boolean")
    return { ...base, holds: false, note: "the expression did not give a boolean" };
  return { ...base, holds: result.value };
}

function userSource(b: BindingConfig, integration: IntegrationConfig): UserSource {
  if (b.user !== undefined) return { kind: "fixed", user: b.user };
  if (b.user_template !== undefined) return { kind: "template", template: compileTemplate(b.user_template) };
  if (b.user_cel !== undefined) return { kind: "cel", cel: compileCel(b.user_cel) };
  return { kind: "claim", path: b.user_claim ?? integration.user_claim };
}

function compileBinding(b: BindingConfig, integration: IntegrationConfig): CompiledBinding {
  return {
    grant: {
      name: b.name,
      databases: b.databases,
      maxTtlSeconds: b.max_ttl_seconds,
      refreshLifetimeSeconds: b.refresh_lifetime_seconds,
      replay: b.replay ?? integration.replay,
    },
    conditions: compileConditions(b.when),
    cel: b.cel === undefined ? undefined : compileCel(b.cel),
    user: userSource(b, integration),
    groups: b.groups,
    groupsClaim: b.groups_claim ?? integration.groups_claim,
  };
}

/** The user a source names, or why there is none. */
function userOf(
  source: UserSource,
  claims: Record<string, unknown>,
): { user?: string; reason?: string; detail?: string; claim?: string } {
  switch (source.kind) {
    case "fixed":
      return { user: source.user };
    case "claim": {
      const user = stringClaim(claims, source.path);
      return user ? { user } : { reason: `has no usable "${source.path}" claim`, claim: source.path };
    }
    case "template":
      return source.template.render(claims);
    case "cel": {
      const result = source.cel.evaluate(claims);
      if (result.error !== undefined)
        return {
          reason: "gives no user through user_cel",
          detail: `CEL error: ${result.error}`,
          claim: "user_cel",
        };
      return typeof result.value === "string" && result.value !== ""
        ? { user: result.value }
        : {
            claim: "user_cel",
            reason: "gives no user through user_cel",
            detail: "the expression did not give a non-empty string",
          };
    }
  }
}

export class BindingSet {
  readonly #conditions: CompiledCondition[];
  readonly #bindings: CompiledBinding[] | undefined;
  readonly #integration: IntegrationConfig;

  constructor(integration: IntegrationConfig) {
    this.#integration = integration;
    this.#conditions = compileConditions(integration.conditions);
    this.#bindings = integration.bindings?.map((b) => compileBinding(b, integration));
  }

  /** Today's grant of the binding named `name` (a refresh re-checks a token minted through it). */
  grantNamed(name: string): BindingGrant | undefined {
    return this.#bindings?.find((b) => b.grant.name === name)?.grant;
  }

  decide(claims: Record<string, unknown>): BindingDecision {
    const conditions = this.#conditions.map((c) => c.evaluate(claims));
    const decision: BindingDecision = { conditions, bindings: [] };
    const failed = conditions.find((c) => !c.holds);
    if (failed) {
      decision.refusal = {
        rule: "conditions",
        reason: `the integration's condition on "${failed.claim}" does not hold`,
      };
      return decision;
    }
    if (!this.#bindings)
      return this.#identity(decision, { kind: "claim", path: this.#integration.user_claim }, claims);
    for (const binding of this.#bindings) {
      const outcomes = binding.conditions.map((c) => c.evaluate(claims));
      // Claims first: a binding that fails them never runs its CEL.
      if (binding.cel && outcomes.every((o) => o.holds)) outcomes.push(evaluateCel(binding.cel, claims));
      const matched = outcomes.every((o) => o.holds);
      decision.bindings.push({ name: binding.grant.name, outcomes, matched });
      if (matched) {
        decision.binding = binding.grant;
        return this.#identity(decision, binding.user, claims, binding);
      }
    }
    decision.refusal = { rule: "binding", reason: "the token matches none of the integration's bindings" };
    return decision;
  }

  #identity(
    decision: BindingDecision,
    source: UserSource,
    claims: Record<string, unknown>,
    binding?: CompiledBinding,
  ): BindingDecision {
    const { user, reason, detail, claim } = userOf(source, claims);
    if (user === undefined) {
      decision.refusal = { rule: "identity", reason: reason ?? "gives no user" };
      if (detail) decision.refusal.detail = detail;
      if (claim) decision.refusal.claim = claim;
      return decision;
    }
    const fromClaim = groupsClaim(claims, binding ? binding.groupsClaim : this.#integration.groups_claim);
    const groups = binding ? [...new Set([...binding.groups, ...fromClaim])] : fromClaim;
    decision.identity = { user, groups };
    return decision;
  }
}
