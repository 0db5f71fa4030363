import { certKey, domainKey, platformKey, serviceKey } from "../../../src/modules/discovery";
import { RouteTable, hostName, parseBackend } from "../../../src/modules/proxy/route-table";
import { formatRequestLine } from "../../../src/modules/proxy";

function table(entries: [string, string][]): RouteTable {
  const routes = new RouteTable();
  routes.load(new Map(entries));
  return routes;
}

const put = (key: string, value: string) => ({ type: "put" as const, key, value });
const del = (key: string) => ({ type: "delete" as const, key, value: null });

describe("route table", () => {
  test("parses backends and Host headers", () => {
    expect(parseBackend("web.1", "127.0.0.1:4001")).toEqual({
      container: "web.1",
      host: "127.0.0.1",
      port: 4001,
      address: "127.0.0.1:4001",
      origin: "http://127.0.0.1:4001",
    });
    expect(parseBackend("web.1", "[::1]:80")).toMatchObject({ host: "::1", port: 80, origin: "http://[::1]:80" });
    for (const bad of ["", "127.0.0.1", ":80", "host:0", "host:70000", "host:8o"]) expect(parseBackend("w", bad)).toBeNull();
    expect(hostName("Shop.Example.COM:8080")).toBe("shop.example.com");
    expect(hostName("shop.example.com.")).toBe("shop.example.com");
    expect(hostName("[::1]:8080")).toBe("::1");
  });

  test("resolves exact custom domains, then one-label wildcards, then <app>.<platform-domain>", () => {
    const routes = table([
      [platformKey("domain"), "apps.test"],
      [domainKey("www.example.com"), "shop"],
      [domainKey("*.example.com"), "wild"],
      [serviceKey("shop", "shop.v1.web.1"), "127.0.0.1:4001"],
    ]);
    expect(routes.resolve("www.example.com")?.name).toBe("shop");
    expect(routes.resolve("WWW.example.com:80")?.name).toBe("shop");
    expect(routes.resolve("blog.example.com")?.name).toBe("wild");
    expect(routes.resolve("a.b.example.com")).toBeNull();
    expect(routes.resolve("example.com")).toBeNull();
    expect(routes.resolve("shop.apps.test")?.backends.map((b) => b.address)).toEqual(["127.0.0.1:4001"]);
    // An app name on the platform domain with no backends is still that app (503, not 404).
    expect(routes.resolve("other.apps.test")).toMatchObject({ name: "other", backends: [] });
    for (const unknown of ["apps.test", "a.b.apps.test", "deis.apps.test", "-x.apps.test", "elsewhere.test", "", undefined]) {
      expect(routes.resolve(unknown)).toBeNull();
    }
  });

  test("without a platform domain only custom domains route", () => {
    const routes = table([[serviceKey("shop", "web.1"), "127.0.0.1:4001"], [domainKey("shop.example.com"), "shop"]]);
    expect(routes.resolve("shop.localhost")).toBeNull();
    expect(routes.resolve("shop.example.com")?.backends).toHaveLength(1);
    routes.apply(put(platformKey("domain"), "localhost"));
    expect(routes.resolve("shop.localhost")?.backends).toHaveLength(1);
  });

  test("round robin over backends sorted by container; the cursor survives changes", () => {
    const routes = table([
      [platformKey("domain"), "apps.test"],
      [serviceKey("rr", "rr.v1.web.3"), "127.0.0.1:3"],
      [serviceKey("rr", "rr.v1.web.1"), "127.0.0.1:1"],
      [serviceKey("rr", "rr.v1.web.2"), "127.0.0.1:2"],
    ]);
    const route = routes.resolve("rr.apps.test")!;
    const picks = Array.from({ length: 6 }, () => route.backends[route.nextIndex()].port);
    expect(picks).toEqual([1, 2, 3, 1, 2, 3]);
    routes.apply(del(serviceKey("rr", "rr.v1.web.2")));
    expect(routes.resolve("rr.apps.test")).toBe(route);
    const after = Array.from({ length: 4 }, () => route.backends[route.nextIndex()].port);
    expect([after[0], after[1]].sort()).toEqual([1, 3]);
    expect(after.slice(2)).toEqual(after.slice(0, 2));
  });

  test("follows puts and deletes; an app with no backends and no domain is forgotten", () => {
    const routes = table([[platformKey("domain"), "apps.test"]]);
    const placeholder = routes.resolve("late.apps.test");
    expect(placeholder?.backends).toEqual([]);
    routes.apply(put(serviceKey("late", "late.v1.web.1"), "127.0.0.1:5000"));
    expect(routes.resolve("late.apps.test")?.backends).toHaveLength(1);
    routes.apply(put(serviceKey("late", "late.v1.web.1"), "not-an-address"));
    expect(routes.resolve("late.apps.test")?.backends).toEqual([]);
    expect(routes.describe().apps).toEqual({});

    routes.apply(put(domainKey("late.example.com"), "late"));
    routes.apply(put(serviceKey("late", "late.v2.web.1"), "127.0.0.1:5001"));
    expect(routes.resolve("late.example.com")?.backends).toHaveLength(1);
    routes.apply(put(domainKey("late.example.com"), "other"));
    expect(routes.resolve("late.example.com")?.name).toBe("other");
    routes.apply(del(domainKey("late.example.com")));
    expect(routes.resolve("late.example.com")).toBeNull();
    expect(routes.describe()).toEqual({ platformDomain: "apps.test", apps: { late: ["127.0.0.1:5001"] }, domains: {} });
  });

  test("a snapshot replaces everything but keeps each app's cursor", () => {
    const routes = table([
      [platformKey("domain"), "apps.test"],
      [serviceKey("a", "a.1"), "127.0.0.1:1"],
      [serviceKey("a", "a.2"), "127.0.0.1:2"],
      [serviceKey("gone", "gone.1"), "127.0.0.1:9"],
    ]);
    const route = routes.resolve("a.apps.test")!;
    route.nextIndex();
    routes.load(new Map([[platformKey("domain"), "apps.test"], [serviceKey("a", "a.1"), "127.0.0.1:1"], [serviceKey("a", "a.2"), "127.0.0.1:2"]]));
    expect(routes.resolve("a.apps.test")).toBe(route);
    expect(route.backends[route.nextIndex()].port).toBe(2);
    expect(routes.describe().apps).toEqual({ a: ["127.0.0.1:1", "127.0.0.1:2"] });
  });

  test("certificates by server name, exact then wildcard; bad JSON is ignored", () => {
    const exact = { certificate: "EXACT", key: "K1" };
    const wild = { certificate: "WILD", key: "K2" };
    const routes = table([
      [certKey("www.example.com"), JSON.stringify(exact)],
      [certKey("*.example.com"), JSON.stringify(wild)],
      [certKey("broken.example.org"), "{not json"],
    ]);
    expect(routes.certificateFor("www.example.com")).toEqual(exact);
    expect(routes.certificateFor("WWW.example.com")).toEqual(exact);
    expect(routes.certificateFor("shop.example.com")).toEqual(wild);
    expect(routes.certificateFor("a.shop.example.com")).toBeNull();
    expect(routes.certificateFor("broken.example.org")).toBeNull();
    routes.apply(del(certKey("*.example.com")));
    expect(routes.certificateFor("shop.example.com")).toBeNull();
  });

  test("the request log line", () => {
    const entry = {
      app: "shop",
      method: "GET",
      path: "/cart?x=1",
      status: 200,
      durationMs: 2.6,
      host: "shop.apps.test",
      requestId: "r1",
      backend: "127.0.0.1:4001",
      clientAddress: "127.0.0.1",
    };
    expect(formatRequestLine(entry)).toBe("shop[router]: GET /cart?x=1 200 3ms");
    expect(formatRequestLine({ ...entry, method: "POST", path: "/", status: 503, durationMs: 0.2 })).toBe("shop[router]: POST / 503 0ms");
  });
});
