import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { DomainError } from "../../core/errors";
import type { Logger } from "../../core/logger";
import type { DockerEngine } from "./docker-engine";

/**
 * The platform's base image, made from this host alone: busybox, this Node.js and its libraries.
 * The `deis.local/` registry part resolves nowhere, so a missing image can never be pulled from a
 * public registry instead.
 */
export const STACK_IMAGE = `deis.local/stack:node-${process.versions.node}-2`; // -2: the recipe's revision

/** The host's trust store, which the stack image carries (a network's TLS-inspecting proxy included). */
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

const BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox"];

/** The stack image cannot be made on this host (the operator must install what it names). */
export class StackImageError extends DomainError {
  constructor(message: string) {
    super("UNAVAILABLE", message);
    this.name = "StackImageError";
  }
}

function copyInto(root: string, file: string, as = file): void {
  const target = join(root, as);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(file), target);
}

/** The shared libraries a dynamically linked program needs, as `ldd` lists them. */
function sharedLibraries(program: string): string[] {
  const output = execFileSync("ldd", [program], { encoding: "utf8" });
  return [...output.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

function listFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as { name: string; parentPath?: string; path?: string; isFile(): boolean }[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path ?? root, entry.name).slice(root.length + 1));
}

/**
 * Builds STACK_IMAGE unless the engine has it: FROM scratch with the host's static busybox, its
 * node binary (plus npm when present) and the libraries node links against. Needs no registry.
 */
export async function ensureStackImage(engine: DockerEngine, log: Logger): Promise<string> {
  if (await engine.inspectImage(STACK_IMAGE)) return STACK_IMAGE;
  const busybox = BUSYBOX_CANDIDATES.find((path) => existsSync(path));
  if (!busybox) throw new StackImageError("busybox is not installed: apt-get install -y busybox-static");
  const node = realpathSync(process.execPath);
  const dir = mkdtempSync(join(tmpdir(), "deis-stack-"));
  try {
    const root = join(dir, "rootfs");
    copyInto(root, busybox, "/bin/busybox");
    copyInto(root, node, "/usr/local/bin/node");
    for (const library of sharedLibraries(node)) copyInto(root, library);
    const npm = join(dirname(node), "..", "lib", "node_modules", "npm");
    if (existsSync(join(npm, "bin", "npm-cli.js"))) {
      cpSync(realpathSync(npm), join(root, "usr/local/lib/node_modules/npm"), { recursive: true, dereference: true });
    }
    const trusted = existsSync(CA_BUNDLE);
    if (trusted) copyInto(root, CA_BUNDLE);
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
    writeFileSync(join(root, "etc/group"), "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n");
    writeFileSync(join(root, "etc/nsswitch.conf"), "hosts: files dns\n");
    writeFileSync(
      join(dir, "Dockerfile"),
      [
        "FROM scratch",
        "COPY rootfs/ /",
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        "RUN mkdir -p /tmp /app /root /usr/bin && chmod 1777 /tmp && ln -s /bin/env /usr/bin/env" +
          (existsSync(join(root, "usr/local/lib/node_modules/npm"))
            ? " && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx"
            : ""),
        "ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root",
        // Node (and npm) trust what the host trusts, as the host's own npm does.
        ...(trusted ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE} SSL_CERT_FILE=${CA_BUNDLE}`] : []),
        "WORKDIR /app",
        'CMD ["/bin/sh"]',
        "",
      ].join("\n"),
    );
    log.info({ image: STACK_IMAGE }, "building the stack image from this host");
    const tar = await import("tar-fs");
    const context = tar.pack(dir, { entries: ["Dockerfile", ...listFiles(dir).filter((f) => f !== "Dockerfile")] });
    await engine.buildImage(context as unknown as Readable, { tag: STACK_IMAGE });
    return STACK_IMAGE;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
