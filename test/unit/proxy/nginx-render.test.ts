import { appKey, certKey, domainKey, platformKey, serviceKey } from "../../../src/modules/discovery";
import { parseRequestLine } from "../../../src/modules/proxy/nginx/request-line";
import { AUTH_PATH, type NginxSettings, REQUEST_LOG_FIELDS, renderNginxConfig } from "../../../src/modules/proxy/nginx/render";
import { PAGES, unauthorizedPage } from "../../../src/modules/proxy/pages";
import { RouteTable } from "../../../src/modules/proxy/route-table";

const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const DEFAULT = { certificate: pem("CERTIFICATE", "default-cert"), key: pem("PRIVATE KEY", "default-key") };
const SETTINGS: NginxSettings = {
  host: "127.0.0.1",
  port: 8080,
  httpsPort: 8443,
  controlPort: 9999,
  generation: 7,
  controlToken: "0123456789abcdef0123456789abcdef",
  modules: ["/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so"],
  prefix: "/data/router/nginx",
  user: "nobody nogroup",
  workers: 2,
  backendTimeoutSeconds: 30,
  headerTimeoutSeconds: 15,
  authPort: 9998,
  requestLog: "/data/router/nginx/requests.log",
  defaultCertificate: DEFAULT,
};

function table(entries: Record<string, string>): RouteTable {
  const routes = new RouteTable();
  routes.load(new Map(Object.entries(entries)));
  return routes;
}

