import { X509Certificate, createPrivateKey, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import { lookup } from "node:dns/promises";
import { type AddressInfo, isIP } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../../core/logger";
import { generateDefaultCertificate } from "../default-certificate";
import { followRoutes } from "../route-loader";
import type { RoutingView } from "../route-table";
import type { RouterOptions, RunningRouter } from "../router";
import { BackendSync } from "./backend-sync";
import { NginxProcess, findLuaModules, findNginxBinary } from "./nginx-process";
import { type NginxSettings, renderNginxConfig } from "./render";
import { parseRequestLine } from "./request-line";
import { RequestLogTail } from "./request-log-tail";

/** Route changes within this long of the first are applied together (one backends update, one reload). */
export const COALESCE_MS = 100;
/** After a backends update nginx did not take (it was starting again), the next try. */
const RETRY_MS = 1_000;

export interface NginxEngineOptions {
  /** The platform's data dir: nginx's files go under `<dataDir>/router/nginx/`. */
  readonly dataDir: string;
  /** The nginx binary; null: /usr/sbin/nginx, else `nginx` on PATH. */
  readonly binary?: string | null;
  /** nginx worker processes; default one per core. */
  readonly workers?: number;
}

/**
 * The router with nginx as its data plane: this process follows discovery into the same route
 * table as the Node router, renders it into an nginx configuration (render.ts), and keeps one nginx
 * master running it (nginx-process.ts). Backends go to nginx's Lua balancer without a reload
 * (backend-sync.ts, lua.ts); a change of apps, domains, rules or certificates reloads nginx
 * gracefully (bursts within {@link COALESCE_MS} make one update). It also answers nginx's
 * basic-auth checks (the platform stores scrypt hashes, which nginx's auth_basic cannot read) and
 * follows the file nginx writes its
 * request lines to (buffered), handing them to `onRequest` and counting them in `metrics` like the
 * Node router does (its /metrics on the router's port is not served: the API's is).
 */
export async function startNginxRouter(options: RouterOptions, engine: NginxEngineOptions): Promise<RunningRouter> {
  const log = options.log.child({ module: "router", engine: "nginx" });
  const binary = findNginxBinary(engine.binary ?? null);
  if (binary === null) throw new Error(`no nginx binary found (${engine.binary ?? "/usr/sbin/nginx or PATH"}); install Debian's nginx package or set DEIS_NGINX_PATH`);
  const modules = findLuaModules(binary);
  const prefix = join(engine.dataDir, "router", "nginx");
  const workers = Math.max(1, engine.workers ?? availableParallelism());
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => log.warn({ err: error }, "router stop step failed"));
  };
  try {
    /** What a route change does: nothing until nginx runs (it is rendered from the table then). */
    let changed = (): void => undefined;
    const follower = await followRoutes(options.discovery, log, options.routeLeaseGraceMs ?? 0, () => changed());
    closers.push(() => follower.close());
    const table = follower.table;

    const auth = await listenHttp(
      createServer((req, res) => {
        // The app is the one whose server nginx chose (the path, `/$deis_app`), never the Host header:
        // for an absolute-form request (`GET http://app/ HTTP/1.1`) nginx picks the server by the
        // request line, and the Host header may name any other app (one without basic auth).
        const rules = table.named(appOfAuthPath(req.url))?.rules ?? null;
        const verdict = rules === null ? false : rules.authorized(req.headers.authorization);
        const answer = (ok: boolean) => {
          res.writeHead(ok ? 204 : 401, { "content-length": 0 });
          res.end();
        };
        if (verdict instanceof Promise) void verdict.then(answer, () => answer(false));
        else answer(verdict);
      }),
    );
    closers.push(() => closeServer(auth.server));

    /** What a master started again does: its backends dictionary is empty, so all are sent again. */
    let restarted = (): void => undefined;
    const nginx = new NginxProcess({ binary, prefix, controlPort: await freePort("127.0.0.1"), workers, log, onRestart: () => restarted() });
    let requestLog: string | null = null;
    const { onRequest } = options;
    const metrics = options.metrics?.router ?? null;
    if (onRequest || metrics) {
      requestLog = join(prefix, "requests.log");
      await mkdir(prefix, { recursive: true, mode: 0o700 });
      const tail = new RequestLogTail(
        requestLog,
        (line) => {
          const entry = parseRequestLine(line);
          if (!entry) return;
          metrics?.observe(entry.app, entry.status, entry.durationMs / 1000);
          onRequest?.(entry);
        },
        () => nginx.signal("SIGUSR1"),
        log,
      );
      await tail.start();
      // Closed after nginx (pushed before it): nginx writes out its buffered lines as it stops.
      closers.push(() => tail.close());
    }

    const port = options.port || (await freePort(options.host));
    const httpsPort = options.httpsPort === undefined || options.httpsPort === null ? null : options.httpsPort || (await freePort(options.host));
    const settings: NginxSettings = {
      host: options.host,
      port,
      httpsPort,
      controlPort: nginx.controlPort,
      generation: 1,
      controlToken: randomBytes(24).toString("hex"),
      modules,
      prefix,
      user: process.getuid?.() === 0 ? "nobody nogroup" : null,
      workers,
      backendTimeoutSeconds: Math.max(1, Math.ceil((options.backendTimeoutMs ?? 30_000) / 1000)),
      headerTimeoutSeconds: Math.max(1, Math.ceil((options.headerTimeoutMs ?? 15_000) / 1000)),
      authPort: auth.port,
      requestLog,
      defaultCertificate: httpsPort === null ? null : (options.defaultCertificate ?? (await generateDefaultCertificate())),
    };
    const usable = usableCertificates(log);
    const resolve = backendResolver(log);
    /** The table as nginx can take it: certificates that load, backends by address. */
    const currentView = async (): Promise<RoutingView> => {
      const view = table.routingView();
      return { ...view, apps: await resolve(view.apps), certificates: view.certificates.filter(usable) };
    };
    const render = (view: RoutingView, generation: number) => renderNginxConfig(view, { ...settings, generation });
    const backends = new BackendSync(nginx.controlPort, settings.controlToken, log);

    closers.push(() => nginx.stop());
    let generation = 1;
    const first = await currentView();
    let served = render(first, 0);
    await nginx.start(render(first, generation), generation);
    await backends.push(first.apps);

    // Coalesced updates: one timer per burst. Backends first (no reload); a render equal to the one
    // serving changes nothing, so a redeploy or a scale reloads nothing.
    let timer: NodeJS.Timeout | null = null;
    let applying: Promise<void> | null = null;
    let closed = false;
    const apply = async () => {
      const view = await currentView();
      await nginx.ready();
      await backends.push(view.apps);
      const unchanged = render(view, 0);
      if (unchanged === served) return;
      const problem = await nginx.apply(render(view, generation + 1), generation + 1);
      served = unchanged; // a refused render is not tried again until the routes change
      if (problem === null) {
        generation += 1;
        log.debug({ generation }, "nginx configuration loaded");
      } else {
        log.error({ nginx: problem }, "nginx refused the new configuration; the previous one keeps serving");
      }
    };
    const run = (): void => {
      timer = null;
      if (closed) return;
      if (applying) return void schedule();
      applying = apply()
        .catch((error: unknown) => {
          log.error({ err: error }, "nginx update failed; trying again");
          if (!closed) setTimeout(schedule, RETRY_MS).unref();
        })
        .finally(() => (applying = null));
    };
    const schedule = (): void => {
      if (timer === null && !closed) timer = setTimeout(run, COALESCE_MS);
    };
    changed = schedule;
    restarted = () => {
      backends.reset();
      schedule();
    };
    schedule(); // changes seen while nginx was starting
    closers.push(async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await applying;
    });
    log.info({ port, httpsPort, pid: nginx.pid, prefix }, "router (nginx) listening");
    return {
      port,
      httpsPort,
      table,
      async settled() {
        while (timer !== null || applying !== null) {
          await (applying ?? new Promise((resolve) => setTimeout(resolve, COALESCE_MS / 4)));
        }
        await nginx.settled();
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** How long a backend's host name is taken to have the address it resolved to. */
const RESOLVED_FOR_MS = 30_000;

/**
 * Backends by address: nginx resolves an upstream's host names when it loads a configuration and
 * refuses the whole configuration for one it cannot resolve, so names are resolved here (kept for
 * {@link RESOLVED_FOR_MS}) and a backend whose name does not resolve is left out (logged).
 */
function backendResolver(log: Logger): (apps: RoutingView["apps"]) => Promise<RoutingView["apps"]> {
  const known = new Map<string, { readonly address: string | null; readonly at: number }>();
  return async (apps) => {
    const now = Date.now();
    const names = new Set(apps.flatMap((app) => app.backends.map((backend) => backend.host)).filter((host) => isIP(host) === 0));
    await Promise.all(
      [...names]
        .filter((name) => (known.get(name)?.at ?? -Infinity) + RESOLVED_FOR_MS <= now)
        .map(async (name) => {
          const address = await lookup(name).then((found) => found.address, () => null);
          if (address === null) log.warn({ host: name }, "a backend's host name does not resolve; left out of nginx's configuration");
          known.set(name, { address, at: now });
        }),
    );
    if (known.size > 10_000) known.clear();
    return apps.map((app) => ({
      ...app,
      backends: app.backends.flatMap((backend) => {
        if (isIP(backend.host) !== 0) return [backend];
        const address = known.get(backend.host)?.address;
        return address ? [{ ...backend, host: address }] : [];
      }),
    }));
  };
}

/** A filter for certificates nginx can load: parsed, matching their key (remembered per text). */
function usableCertificates(log: Logger): (entry: RoutingView["certificates"][number]) => boolean {
  const seen = new Map<string, boolean>();
  return (entry) => {
    const key = `${entry.certificate}\n${entry.key}`;
    let ok = seen.get(key);
    if (ok === undefined) {
      try {
        ok = new X509Certificate(entry.certificate).checkPrivateKey(createPrivateKey(entry.key));
      } catch {
        ok = false;
      }
      if (!ok) log.warn({ serverName: entry.name }, "unusable certificate in discovery; serving the default one");
      if (seen.size > 10_000) seen.clear();
      seen.set(key, ok);
    }
    return ok;
  };
}

async function listenHttp(server: Server): Promise<{ server: Server; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The app name nginx put in the credential check's path (`/<app>`); "" when there is none. */
function appOfAuthPath(url: string | undefined): string {
  const path = (url ?? "").split("?")[0];
  return path.startsWith("/") ? path.slice(1) : "";
}
