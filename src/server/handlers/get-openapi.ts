/** `GET /openapi.json` and `GET /openapi.yaml`: the fixed document this server routes by, as generated. */
import { documentJson, documentYaml } from "../../../generated/openapi.js";
import type { Handler } from "./types.js";

export function getOpenapiJson(): Handler {
  return function getOpenapiJson(ctx) {
    ctx.type = "application/json";
    ctx.body = documentJson;
  };
}

export function getOpenapiYaml(): Handler {
  return function getOpenapiYaml(ctx) {
    ctx.type = "application/yaml";
    ctx.body = documentYaml;
  };
}
