// `npm start`'s prestart: builds (npm run build) only when dist is not current with the sources.
// The sources' fingerprint (path, size and mtime of every file under src/ and web/, the tsconfigs,
// package.json and package-lock.json) is kept in dist/.build-fingerprint by a build; a start whose
// fingerprint matches it and whose dist is whole starts at once. `--write` records the fingerprint
// (the build script's last step).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".build-fingerprint");
const SOURCES = ["src", "web", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"];
const OUTPUTS = ["dist/main.js", "dist/web/index.html", "dist/web/assets/app.js"];

function files(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [[relative(root, path), stat.size, stat.mtimeMs]];
  return readdirSync(path)
    .filter((name) => name !== "node_modules")
    .flatMap((name) => files(join(path, name)));
}

export function fingerprint() {
  const hash = createHash("sha256");
  const entries = SOURCES.flatMap((source) => files(join(root, source))).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [path, size, mtime] of entries) hash.update(`${path}\0${size}\0${mtime}\n`);
  return hash.digest("hex");
}

function current(print) {
  if (!OUTPUTS.every((path) => existsSync(join(root, path)))) return false;
  return existsSync(stamp) && readFileSync(stamp, "utf8").trim() === print;
}

if (process.argv.includes("--write")) {
  writeFileSync(stamp, `${fingerprint()}\n`);
} else {
  // Taken before the build: a source changed while it runs makes the next start build again.
  const print = fingerprint();
  if (current(print)) {
    console.log("dist is current with the sources: not rebuilding");
  } else {
    const npm = process.env.npm_execpath;
    const result = npm
      ? spawnSync(process.execPath, [npm, "run", "build"], { cwd: root, stdio: "inherit" })
      : spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) process.exit(result.status ?? 1);
    writeFileSync(stamp, `${print}\n`);
  }
}
