import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { configTable } from "../../scripts/lib/config-reference.js";

describe("configuration reference (docs/configuration.md)", () => {
  it("holds the table generated from the config schema", async () => {
    const reference = await readFile(new URL("../../docs/configuration.md", import.meta.url), "utf8");
    expect(reference).toContain(configTable());
  });

  it("names every field with its meaning", () => {
    const table = configTable();
    for (const key of [
      "server.port",
      "token.issuer",
      "integrations[].audiences",
      "databases.<name>.groups",
    ]) {
      expect(table).toMatch(
        new RegExp(`\\| \`${key.replace(/[[\].<>]/g, "\\$&")}\` \\| [^|]+ \\|[^|]*\\|[^|]*\\| \\S`),
      );
    }
  });

  it("takes each default and unit from the schema, once", () => {
    const table = configTable();
    expect(table).toContain("| `server.port` | integer | `8080` |  |");
    expect(table).toContain("| `token.ttl_seconds` | integer | `3600` | seconds |");
    expect(table).toContain("| `integrations[].http_timeout_ms` | integer | `3000` | ms |");
    expect(table).toContain("| `integrations[].algorithms` | list of ");
    expect(table).toMatch(/\| `integrations\[\]\.algorithms` \| [^|]+(\\\|[^|]+)* \| `\[RS256, ES256\]` \|/);
    // The description no longer repeats a default the schema holds.
    expect(table).not.toMatch(/\(default \d|, default \d|default (true|false|info|ES256)\)/);
  });
});
