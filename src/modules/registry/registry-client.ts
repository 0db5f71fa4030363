/**
 * The platform registry's v2 HTTP API (Docker Distribution): tags, manifest digests, deletes.
 * One small adapter; images get in by `docker push` through the engine.
 */
import { DomainError } from "../../core/errors";

/** The platform registry did not answer, or refused; images cannot be stored or read now. */
export class RegistryError extends DomainError {
  constructor(message: string) {
    super("UNAVAILABLE", message);
    this.name = "RegistryError";
  }
}

const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

export class RegistryClient {
  /** `base` like http://127.0.0.1:5000 */
  constructor(readonly base: string) {}

  /** host:port, the prefix of image references in this registry. */
  get host(): string {
    return new URL(this.base).host;
  }

  private async request(method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await fetch(`${this.base}/v2/${path}`, { method, headers, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new RegistryError(`the registry at ${this.base} does not answer: ${(error as Error).message}`);
    }
  }

  async ping(): Promise<void> {
    const response = await this.request("GET", "");
    if (!response.ok) throw new RegistryError(`the registry at ${this.base} answered ${response.status}`);
  }

  /** The repository's tags; empty when it does not exist. */
  async tags(repository: string): Promise<string[]> {
    const response = await this.request("GET", `${repository}/tags/list`);
    if (response.status === 404) return [];
    if (!response.ok) throw new RegistryError(`listing ${repository}: HTTP ${response.status}`);
    return ((await response.json()) as { tags: string[] | null }).tags ?? [];
  }

  /** sha256:... of a tag's manifest, or null when there is no such tag. */
  async digest(repository: string, tag: string): Promise<string | null> {
    const response = await this.request("HEAD", `${repository}/manifests/${tag}`, { accept: MANIFEST_TYPES });
    if (response.status === 404) return null;
    if (!response.ok) throw new RegistryError(`reading ${repository}:${tag}: HTTP ${response.status}`);
    return response.headers.get("docker-content-digest");
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.request("DELETE", `${repository}/manifests/${digest}`);
    if (!response.ok && response.status !== 404) throw new RegistryError(`deleting ${repository}@${digest}: HTTP ${response.status}`);
  }

  /** Deletes every tag's manifest of a repository (its blobs go at the registry's next garbage collection). */
  async deleteRepository(repository: string): Promise<number> {
    const digests = new Set<string>();
    for (const tag of await this.tags(repository)) {
      const digest = await this.digest(repository, tag);
      if (digest) digests.add(digest);
    }
    for (const digest of digests) await this.deleteManifest(repository, digest);
    return digests.size;
  }
}
