import { isIP } from "node:net";
import { APP_NAME_RE, RESERVED_APP_NAMES } from "../../controller/validation/names";
import type { CertificatePair } from "../default-certificate";
import { BACKENDS_DICT, BACKENDS_DICT_SIZE, BACKENDS_PATH, luaInit } from "./lua";
import { HEALTHY, PAGES, type Page, unauthorizedPage } from "../pages";
import type { RoutingView } from "../route-table";

/** How the nginx engine runs: everything the configuration needs besides the routes. */
export interface NginxSettings {
  readonly host: string;
  readonly port: number;
  /** Null: no HTTPS. */
  readonly httpsPort: number | null;
  /** A loopback port answering only the configuration's generation, to know when a reload is in. */
  readonly controlPort: number;
  /** Grows with every configuration; the control port answers it. */
  readonly generation: number;
  /** The secret the router sends with backend updates on the control port. */
  readonly controlToken: string;
  /** `load_module` paths for the Lua module and its kit (Debian builds them as dynamic modules); none when built in. */
  readonly modules: readonly string[];
  /** The nginx prefix (absolute): pid file, logs and temp files live there. */
  readonly prefix: string;
  /** `user` directive (worker processes' user and group) when nginx starts as root; null: none. */
  readonly user: string | null;
  readonly workers: number | "auto";
  /** Time a backend has to answer (read timeout); then 504, not retried. */
  readonly backendTimeoutSeconds: number;
  readonly headerTimeoutSeconds: number;
  /** The router's credential check for basic auth (auth_request); null: apps with basic auth are refused (401). */
  readonly authPort: number | null;
  /** The file nginx writes request lines to (buffered; the router process follows it); null: not logged. */
  readonly requestLog: string | null;
  /** The certificate for names without one of their own (required with an HTTPS port). */
  readonly defaultCertificate: CertificatePair | null;
}

/**
 * How long a websocket may wait for its backend (the handshake's answer, then each message) before
 * nginx closes it; requests wait the backend timeout.
 */
export const UPGRADE_TIMEOUT_SECONDS = 3_600;
/** nginx writes out its buffer of request lines at least this often. */
export const REQUEST_LOG_FLUSH_MS = 100;
/** The path nginx asks the router's credential check at; a client's request for it answers 404. */
export const AUTH_PATH = "/.deis-router-auth";
/**
 * The request line nginx writes for the router: tab-separated (nginx escapes control characters, quotes
 * and backslashes as \xHH, so a tab is always a separator), the path last. See request-line.ts.
 */
export const REQUEST_LOG_FIELDS = [
  "$deis_app",
  "$status",
  "$request_time",
  "$request_method",
  "$http_host",
  "$deis_request_id",
  "$upstream_addr",
  "$remote_addr",
  "$request_uri",
] as const;
/** nginx keeps quoted parameters under 4 KB: PEM text goes into the configuration in pieces this long. */
const PEM_CHUNK = 1_500;
const SAFE_NAME_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * Renders the nginx configuration for a route table (pure: same view and settings, same text).
 *
 * One `server` per app (its platform name and custom domains; `*.zone` as a one-label regex, as
 * the Node router matches), a default server for unknown hosts (404, `/healthz`), one upstream whose
 * Lua balancer takes each app's backends from a shared dictionary (lua.ts: backends change without a
 * reload), with keep-alive, the router's own pages (pages.ts) with the same status and headers,
 * access rules in nginx's access phase (allow/deny; basic auth by auth_request to the router),
 * maintenance and "no processes" after them, certificates by SNI from maps (`data:` values, so the
 * unprivileged workers read no key file), and request lines to a buffered file the router follows.
 */
