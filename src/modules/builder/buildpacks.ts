import { DomainError } from "../../core/errors";
import type { Procfile } from "../../entities";

/** What the builder knows of a pushed tree before it builds. */
export interface SourceTree {
  /** Top-level file names. */
  readonly files: ReadonlySet<string>;
  /** Reads a top-level file's text, or null when absent. */
  read(name: string): Promise<string | null>;
}

export type BuildPlan =
  | { readonly kind: "dockerfile"; readonly procfile: Procfile }
  | { readonly kind: "buildpack"; readonly language: "node" | "static" | "procfile"; readonly dockerfile: string; readonly procfile: Procfile };

/** The pushed tree cannot be built by a buildpack as it is; `file` is the one at fault. */
export class BuildpackError extends DomainError {
  constructor(message: string, file = "source") {
    super("BUILD_REFUSED", message, { field: file, rule: message });
    this.name = "BuildpackError";
  }
}

const PROCFILE_LINE = /^([a-z][a-z0-9_-]{0,29}):\s*(.+)$/;

/** Parses a Procfile: `type: command` per line; blank lines and # comments are skipped. */
export function parseProcfile(text: string): Procfile {
  const procfile: Procfile = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = PROCFILE_LINE.exec(line);
    if (!match) {
      throw new BuildpackError(`Procfile line ${index + 1} is not "type: command" with a lowercase type: ${line}`, "Procfile");
    }
    if (match[1] in procfile) throw new BuildpackError(`Procfile names ${match[1]} twice`, "Procfile");
    procfile[match[1]] = match[2].trim();
  }
  return procfile;
}

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/**
 * Decides how to build a tree: its Dockerfile; else a buildpack on the platform's stack image —
 * Node.js (package.json), a static site (index.html, served by busybox httpd) or a Procfile alone.
 * Config never goes into the image.
 */
export async function planBuild(tree: SourceTree, stackImage: string): Promise<BuildPlan> {
  const procfileText = await tree.read("Procfile");
  const procfile = procfileText === null ? {} : parseProcfile(procfileText);
  if (tree.files.has("Dockerfile")) return { kind: "dockerfile", procfile };
  const header = [`FROM ${stackImage}`, "WORKDIR /app", "COPY . /app"];
  if (tree.files.has("package.json")) {
    let manifest: PackageJson;
    try {
      manifest = JSON.parse((await tree.read("package.json")) ?? "{}") as PackageJson;
    } catch (error) {
      throw new BuildpackError(`package.json is not valid JSON: ${(error as Error).message}`, "package.json");
    }
    const hasDependencies = Object.keys(manifest.dependencies ?? {}).length > 0;
    const locked = tree.files.has("package-lock.json") || tree.files.has("npm-shrinkwrap.json");
    if (hasDependencies && !locked) {
      throw new BuildpackError("package.json has dependencies but no package-lock.json: commit the lockfile (npm install writes it)", "package.json");
    }
    const web = procfile.web ?? (manifest.scripts?.start ? "npm start" : null);
    if (!web && Object.keys(procfile).length === 0) {
      throw new BuildpackError('a Node.js app needs a "start" script in package.json or a Procfile', "package.json");
    }
    // Bounded: a registry out of reach fails the build in about a minute with npm's reason.
    const install = hasDependencies
      ? ["RUN npm ci --omit=dev --no-audit --no-fund --fetch-retries=1 --fetch-retry-maxtimeout=10000 --fetch-timeout=30000"]
      : [];
    return {
      kind: "buildpack",
      language: "node",
      dockerfile: [...header, "ENV NODE_ENV=production", ...install, 'CMD ["/bin/sh", "-c", "npm start"]', ""].join("\n"),
      procfile: web ? { ...procfile, web } : procfile,
    };
  }
  if (tree.files.has("index.html")) {
    return {
      kind: "buildpack",
      language: "static",
      dockerfile: [...header, ""].join("\n"),
      procfile: { web: "httpd -f -v -p $PORT -h /app", ...procfile },
    };
  }
  if (Object.keys(procfile).length > 0) {
    return { kind: "buildpack", language: "procfile", dockerfile: [...header, ""].join("\n"), procfile };
  }
  throw new BuildpackError(
    "no buildpack detected: add a Dockerfile, a package.json (Node.js), an index.html (static site) or a Procfile",
  );
}
