import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksSecret, splitSecrets } from "../../src/export/secrets.js";

describe("secrets", () => {
  it("takes secret names and URL passwords as secret", () => {
    assert.equal(looksSecret("SECRET_KEY", "x"), true);
    assert.equal(looksSecret("DB_PASSWORD", "x"), true);
    assert.equal(looksSecret("GITHUB_TOKEN", "x"), true);
    assert.equal(looksSecret("DATABASE_URL", "postgres://app:hunter2@db/app"), true);
    assert.equal(looksSecret("DATABASE_URL", "postgres://db/app"), false);
    assert.equal(looksSecret("DEBUG", "1"), false);
  });

  it("splits names from values, keeping order and the names asked to keep", () => {
    const split = splitSecrets({ A: "1", API_KEY: "k", B: "2", TOKEN_SETTINGS: "mod" }, ["TOKEN_SETTINGS"]);
    assert.deepEqual(split.plain, [
      ["A", "1"],
      ["B", "2"],
      ["TOKEN_SETTINGS", "mod"],
    ]);
    assert.deepEqual(split.secret, ["API_KEY"]);
  });
});
