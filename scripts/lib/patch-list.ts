/**
 * docs/spec-patches.md, generated from the patch registry (`PATCHES` in scripts/fix-spec.ts): the patches
 * that run, in the order they run, each with why the published document needs it. Written from the
 * list itself, so the page names exactly the patches a generation applies.
 */
import type { Patch } from "./patch.js";

export function renderPatchList(header: string, patches: readonly Patch[]): string {
  const items = patches.map(({ name, why, after }, i) => {
    const needs =
      after && after.length > 0 ? ` (runs on the edits of ${after.map((n) => `\`${n}\``).join(", ")})` : "";
    return `${i + 1}. \`${name}\`${needs}: ${why}`;
  });
  return `<!-- ${header} -->
# The spec patches

\`npm run generate\` applies these ${patches.length} patches to Ocient's published document, in this order
(\`PATCHES\` in \`scripts/fix-spec.ts\`; each in \`scripts/patches/\`). Each declares the spots it overrides and
what upstream says there today; see [regenerating.md](regenerating.md).

${items.join("\n")}
`;
}
