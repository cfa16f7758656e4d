/**
 * `user_template`: text with `{claim}` or `{/json/pointer}` placeholders, e.g. `ci-{repository_owner}`.
 * Each placeholder takes a string claim (a number is written in decimal); a missing one refuses.
 */
import { claimSteps, readClaim } from "./claim-path.js";

type Part = string | { path: string; steps: string[] };

export interface UserTemplate {
  render(claims: Record<string, unknown>): { user?: string; reason?: string; claim?: string };
}

export function compileTemplate(template: string): UserTemplate {
  const parts: Part[] = template
    .split(/(\{[^{}]+\})/)
    .filter((p) => p !== "")
    .map((p) => (p.startsWith("{") ? { path: p.slice(1, -1), steps: claimSteps(p.slice(1, -1)) } : p));
  return {
    render(claims) {
      let user = "";
      for (const part of parts) {
        if (typeof part === "string") {
          user += part;
          continue;
        }
        const value = readClaim(claims, part.steps);
        if (
          (typeof value !== "string" || value === "") &&
          !(typeof value === "number" && Number.isFinite(value))
        )
          return { reason: `has no usable "${part.path}" claim for user_template`, claim: part.path };
        user += String(value);
      }
      return { user };
    },
  };
}
