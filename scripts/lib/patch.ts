/**
 * What a spec-fix patch is, and how it fails. A patch *edits* the published document: everything upstream
 * says passes through, except the spots the patch declares as overrides. Each override names the spot,
 * what upstream is expected to say there, and what the served document says instead; when upstream now
 * says something else, the patch records a finding (what upstream says, the remedy) and edits nothing.
 * Every patch runs, so one generation reports every finding.
 */
import { isDeepStrictEqual } from "node:util";
import { formatLocation, isObject, type JsonObject } from "./walk-schemas.js";

/** What a patch expects upstream to say at a spot. */
export interface Expected {
  /** For people: `nothing`, `true`, `the properties [a, b]`. */
  readonly says: string;
  readonly test: (value: unknown) => boolean;
  /** Renders what upstream says instead, when the whole value would bury the point. */
  readonly show?: (value: unknown) => string;
}

export const nothing: Expected = { says: "nothing", test: (value) => value === undefined };

export function is(expected: unknown): Expected {
  return { says: describe(expected), test: (value) => isDeepStrictEqual(value, expected) };
}

export function matching(
  says: string,
  test: (value: unknown) => boolean,
  show?: (value: unknown) => string,
): Expected {
  return { says, test, ...(show && { show }) };
}

/** One spot a patch relies on: upstream must say `upstream` there. */
export interface Guard {
  /** From the document's root. */
  readonly at: readonly string[];
  readonly upstream: Expected;
  /** What the maintainer should do when upstream says something else (default: drop or widen it). */
  readonly remedy?: string;
}

/** One spot a patch overrides: upstream's value there is replaced (or, with `served: undefined`, removed). */
export interface Override extends Guard {
  readonly served: unknown;
}

export interface Finding {
  readonly patch: string;
  readonly at: string;
  /** What upstream now says there. */
  readonly says: string;
  /** What the patch expected. */
  readonly expected: string;
  readonly remedy: string;
}

export interface PatchContext {
  /** Records a finding (`at`: a location, or a route such as `POST /v1/x`); the patch should then edit nothing. */
  fail(at: readonly string[] | string, says: string, expected: string, remedy: string): void;
  /** Records a finding for each guard or override whose spot upstream now describes otherwise; true when none did. */
  check(document: JsonObject, spots: readonly Guard[]): boolean;
}

export interface Patch {
  /** Stable name, used in logs and findings. */
  readonly name: string;
  /** Why the published spec needs this, and when the patch can be dropped. */
  readonly why: string;
  /** Patches whose edits this one reads: it is skipped when one of them failed. */
  readonly after?: readonly string[];
  /** Checks, then edits `document` in place; returns one line per edit (or assertion). */
  apply(document: JsonObject, context: PatchContext): string[];
}

export interface PatchReport {
  readonly name: string;
  readonly fixed: readonly string[];
  /** Set when the patch did not run because a patch it needs failed. */
  readonly skipped?: string;
}

export const DEFAULT_REMEDY =
  "drop this override to serve what upstream now says, or widen it to expect that, once the service does what the document will then say";

/**
 * The value at `at`, or undefined when a step is missing. A local `$ref` met on the way, or at the end, is
 * followed: a schema upstream moves behind a `$ref` means what it meant inline.
 */
export function valueAt(root: unknown, at: readonly string[]): unknown {
  let node = resolveRef(root, root);
  for (const key of at) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = resolveRef(root, (node as Record<string, unknown>)[key]);
  }
  return node;
}

/**
 * Sets (or, for undefined, deletes) the value at `at`, creating objects on the way. A local `$ref` on the
 * way is followed, so the edit lands in the component it names (and every operation using it).
 */
export function setAt(root: JsonObject, at: readonly string[], value: unknown): void {
  let node: JsonObject = root;
  for (const key of at.slice(0, -1)) {
    // A list (such as `parameters`) is walked by index, never replaced by an object.
    if (!isObject(node[key]) && !Array.isArray(node[key])) node[key] = {};
    node = resolveRef(root, node[key]) as JsonObject;
  }
  const last = at[at.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = structuredClone(value);
}

/** What a local `$ref` (`#/components/schemas/X`) names, followed to the end; anything else as it is. */
export function resolveRef(root: unknown, node: unknown): unknown {
  const seen = new Set<string>();
  while (isObject(node) && typeof node.$ref === "string" && node.$ref.startsWith("#/")) {
    if (seen.has(node.$ref)) return node;
    seen.add(node.$ref);
    let target: unknown = root;
    for (const step of node.$ref.slice(2).split("/")) {
      const key = decodeURIComponent(step).replaceAll("~1", "/").replaceAll("~0", "~");
      target =
        isObject(target) || Array.isArray(target) ? (target as Record<string, unknown>)[key] : undefined;
    }
    if (target === undefined) return node;
    node = target;
  }
  return node;
}

/** Applies overrides checked beforehand; returns one line per spot. */
export function applyOverrides(document: JsonObject, overrides: readonly Override[]): string[] {
  return overrides.map(({ at, upstream, served }) => {
    setAt(document, at, served);
    const what = served === undefined ? "removed" : `set ${describe(served)}`;
    return `${what} at ${formatLocation(at)} (upstream: ${upstream.says})`;
  });
}

/** A short rendering of a JSON value for findings and logs. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export class GenerationFailed extends Error {
  readonly code = "ERR_GENERATION_FAILED";
  constructor(readonly findings: readonly Finding[]) {
    super(
      `${findings.length} finding${findings.length === 1 ? "" : "s"}; generated/ is left as it was\n${findings
        .map(formatFinding)
        .join("\n")}`,
    );
    this.name = "GenerationFailed";
  }
}

export function formatFinding({ patch, at, says, expected, remedy }: Finding): string {
  return [
    `  ✘ ${patch} at ${at}`,
    `      upstream now says: ${says}`,
    `      expected:          ${expected}`,
    `      remedy:            ${remedy}`,
  ].join("\n");
}

/** Runs `patches` in order on `document` (in place), collecting every finding. */
export function runPatches(
  document: JsonObject,
  patches: readonly Patch[],
): { reports: PatchReport[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const failed = new Set<string>();
  const reports: PatchReport[] = [];
  for (const patch of patches) {
    const missing = (patch.after ?? []).filter((name) => failed.has(name));
    if (missing.length > 0) {
      failed.add(patch.name);
      reports.push({ name: patch.name, fixed: [], skipped: `needs ${missing.join(", ")}` });
      continue;
    }
    const before = findings.length;
    const context: PatchContext = {
      fail(at, says, expected, remedy) {
        const where = typeof at === "string" ? at : formatLocation(at) || "(document)";
        findings.push({ patch: patch.name, at: where, says, expected, remedy });
      },
      check(root, overrides) {
        let ok = true;
        for (const { at, upstream, remedy } of overrides) {
          const value = valueAt(root, at);
          if (upstream.test(value)) continue;
          ok = false;
          this.fail(at, (upstream.show ?? describe)(value), upstream.says, remedy ?? DEFAULT_REMEDY);
        }
        return ok;
      },
    };
    const fixed = patch.apply(document, context);
    if (findings.length > before) failed.add(patch.name);
    reports.push({ name: patch.name, fixed: findings.length > before ? [] : fixed });
  }
  return { reports, findings };
}
