/**
 * The core of `GET /v1/info`: what a client checks before it signs in. The version is the served
 * OpenAPI document's `info.version` (the server passes it in), so it changes exactly when the document does.
 */
import { DEFAULT_DATABASE } from "./refresh.js";

/** The published answer's fields, but `status`. */
export interface ServiceInfo {
  default_database: string;
  openapi_version: string;
}

export function serviceInfo(openapiVersion: string): ServiceInfo {
  return { default_database: DEFAULT_DATABASE, openapi_version: openapiVersion };
}
