// Bundles the dashboard (web/src) into dist/web: index.html and assets/app.js, assets/app.css.
// Run by `npm run build`; `node web/build.mjs --watch` rebuilds on change.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "web");

export async function buildDashboard({ watch = false } = {}) {
  mkdirSync(join(out, "assets"), { recursive: true });
  writeFileSync(join(out, "index.html"), readFileSync(join(here, "index.html")));
  const options = {
    entryPoints: { app: join(here, "src", "main.tsx") },
    outdir: join(out, "assets"),
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022"],
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    logLevel: "warning",
  };
  if (watch) {
    const context = await esbuild.context(options);
    await context.watch();
    return;
  }
  await esbuild.build(options);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDashboard({ watch: process.argv.includes("--watch") });
}
