/** `GET /v1/info` (getOcientHttpQueryApiInfo): the default database and the served document's version. */
import { document } from "../../../generated/openapi.js";
import { serviceInfo } from "../../exchange/info.js";
import { okStatus } from "../answer.js";
import type { OperationHandler } from "../operations.js";

export function getInfo(): OperationHandler<"getOcientHttpQueryApiInfo"> {
  const info = { ...serviceInfo(document.info.version), ...okStatus("Ocient SSO service") };
  return function getInfo() {
    return { status: 200, body: info };
  };
}
