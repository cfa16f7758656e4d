import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { configTable, withConfigTable } from "../../scripts/config-table.js";

describe("README configuration table", () => {
  it("is the one generated from the config schema", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    expect(withConfigTable(readme)).toBe(readme);
  });

  it("names every field with its meaning", () => {
    const table = configTable();
    for (const key of [
      "server.port",
      "token.issuer",
      "integrations[].audiences",
      "databases.<name>.groups",
    ]) {
      expect(table).toMatch(new RegExp(`\\| \`${key.replace(/[[\].<>]/g, "\\$&")}\` \\| [^|]+ \\| \\S`));
    }
  });
});
