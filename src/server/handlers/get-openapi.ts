/** `GET /openapi.json` and `GET /openapi.yaml`: the fixed document this server routes by, as generated. */
import { documentJson, documentYaml } from "../../../generated/openapi.js";
import type { OperationHandler, SerializedJson } from "../operations.js";

export function getOpenapiJson(): OperationHandler<"getOpenapiJson"> {
  return function getOpenapiJson(ctx) {
    ctx.type = "application/json";
    return { status: 200, body: documentJson as SerializedJson };
  };
}

export function getOpenapiYaml(): OperationHandler<"getOpenapiYaml"> {
  return function getOpenapiYaml(ctx) {
    ctx.type = "application/yaml";
    return { status: 200, body: documentYaml };
  };
}
