/**
 * The core of `GET /v1/info`: what a client checks before it signs in. The version is the served
 * OpenAPI document's `info.version`, so it changes exactly when the document does.
 */
import { document } from "../../generated/openapi.js";
import { DEFAULT_DATABASE } from "./refresh.js";

/** The published answer's fields, but `status`. */
export interface ServiceInfo {
  default_database: string;
  openapi_version: string;
}

export function serviceInfo(served: { info: { version: string } } = document): ServiceInfo {
  return { default_database: DEFAULT_DATABASE, openapi_version: served.info.version };
}
