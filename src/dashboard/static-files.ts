import { existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";

/**
 * The dashboard's built files (web/ bundled by `npm run build` into dist/web), served at / with a
 * Content-Security-Policy that lets the page load and connect to nothing but this origin.
 */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const WEB_DIR = join(projectRoot(), "dist", "web");
export const ASSET_PREFIX = "/assets/";

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
};

/** Only this origin, by name: `'self'` covers http(s); the WebSocket form of it is named for browsers that need it. */
export function contentSecurityPolicy(req: IncomingMessage): string {
  const host = req.headers.host ?? "";
  const socketOrigin = /^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? ` ${(req.socket as { encrypted?: boolean }).encrypted ? "wss" : "ws"}://${host}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${socketOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function securityHeaders(req: IncomingMessage): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(req),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Deis</title></head>
<body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code>; the API is at <a href="/graphql">/graphql</a>.</p></body></html>`;

/** Serves / (the page) and /assets/* (its scripts and styles); false when the path is neither. */
export function serveDashboardFile(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (path === "/" || path === "/index.html") {
    const page = join(WEB_DIR, "index.html");
    const body = existsSync(page) ? readFileSync(page) : Buffer.from(NOT_BUILT);
    res.writeHead(existsSync(page) ? 200 : 503, { ...securityHeaders(req), "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }
  if (!path.startsWith(ASSET_PREFIX)) return false;
  const name = path.slice(ASSET_PREFIX.length);
  const type = TYPES[/\.[a-z]+$/.exec(name)?.[0] ?? ""];
  // One plain file name: no folders, no dot-files, so nothing outside the build can be named.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) || type === undefined) return false;
  const file = join(WEB_DIR, "assets", name);
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, { ...securityHeaders(req), "content-type": type, "cache-control": "no-cache" });
  res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  return true;
}