export function renderNginxConfig(view: RoutingView, settings: NginxSettings): string {
  const out: string[] = [];
  const listen = (extra: string) => {
    const lines = [`    listen ${listenAddress(settings.host, settings.port)}${extra};`];
    if (settings.httpsPort !== null) lines.push(`    listen ${listenAddress(settings.host, settings.httpsPort)} ssl${extra};`);
    return lines.join("\n");
  };
  for (const module of settings.modules) out.push(`load_module ${module};`);
  if (settings.user) out.push(`user ${settings.user};`);
  out.push(
    `worker_processes ${settings.workers};`,
    "pcre_jit on;",
    `pid ${settings.prefix}/nginx.pid;`,
    `error_log ${settings.prefix}/error.log warn;`,
    "worker_shutdown_timeout 30s;",
    "events { worker_connections 4096; }",
    "http {",
    "  sendfile on; tcp_nodelay on; server_tokens off;",
    "  types { }",
    `  default_type "text/html; charset=utf-8";`,
    "  root /nonexistent;",
    "  keepalive_requests 100000; keepalive_timeout 75s;",
    `  client_header_timeout ${settings.headerTimeoutSeconds}s;`,
    "  client_max_body_size 0;",
    "  access_log off;",
    `  client_body_temp_path ${settings.prefix}/client-body; proxy_temp_path ${settings.prefix}/proxy;`,
    `  fastcgi_temp_path ${settings.prefix}/fastcgi; uwsgi_temp_path ${settings.prefix}/uwsgi; scgi_temp_path ${settings.prefix}/scgi;`,
    "  proxy_http_version 1.1;",
    "  proxy_request_buffering off;",
    "  proxy_max_temp_file_size 0;",
    "  proxy_next_upstream error;",
    "  proxy_next_upstream_tries 0;",
    "  proxy_connect_timeout 5s;",
    `  proxy_read_timeout ${settings.backendTimeoutSeconds}s;`,
    `  proxy_send_timeout ${settings.backendTimeoutSeconds}s;`,
    "  proxy_pass_header Server; proxy_pass_header Date;",
    "  proxy_set_header Host $http_host;",
    "  proxy_set_header Upgrade $http_upgrade;",
    "  proxy_set_header Connection $deis_connection;",
    "  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "  proxy_set_header X-Forwarded-Proto $scheme;",
    "  proxy_set_header X-Forwarded-Port $server_port;",
    "  proxy_set_header X-Forwarded-Host $http_host;",
    "  proxy_set_header X-Request-Id $deis_request_id;",
    "  map $http_upgrade $deis_connection { default upgrade; \"\" \"\"; }",
    // Set by the balancer for an app with no processes (declared here, evaluated only on that error path).
    '  map $deis_app $deis_no_backends { default ""; }',
    // nginx's $request_id is 32 hex digits; the Node router sends a UUID: the same digits in its shape.
    '  map $request_id $deis_new_request_id { "~^(.{8})(.{4})(.{4})(.{4})(.{12})$" "$1-$2-$3-$4-$5"; default $request_id; }',
    '  map $http_x_request_id $deis_request_id { "" $deis_new_request_id; "~^[\\x21-\\x7e]{1,200}$" $http_x_request_id; default $deis_new_request_id; }',
  );
  if (settings.requestLog !== null) {
    out.push(
      `  log_format deis_request '${REQUEST_LOG_FIELDS.join("\t")}';`,
    );
  }
  if (settings.httpsPort !== null) out.push(...certificateMaps(view, settings));

  // Backends by app, changed by the router without a reload; one upstream balances them all.
  out.push(
    `  lua_shared_dict ${BACKENDS_DICT} ${BACKENDS_DICT_SIZE};`,
    `  init_by_lua_block {${luaInit(settings.controlToken)}}`,
    "  upstream deis_backends {",
    "    server 0.0.0.1;", // never used: the balancer sets every peer
    "    balancer_by_lua_block { deis_router.balance() }",
    "    keepalive 64;",
    "    keepalive_requests 100000;",
    "  }",
  );

  // The generation, on loopback only: how the supervisor knows a reload is serving; and backend updates.
  out.push(
    "  server {",
    `    listen 127.0.0.1:${settings.controlPort};`,
    `    location / { default_type text/plain; return 200 "${settings.generation}"; }`,
    `    location = ${BACKENDS_PATH} { client_max_body_size 8m; client_body_buffer_size 8m; default_type text/plain; content_by_lua_block { deis_router.update() } }`,
    "  }",
  );

  // Unknown hosts (and reserved names on the platform domain): 404, /healthz.
  out.push(
    "  server {",
    listen(" default_server reuseport"),
    "    server_name _;",
    '    set $deis_app "";', // declares the variable the log format names, whether or not any app has a server
    "    location = /healthz {",
    "      default_type application/json;",
    "      add_header Cache-Control no-store always;",
    `      return 200 "${quote(HEALTHY.toString())}";`,
    "    }",
    `    location / { try_files /.deis-none @deis_not_found; }`,
    pageLocation("not_found", PAGES.notFound),
    "  }",
  );

  const platformDomain = view.platformDomain && SAFE_NAME_RE.test(view.platformDomain) ? view.platformDomain : null;
  const customDomains = new Set(view.apps.flatMap((app) => app.domains));
  for (const app of view.apps) {
    if (!APP_NAME_RE.test(app.name) && !SAFE_NAME_RE.test(app.name)) continue;
    const names: string[] = [];
    for (const domain of [...app.domains].sort()) {
      if (domain.startsWith("*.") && SAFE_NAME_RE.test(domain.slice(2))) names.push(`"~^[^.]+\\.${regexEscape(domain.slice(2))}$"`);
      else if (SAFE_NAME_RE.test(domain)) names.push(domain);
    }
    const platformName = platformDomain ? `${app.name}.${platformDomain}` : null;
    if (
      platformName &&
      APP_NAME_RE.test(app.name) &&
      !RESERVED_APP_NAMES.has(app.name) &&
      (!view.appsListed || app.listed) &&
      !customDomains.has(platformName)
    ) {
      names.unshift(platformName);
    }
    if (names.length === 0) continue;
    out.push(...appServer(app.name, names, app.rules, settings, listen("")));
  }

  // Before every app has its key, any valid name on the platform domain is an app with no processes (503).
  if (platformDomain && !view.appsListed) {
    const reserved = [...RESERVED_APP_NAMES].map(regexEscape).join("|");
    const name = `"~^(?!(?:${reserved})\\.)(?<deis_name>[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)\\.${regexEscape(platformDomain)}$"`;
    out.push(...appServer("$deis_name", [name], null, settings, listen("")));
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}

function appServer(
  app: string,
  names: readonly string[],
  rules: RoutingView["apps"][number]["rules"],
  settings: NginxSettings,
  listen: string,
): string[] {
  const lines = ["  server {", listen, `    server_name ${names.join(" ")};`, `    set $deis_app "${app}";`];
  if (settings.requestLog !== null) lines.push(`    access_log ${settings.requestLog} deis_request buffer=64k flush=${REQUEST_LOG_FLUSH_MS}ms;`);
  const access: string[] = [];
  if (rules && rules.allow.length > 0) {
    // A list that is not all CIDRs nginx reads denies everyone (fail closed, as the Node router's parse).
    const cidrs = rules.allow.filter(validCidr);
    if (cidrs.length === rules.allow.length) for (const cidr of cidrs) access.push(`allow ${cidr};`);
    access.push("deny all;");
  }
  if (rules?.basicAuth) access.push(settings.authPort === null ? "return 401;" : `auth_request ${AUTH_PATH};`);
  // The balancer's check for backends comes in the content phase, after the rules (access phase): the
  // Node router answers "no processes" only to a request its rules let through.
  const proxied = rules?.maintenance ? null : "proxy_pass http://deis_backends;";
  const content = proxied ?? "try_files /.deis-none @deis_maintenance;";
  // Websockets go to a location of their own (same rules): nginx's read timeout bounds every wait
  // for the backend, and an open websocket may stay quiet far longer than a request's answer.
  const upgrade = proxied === null ? "" : `location @deis_upgrade { ${[...access, content, `proxy_read_timeout ${UPGRADE_TIMEOUT_SECONDS}s; proxy_send_timeout ${UPGRADE_TIMEOUT_SECONDS}s;`].join(" ")} }`;
  lines.push(
    "    error_page 403 @deis_forbidden;",
    "    error_page 401 @deis_unauthorized;",
    "    error_page 502 @deis_bad_gateway;",
    "    error_page 504 @deis_gateway_timeout;",
    // The balancer ends a request it cannot place with 500 (nginx's answer to an exit there), having
    // marked one for an app with no processes: that one gets the "no processes" page.
    "    error_page 500 = @deis_balancer;",
    // A websocket reaches its location through error_page 418: its own errors get their pages too.
    "    recursive_error_pages on;",
    ...(upgrade ? ["    error_page 418 = @deis_upgrade;", `    location / { if ($http_upgrade) { return 418; } ${[...access, content].join(" ")} }`, `    ${upgrade}`] : [`    location / { ${[...access, content].join(" ")} }`]),
  );
  if (rules?.basicAuth && settings.authPort !== null) {
    lines.push(
      `    location = ${AUTH_PATH} {`,
      "      internal;",
      `      proxy_pass http://127.0.0.1:${settings.authPort}/$deis_app;`,
      "      proxy_pass_request_body off;",
      '      proxy_set_header Content-Length "";',
      // Set here, nothing of the http level's proxy_set_header applies. The router finds the app by the
      // path (this server's app), not by Host: an absolute-form request's Host header may name another app.
      "      proxy_set_header Authorization $http_authorization;",
      "    }",
    );
  }
  lines.push(
    pageLocation("forbidden", PAGES.forbidden),
    pageLocation("unauthorized", unauthorizedPage(app.startsWith("$") ? "app" : app)),
    pageLocation("bad_gateway", PAGES.badGateway),
    pageLocation("gateway_timeout", PAGES.gatewayTimeout),
    pageLocation("maintenance", PAGES.maintenance),
    // The "no processes" page: only through the balancer's mark (lua.ts), else the bad-gateway page.
    `    location @deis_balancer { if ($deis_no_backends) { ${pageAnswer(PAGES.noBackends)} } ${pageAnswer(PAGES.badGateway)} }`,
    "  }",
  );
  return lines;
}

/** A named location answering one of the router's pages: same status, body and headers. */
function pageLocation(name: string, page: Page): string {
  return `    location @deis_${name} { ${pageAnswer(page)} }`;
}

/** The directives answering a page. */
function pageAnswer(page: Page): string {
  const headers = Object.entries(page.headers)
    .filter(([header]) => header !== "content-type" && header !== "content-length")
    .map(([header, value]) => `add_header ${header} "${quote(String(value))}" always;`);
  return `${headers.join(" ")} return ${page.status} "${quote(page.body.toString())}";`;
}

/** SNI name -> certificate and key, in pieces (`$deis_crt_0$deis_crt_1...`); the default for the rest. */
function certificateMaps(view: RoutingView, settings: NginxSettings): string[] {
  const fallback = settings.defaultCertificate;
  if (!fallback) throw new Error("the nginx engine needs a default certificate for HTTPS");
  // Only the PEM blocks go in (the controller's parsers accept text around them, which nginx could
  // read as variables); an entry that still holds anything but PEM text is left out (the default serves).
  const entries = view.certificates.flatMap((entry) => {
    const [certificate, key] = [pemBlocks(entry.certificate), pemBlocks(entry.key)];
    return SAFE_NAME_RE.test(entry.name.replace(/^\*\./, "")) && certificate !== null && key !== null ? [{ name: entry.name, certificate, key }] : [];
  });
  const pieces = (text: string) => text.match(new RegExp(`[\\s\\S]{1,${PEM_CHUNK}}`, "g")) ?? [""];
  const lines: string[] = [];
  for (const part of ["certificate", "key"] as const) {
    const count = Math.max(pieces(fallback[part]).length, ...entries.map((entry) => pieces(entry[part]).length));
    const variable = part === "certificate" ? "deis_crt" : "deis_key";
    for (let i = 0; i < count; i++) {
      lines.push(`  map $ssl_server_name $${variable}_${i} {`, `    default "${quote(pieces(fallback[part])[i] ?? "")}";`);
      for (const entry of entries) {
        const key = entry.name.startsWith("*.") ? `"~*^[^.]+\\.${regexEscape(entry.name.slice(2))}$"` : `"${entry.name}"`;
        lines.push(`    ${key} "${quote(pieces(entry[part])[i] ?? "")}";`);
      }
      lines.push("  }");
    }
    const joined = Array.from({ length: count }, (_, i) => `$${variable}_${i}`).join("");
    lines.push(`  ssl_${part === "certificate" ? "certificate" : "certificate_key"} data:${joined};`);
  }
  lines.push("  ssl_protocols TLSv1.2 TLSv1.3;", "  ssl_session_cache shared:deis_ssl:10m;");
  return lines;
}

/** The PEM blocks of `text`, one after the other; null when there is none or one holds more than PEM's characters. */
function pemBlocks(text: string): string | null {
  const blocks = text.match(/-----BEGIN [A-Z0-9 ]{1,64}-----[\s\S]*?-----END [A-Z0-9 ]{1,64}-----/g);
  if (!blocks || blocks.some((block) => !/^[A-Za-z0-9+/=:,\- \r\n]*$/.test(block))) return null;
  return `${blocks.join("\n")}\n`;
}

function listenAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function validCidr(cidr: string): boolean {
  const [address, bits, extra] = cidr.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** Text for a double-quoted nginx parameter; `$` cannot be escaped there, so none may appear. */
function quote(text: string): string {
  if (text.includes("$")) throw new Error("nginx text must not contain '$'");
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
