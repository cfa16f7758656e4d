import { applyOverrides, matching, type Override, type Patch } from "../lib/patch.js";
import { isObject } from "../lib/walk-schemas.js";

const absoluteServers = matching(
  "a list of servers on other hosts (Ocient SQL nodes)",
  (value) =>
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((s) => isObject(s) && typeof s.url === "string" && !s.url.startsWith("/")),
);

export const localServers: Patch = {
  name: "local-servers",
  why:
    "The published servers are Ocient SQL nodes (`https://{sql_node}`, an internal `http://oc1-lts0:9090`), " +
    "listed at the top level and again on each operation, which overrides the top level. This document " +
    "describes this service wherever it is deployed, so tools (try-it consoles, generated clients) must " +
    "target the host serving it: one relative server `/`. Drop the patch when upstream lists no absolute server.",
  apply(document, context) {
    const overrides: Override[] = [
      {
        at: ["servers"],
        upstream: absoluteServers,
        served: [{ url: "/", description: "This service, wherever it is deployed." }],
        remedy: "upstream lists no server on another host any more: drop this override",
      },
    ];
    for (const [route, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
      if (!isObject(item)) continue;
      const holders: Array<[string[], unknown]> = [[["paths", route], item]];
      for (const [method, operation] of Object.entries(item)) {
        if (isObject(operation)) holders.push([["paths", route, method], operation]);
      }
      for (const [at, holder] of holders) {
        if (isObject(holder) && "servers" in holder) {
          overrides.push({ at: [...at, "servers"], upstream: absoluteServers, served: undefined });
        }
      }
    }
    if (!context.check(document, overrides)) return [];
    return applyOverrides(document, overrides);
  },
};
