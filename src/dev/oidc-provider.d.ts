// oidc-provider ships no type declarations; this covers only what src/dev uses.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export default class Provider {
    constructor(issuer: string, configuration: object);
    readonly issuer: string;
    urlFor(route: string): string;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    /** Provider events; `device_authorization.success` passes the answer's body before it is sent. */
    /** This provider's session class: `authTime()` is the sign-in time its codes and id_tokens carry. */
    readonly Session: { prototype: { authTime(): number | undefined } };
    on(event: string, listener: (ctx: unknown, body: Record<string, unknown>) => void): this;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };
}
