/** `GET /openapi.json` and `GET /openapi.yaml`: the fixed document this server routes by. */
import { stringify } from "yaml";
import type { Handler, HandlerDeps } from "./types.js";

export function getOpenapiJson({ document }: HandlerDeps): Handler {
  const json = JSON.stringify(document, null, 2);
  return function getOpenapiJson(ctx) {
    ctx.type = "application/json";
    ctx.body = json;
  };
}

export function getOpenapiYaml({ document }: HandlerDeps): Handler {
  // Written on first request: serializing the whole document costs start-up time few deployments use.
  let yaml: string | undefined;
  return function getOpenapiYaml(ctx) {
    yaml ??= stringify(document);
    ctx.type = "application/yaml";
    ctx.body = yaml;
  };
}
