/** `GET /openapi.json` and `GET /openapi.yaml`: the fixed document this server routes by. */
import { stringify } from "yaml";
import type { Handler, HandlerDeps } from "./types.js";

export function getOpenapiJson({ document }: HandlerDeps): Handler {
  const json = JSON.stringify(document, null, 2);
  return function getOpenapiJson(_operation, ctx) {
    ctx.type = "application/json";
    ctx.body = json;
  };
}

export function getOpenapiYaml({ document }: HandlerDeps): Handler {
  const yaml = stringify(document);
  return function getOpenapiYaml(_operation, ctx) {
    ctx.type = "application/yaml";
    ctx.body = yaml;
  };
}