/** The `server { ... }` block whose server_name line contains `name`. */
function serverFor(config: string, name: string): string {
  const blocks = config.split(/\n  server \{\n/).slice(1).map((block) => block.slice(0, block.indexOf("\n  }\n")));
  const found = blocks.filter((block) => new RegExp(`^ *server_name (.* )?${name.replace(/[.*\\^$]/g, "\\$&")}( |;)`, "m").test(block));
  if (found.length !== 1) throw new Error(`${found.length} servers for ${name}`);
  return found[0];
}

/** What nginx makes of a double-quoted parameter. */
function unquote(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

describe("nginx configuration from the route table", () => {
  /** Everything but the processes, which a redeploy replaces. */
  const rest = {
    [platformKey("domain")]: "apps.test",
    [domainKey("shop.example.com")]: "shop",
    [domainKey("*.zone.example.org")]: "shop",
    [appKey("shop")]: JSON.stringify({ maintenance: false, allow: [], basicAuth: null }),
    [appKey("locked")]: JSON.stringify({ maintenance: true, allow: ["10.0.0.0/8", "2001:db8::/32"], basicAuth: { username: "u", passwordHash: "scrypt$1$2$3$s$h" } }),
    [appKey("odd")]: JSON.stringify({ maintenance: false, allow: ["10.0.0.0/8", "not-a-cidr"], basicAuth: null }),
    [certKey("shop.example.com")]: JSON.stringify({ certificate: pem("CERTIFICATE", "shop-cert"), key: pem("PRIVATE KEY", "shop-key") }),
    [certKey("*.zone.example.org")]: JSON.stringify({ certificate: pem("CERTIFICATE", "x".repeat(4000)), key: pem("PRIVATE KEY", "zone-key") }),
  };
  const routes = table({
    ...rest,
    [serviceKey("shop", "shop.v1.web.2")]: "127.0.0.1:5002",
    [serviceKey("shop", "shop.v1.web.1")]: "127.0.0.1:5001",
  });
  const config = renderNginxConfig(routes.routingView(), SETTINGS);

  test("an empty table renders (the variables the log format names are declared anyway)", () => {
    const empty = renderNginxConfig(new RouteTable().routingView(), SETTINGS);
    expect(empty).toContain('set $deis_app "";');
    expect(empty.match(/^ *upstream /gm)).toEqual(["  upstream "]); // the balancer's, for every app
  });

  test("is pure: the same table and settings render the same text", () => {
    expect(renderNginxConfig(routes.routingView(), SETTINGS)).toBe(config);
    expect(renderNginxConfig(routes.routingView(), { ...SETTINGS, generation: 8 })).not.toBe(config);
  });

  test("backends are not in the configuration: a redeploy or a scale renders the same text (no reload)", () => {
    const moved = table({ ...rest, [serviceKey("shop", "shop.v2.web.1")]: "127.0.0.1:6001" });
    expect(renderNginxConfig(moved.routingView(), SETTINGS)).toBe(config);
    expect(config).not.toContain("5001");
  });

  test("the Lua balancer: modules loaded first, one dictionary, updates on the control port behind the token", () => {
    expect(config.split("\n").slice(0, 2)).toEqual(SETTINGS.modules.map((module) => `load_module ${module};`));
    expect(config).toContain("lua_shared_dict deis_backends 16m;");
    expect(config).toMatch(/upstream deis_backends \{\n *server 0\.0\.0\.1;\n *balancer_by_lua_block \{ deis_router\.balance\(\) \}\n *keepalive 64;/);
    expect(config).toContain('ngx.var.http_x_deis_router_token ~= "0123456789abcdef0123456789abcdef"');
    expect(config).toMatch(/listen 127\.0\.0\.1:9999;\n.*\n *location = \/backends \{[^\n]*content_by_lua_block \{ deis_router\.update\(\) \}/);
    expect(() => renderNginxConfig(routes.routingView(), { ...SETTINGS, controlToken: 'x"; os.exit()' })).toThrow(/hex/);
  });

  test("one server per app: platform name, exact domains, wildcard domains as one-label regexes; its backends by the balancer", () => {
    const shop = serverFor(config, "shop.apps.test");
    expect(shop).toContain('server_name shop.apps.test "~^[^.]+\\.zone\\.example\\.org$" shop.example.com;');
    expect(shop).toContain('set $deis_app "shop";');
    expect(shop).toMatch(/listen 127\.0\.0\.1:8080;\n *listen 127\.0\.0\.1:8443 ssl;/);
    const proxied = "proxy_pass http://deis_backends;";
    // Websockets by a location of their own with the same rules and a longer wait for the backend.
    expect(shop).toContain(`location / { if ($http_upgrade) { return 418; } ${proxied} }`);
    expect(shop).toContain(`location @deis_upgrade { ${proxied} proxy_read_timeout 3600s;`);
    expect(config).toContain("proxy_read_timeout 30s;");
  });

  test("an app with no processes answers the 503 page; unknown hosts the 404 page and /healthz", () => {
    const locked = serverFor(config, "locked.apps.test");
    expect(locked).not.toContain("proxy_pass http://deis_backends");
    // The balancer marks an app with no backends and ends the request (lua.ts); the error page for
    // that answers the "no processes" page, for that mark only.
    expect(config).toContain('ngx.var.deis_no_backends = "1"');
    const shop = serverFor(config, "shop.apps.test");
    expect(shop).toContain("error_page 500 = @deis_balancer;");
    const balancerPage = /location @deis_balancer \{ if \(\$deis_no_backends\) \{ (.*?) return (\d{3}) "/.exec(shop);
    expect(balancerPage?.[2]).toBe(String(PAGES.noBackends.status));
    const fallback = serverFor(config, "_");
    expect(fallback).toContain("listen 127.0.0.1:8080 default_server reuseport;");
    expect(fallback).toContain("@deis_not_found");
    expect(fallback).toMatch(/location = \/healthz \{[^}]*return 200 "\{\\"status\\":\\"ok\\"\}";/);
  });

  test("pages keep the Node router's status, body and headers", () => {
    const shop = serverFor(config, "shop.apps.test");
    // A named location's page; the "no processes" page is the balancer's error location's, for its mark.
    const page = (name: string) => {
      const start = name === "no_backends" ? "location @deis_balancer \\{ if \\(\\$deis_no_backends\\) \\{" : `location @deis_${name} \\{`;
      const match = new RegExp(`${start} (.*?) return (\\d{3}) "((?:[^"\\\\]|\\\\.)*)"; \\}`).exec(shop);
      if (!match) throw new Error(`no page ${name}`);
      const headers = Object.fromEntries([...match[1].matchAll(/add_header (\S+) "((?:[^"\\]|\\.)*)" always;/g)].map(([, n, v]) => [n, unquote(v)]));
      return { status: Number(match[2]), body: unquote(match[3]), headers };
    };
    for (const [name, expected] of [
      ["maintenance", PAGES.maintenance],
      ["no_backends", PAGES.noBackends],
      ["bad_gateway", PAGES.badGateway],
      ["gateway_timeout", PAGES.gatewayTimeout],
      ["forbidden", PAGES.forbidden],
      ["unauthorized", unauthorizedPage("shop")],
    ] as const) {
      const { "content-type": type, "content-length": length, ...headers } = expected.headers;
      expect(type).toBe("text/html; charset=utf-8");
      expect(length).toBe(expected.body.length);
      expect(page(name)).toEqual({ status: expected.status, body: expected.body.toString(), headers });
    }
    expect(config).toContain('default_type "text/html; charset=utf-8";');
    expect(config).toMatch(/\n  types \{ \}\n/); // no type by extension: pages are HTML whatever the path
  });

  test("access rules in order: allow-list, basic auth by the router's check, then maintenance", () => {
    const locked = serverFor(config, "locked.apps.test");
    expect(locked).toContain(`location / { allow 10.0.0.0/8; allow 2001:db8::/32; deny all; auth_request ${AUTH_PATH}; try_files /.deis-none @deis_maintenance; }`);
    expect(locked).toMatch(new RegExp(`location = ${AUTH_PATH.replace(".", "\\.")} \\{\\n *internal;\\n *proxy_pass http://127\\.0\\.0\\.1:9998/`));
    // The router finds the app by the path (this server's app), never by the client's Host header.
    expect(locked).toMatch(/location = \/\.deis-router-auth \{[^}]*proxy_pass http:\/\/127\.0\.0\.1:9998\/\$deis_app;[^}]*proxy_set_header Authorization \$http_authorization;/);
    expect(locked).not.toMatch(/location = \/\.deis-router-auth \{[^}]*\$http_host/);
    // Rules the router cannot read fail closed (maintenance), as on the Node router.
    expect(serverFor(config, "odd.apps.test")).toContain("location / { try_files /.deis-none @deis_maintenance; }");
    // A list nginx cannot read in full denies everyone rather than letting anyone through.
    const view = routes.routingView();
    const odd = { ...view, apps: view.apps.map((app) => (app.name === "odd" ? { ...app, rules: { maintenance: false, allow: ["10.0.0.0/8", "10.0.0.0/99"], basicAuth: null } } : app)) };
    expect(serverFor(renderNginxConfig(odd, SETTINGS), "odd.apps.test")).toContain("location / { if ($http_upgrade) { return 418; } deny all; proxy_pass http://deis_backends; }");
    expect(renderNginxConfig(routes.routingView(), { ...SETTINGS, authPort: null })).toContain("deny all; return 401;");
  });

  test("certificates by SNI name (exact, one-label wildcard), the default for the rest, in pieces nginx can read", () => {
    expect(config).toContain("ssl_certificate data:$deis_crt_0$deis_crt_1$deis_crt_2;");
    expect(config).toContain("ssl_certificate_key data:$deis_key_0;");
    const pieces = (variable: string, key: string) =>
      [0, 1, 2]
        .map((i) => new RegExp(`map \\$ssl_server_name \\$${variable}_${i} \\{[^}]*?\\n *${key.replace(/[.*\\^$[\]+]/g, "\\$&")} "((?:[^"\\\\]|\\\\.)*)";`).exec(config)?.[1] ?? "")
        .map(unquote)
        .join("");
    expect(pieces("deis_crt", '"shop.example.com"')).toBe(pem("CERTIFICATE", "shop-cert"));
    expect(pieces("deis_crt", '"~*^[^.]+\\.zone\\.example\\.org$"')).toBe(pem("CERTIFICATE", "x".repeat(4000)));
    expect(pieces("deis_crt", "default")).toBe(DEFAULT.certificate);
    for (const line of config.split("\n")) expect(line.length).toBeLessThan(4000);
    // No HTTPS port: no TLS at all.
    expect(renderNginxConfig(routes.routingView(), { ...SETTINGS, httpsPort: null })).not.toMatch(/ssl/);
  });

  test("certificates: only their PEM blocks go in (text around them could be nginx syntax or variables); one with more than PEM text is left out; the rest render", () => {
    // The controller's PEM parsers accept text before and after the block: a tenant's upload must not stop the router for all.
    const hostile = [
      `Bag Attributes $ssl_server_name\n${pem("CERTIFICATE", "evil-cert")}`,
      `${pem("CERTIFICATE", "evil-cert")}"; } server { listen 1; } #`,
      `x\u0000${pem("CERTIFICATE", "evil-cert")}`,
    ];
    for (const certificate of hostile) {
      const routes = table({
        [platformKey("domain")]: "apps.test",
        [certKey("shop.example.com")]: JSON.stringify({ certificate: pem("CERTIFICATE", "shop-cert"), key: pem("PRIVATE KEY", "shop-key") }),
        [certKey("evil.example.com")]: JSON.stringify({ certificate, key: pem("PRIVATE KEY", "evil-key") }),
        [certKey("evil2.example.com")]: JSON.stringify({ certificate: pem("CERTIFICATE", "evil2-cert"), key: `${pem("PRIVATE KEY", "evil2-key")}$x` }),
      });
      const rendered = renderNginxConfig(routes.routingView(), SETTINGS);
      expect(rendered).toContain('"shop.example.com"');
      // The PEM block alone goes in: none of the text around it.
      expect(rendered).toContain(`"evil.example.com" "${pem("CERTIFICATE", "evil-cert").replace(/\n/g, "\\n")}";`);
      for (const text of ["Bag Attributes", "$ssl_server_name\\n", "listen 1;", "$x", "\u0000"]) expect(rendered).not.toContain(text);
      // A block with more than PEM's characters leaves its name out (the default certificate serves it).
      const broken = table({ [certKey("bad.example.com")]: JSON.stringify({ certificate: pem("CERTIFICATE", "a$b"), key: pem("PRIVATE KEY", "k") }) });
      expect(renderNginxConfig(broken.routingView(), SETTINGS)).not.toContain("bad.example.com");
    }
  });

  test("names on the platform domain: any valid one before the controller lists apps (503), only listed apps after", () => {
    const unlisted = table({ [platformKey("domain")]: "apps.test", [serviceKey("ghost", "ghost.v1.web.1")]: "127.0.0.1:5003" });
    const before = renderNginxConfig(unlisted.routingView(), SETTINGS);
    expect(before).toContain("server_name ghost.apps.test;");
    expect(before).toMatch(/server_name "~\^\(\?!\(\?:[a-z|]*router[a-z|]*\)\\\.\)\(\?<deis_name>/);
    unlisted.apply({ type: "put", key: platformKey("apps-listed"), value: "true" });
    const after = renderNginxConfig(unlisted.routingView(), SETTINGS);
    expect(after).not.toContain("ghost.apps.test");
    expect(after).not.toContain("deis_name");
  });

  test("runs as the given user, files under the prefix, request lines to a buffered file", () => {
    expect(config.split("\n")[SETTINGS.modules.length]).toBe("user nobody nogroup;");
    expect(config).toContain("pid /data/router/nginx/nginx.pid;");
    expect(config).toContain("access_log /data/router/nginx/requests.log deis_request buffer=64k flush=100ms;");
    expect(config).toContain("listen 127.0.0.1:9999;");
    expect(config).toContain('return 200 "7";');
    const quiet = renderNginxConfig(routes.routingView(), { ...SETTINGS, requestLog: null, user: null });
    expect(quiet).not.toMatch(/log_format|access_log \//);
    expect(quiet).not.toMatch(/^user /m);
  });

  test("nginx's request lines read back as the Node router's entries", () => {
    expect(config).toContain(`log_format deis_request '${REQUEST_LOG_FIELDS.join("\t")}';`);
    const line = ["shop", "200", "0.003", "GET", "shop.apps.test:8080", "req-1", "127.0.0.1:5001, 127.0.0.1:5002", "127.0.0.1", "/a?b=\\x22c\\x22"].join("\t");
    expect(parseRequestLine(line)).toEqual({
      app: "shop", method: "GET", path: '/a?b="c"', status: 200, durationMs: 3, host: "shop.apps.test:8080",
      requestId: "req-1", backend: "127.0.0.1:5002", clientAddress: "127.0.0.1",
    });
    expect(parseRequestLine(line.replace("127.0.0.1:5001, 127.0.0.1:5002", "-"))?.backend).toBeNull();
    expect(parseRequestLine("not a request line")).toBeNull();
  });
});
