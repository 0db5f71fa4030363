import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { buildApiSchema } from "../src/resolvers";

const root = join(__dirname, "..");
const HOW_TO_FIX = "run `npm run schema && npm run codegen` and commit the result";

describe("committed API artefacts", () => {
  test("schema/schema.graphql is what the code emits", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "schema-")), "schema.graphql");
    await buildApiSchema(path);
    const fresh = readFileSync(path, "utf8");
    const committed = readFileSync(join(root, "schema", "schema.graphql"), "utf8");
    if (fresh !== committed) throw new Error(`schema/schema.graphql is stale: ${HOW_TO_FIX}`);
  });

  test("src/sdk/generated.ts is what codegen makes of the schema and operations", async () => {
    // The same codegen.yml, writing to a temporary file instead of over the committed SDK.
    const dir = await mkdtemp(join(tmpdir(), "sdk-"));
    const target = join(dir, "generated.ts");
    const config = readFileSync(join(root, "codegen.yml"), "utf8");
    expect(config).toContain("  src/sdk/generated.ts:");
    writeFileSync(join(dir, "codegen.yml"), config.replace("  src/sdk/generated.ts:", `  ${target}:`));
    execFileSync(join(root, "node_modules", ".bin", "graphql-codegen"), ["--config", join(dir, "codegen.yml"), "--silent"], {
      cwd: root,
      stdio: "pipe",
    });
    const committed = readFileSync(join(root, "src", "sdk", "generated.ts"), "utf8");
    if (readFileSync(target, "utf8") !== committed) throw new Error(`src/sdk/generated.ts is stale: ${HOW_TO_FIX}`);
  });
});
