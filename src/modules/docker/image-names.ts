/**
 * The one place image references are made, parsed and normalised (DESIGN.md "Images"): a push's
 * image `<repo>/<app>:git-<sha7>`, a release's `<repo>/<app>:v<version>`, and which app's
 * repository a name points into. Who owns an image is decided on the image itself (its labels,
 * see ImagePolicy); names only serve images made before builds were labelled.
 */

/** Labels the platform puts on what it makes: containers, networks and the images builds make. */
export const PLATFORM_LABEL = "deis.platform";
export const APP_LABEL = "deis.app";
/** The app's id on the images its builds make: a name may pass to another app (rename, destroy and create again), an id never. */
export const APP_ID_LABEL = "deis.app-id";

/** Where app images live without a registry (a name no registry answers). */
export const LOCAL_APP_REPOSITORY = "deis-apps";

const DEFAULT_REGISTRY = "docker.io";

export interface ImageReference {
  /** The registry host (with port), `docker.io` when the name has none. */
  readonly registry: string;
  /** The repository path, `library/` added for one-part names on docker.io. */
  readonly path: string;
  readonly tag: string | null;
  readonly digest: string | null;
}

/**
 * Parses a reference as Docker does: the first part is a registry when it has a `.` or `:` or is
 * `localhost`; a tag follows the last `:` after the last `/`; a digest follows `@`.
 */
export function parseReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : DEFAULT_REGISTRY;
  let path = hasRegistry ? rest.slice(slash + 1) : rest;
  if (registry === DEFAULT_REGISTRY && !path.includes("/")) path = `library/${path}`;
  return { registry, path, tag, digest };
}

/** The canonical spelling: `docker.io/library/node:20`, `127.0.0.1:5000/shop:v3`. */
export function normalizeReference(ref: string): string {
  const { registry, path, tag, digest } = parseReference(ref);
  return `${registry}/${path}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
}

/** The platform's names for app images, with or without a registry. */
export class ImageNames {
  /** `<registry-host>/` with a registry, `deis-apps/` without. */
  readonly prefix: string;

  constructor(registryHost: string | null) {
    this.prefix = registryHost ? `${registryHost}/` : `${LOCAL_APP_REPOSITORY}/`;
  }

  /** The repository of an app's images, e.g. `127.0.0.1:5000/shop`. */
  repository(app: string): string {
    return `${this.prefix}${app}`;
  }

  /** The image a push builds: `<repository>:git-<sha7>`. */
  build(app: string, sha: string): string {
    return `${this.repository(app)}:git-${sha.slice(0, 7)}`;
  }

  /** The image a release runs: `<repository>:v<version>`. */
  release(app: string, version: number): string {
    return `${this.repository(app)}:v${version}`;
  }

  /** `ref` moved from app `from`'s repository to `to`'s, same tag (null when `ref` is not in `from`'s repository). */
  renamed(ref: string, from: string, to: string): string | null {
    if (this.appOf(ref) !== from) return null;
    const { tag, digest } = parseReference(ref);
    if (digest || !tag) return null;
    return `${this.repository(to)}:${tag}`;
  }

  /** Every repository prefix an app image may carry (this platform's, and the one used without a registry). */
  get prefixes(): string[] {
    return [...new Set([this.prefix, `${LOCAL_APP_REPOSITORY}/`])];
  }

  /** The app whose repository `ref` names, in any spelling (`docker.io/deis-apps/shop:v1` too), else null. */
  appOf(ref: string): string | null {
    const wanted = normalizeReference(ref);
    for (const prefix of this.prefixes) {
      const base = normalizeReference(`${prefix}x`).slice(0, -1);
      if (wanted.startsWith(base)) {
        const app = wanted.slice(base.length).split(/[:@/]/)[0];
        if (app) return app;
      }
    }
    return null;
  }
}
