import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildDashboard } from "./browser";

const root = join(__dirname, "..", "..");

/** The dashboard's build: typed from the committed schema, small, and needing nothing from outside. */
describe("the dashboard bundle", () => {
  beforeAll(() => buildDashboard());

  test("web/src/generated.ts is what codegen makes of the schema and web/operations", () => {
    const dir = mkdtempSync(join(tmpdir(), "web-sdk-"));
    const target = join(dir, "generated.ts");
    const config = readFileSync(join(root, "web", "codegen.yml"), "utf8");
    expect(config).toContain("  web/src/generated.ts:");
    writeFileSync(join(dir, "codegen.yml"), config.replace("  web/src/generated.ts:", `  ${target}:`));
    execFileSync(join(root, "node_modules", ".bin", "graphql-codegen"), ["--config", join(dir, "codegen.yml"), "--silent"], { cwd: root, stdio: "pipe" });
    if (readFileSync(target, "utf8") !== readFileSync(join(root, "web", "src", "generated.ts"), "utf8")) {
      throw new Error("web/src/generated.ts is stale: run `npm run codegen` and commit the result");
    }
  });

  test("JavaScript and CSS together are under 200 KB gzipped", () => {
    const assets = join(root, "dist", "web", "assets");
    const files = readdirSync(assets).filter((name) => /\.(js|css)$/.test(name));
    expect(files.sort()).toEqual(["app.css", "app.js"]);
    const gzipped = files.reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length, 0);
    expect(gzipped).toBeLessThan(200 * 1024);
  });

  test("nothing is fetched from another origin: no outside URL in the page, scripts or styles", () => {
    const page = readFileSync(join(root, "dist", "web", "index.html"), "utf8");
    const css = readFileSync(join(root, "dist", "web", "assets", "app.css"), "utf8");
    const js = readFileSync(join(root, "dist", "web", "assets", "app.js"), "utf8");
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(css).not.toMatch(/url\(|@import/);
    // The only scheme-qualified addresses the script builds are this page's own (ws:// or wss:// + location.host);
    // www.w3.org appears only as XML namespace names (SVG, XHTML), which are never fetched.
    const addresses = (js.match(/https?:\/\/[a-z0-9.-]+/gi) ?? []).filter((address) => address !== "http://www.w3.org");
    expect(addresses).toEqual([]);
  });
});
