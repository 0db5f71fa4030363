import type { IncomingMessage } from "node:http";
import { CidrMatcher } from "../../../src/core/cidr";
import { hashPassword } from "../../../src/modules/controller/services/password";
import { normalizeCidrs, validateBasicAuth } from "../../../src/modules/controller/services/router-rules.service";
import { type AppRouterSettings, appKey, platformKey, serviceKey } from "../../../src/modules/discovery";
import { AppRules, CREDENTIAL_CACHE_MS, parseAppRules } from "../../../src/modules/proxy/app-rules";
import { PAGES } from "../../../src/modules/proxy/pages";
import { RouteTable } from "../../../src/modules/proxy/route-table";

/** A request as the rules see it: the TCP peer's address and the Authorization header. */
function request(address: string, authorization?: string): IncomingMessage {
  return { socket: { remoteAddress: address }, headers: authorization ? { authorization } : {} } as unknown as IncomingMessage;
}
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const settings = (s: Partial<AppRouterSettings>): AppRouterSettings => ({ maintenance: false, allow: [], basicAuth: null, ...s });
const put = (key: string, value: string) => ({ type: "put" as const, key, value });
const del = (key: string) => ({ type: "delete" as const, key, value: null });

describe("CIDR matching", () => {
  test("IPv4 and IPv6 prefixes, bare addresses, IPv4-mapped IPv6 peers", () => {
    const matcher = new CidrMatcher(["10.0.0.0/8", "2001:db8::/32", "::1", "192.0.2.7"]);
    expect(matcher.matches("10.255.1.2")).toBe(true);
    expect(matcher.matches("11.0.0.1")).toBe(false);
    expect(matcher.matches("::ffff:10.1.2.3")).toBe(true); // how a dual-stack socket reports an IPv4 peer
    expect(matcher.matches("2001:db8:ffff::1")).toBe(true);
    expect(matcher.matches("2001:db9::1")).toBe(false);
    expect(matcher.matches("::1")).toBe(true);
    expect(matcher.matches("::2")).toBe(false);
    expect(matcher.matches("192.0.2.7")).toBe(true);
    expect(matcher.matches("192.0.2.8")).toBe(false);
    expect(matcher.matches("not-an-address")).toBe(false);
    expect(new CidrMatcher(["::/0"]).matches("fe80::1")).toBe(true);
    expect(new CidrMatcher(["2001:db8::/32"]).matches("127.0.0.1")).toBe(false);
  });

  test("the controller's rules: CIDRs normalised and deduplicated; bad ones and bad usernames named", () => {
    expect(normalizeCidrs(["10.0.0.0/8", " 127.0.0.1 ", "2001:DB8::/32", "10.0.0.0/8"])).toEqual(["10.0.0.0/8", "127.0.0.1/32", "2001:db8::/32"]);
    for (const bad of ["10.0.0.0/33", "::1/129", "10.0.0/8", "example.com", "", "1.2.3.4/8/1"]) {
      expect(() => normalizeCidrs([bad])).toThrow(expect.objectContaining({ code: "INVALID_INPUT", details: expect.objectContaining({ field: "cidrs" }) }));
    }
    expect(() => normalizeCidrs(Array.from({ length: 101 }, () => "10.0.0.1"))).toThrow(/at most 100/);
    expect(() => validateBasicAuth("a:b", "pw")).toThrow(/username: must not contain ':'/);
    expect(() => validateBasicAuth("", "pw")).toThrow(/username: must not be empty/);
    expect(() => validateBasicAuth("alice", "")).toThrow(/password: must not be empty/);
    expect(() => validateBasicAuth("alice", "pw")).not.toThrow();
  });
});

describe("an app's rules at the router", () => {
  test("allow-list: 403 for an address outside it, through for one inside", () => {
    const rules = new AppRules("shop", settings({ allow: ["10.0.0.0/8", "::1/128"] }));
    expect(rules.check(request("127.0.0.1"))).toBe(PAGES.forbidden);
    expect(rules.check(request("10.1.2.3"))).toBeNull();
    expect(rules.check(request("::1"))).toBeNull();
    expect(rules.check(request("::2"))).toBe(PAGES.forbidden);
  });

  test("maintenance: 503 with Retry-After, after the access rules", () => {
    const rules = new AppRules("shop", settings({ maintenance: true, allow: ["10.0.0.0/8"] }));
    expect(rules.check(request("10.0.0.1"))).toBe(PAGES.maintenance);
    expect(PAGES.maintenance.status).toBe(503);
    expect(PAGES.maintenance.headers["retry-after"]).toMatch(/^\d+$/);
    expect(rules.check(request("127.0.0.1"))).toBe(PAGES.forbidden);
  });

  test("basic auth: 401 with WWW-Authenticate; right credentials pass; scrypt runs once per credential while cached", async () => {
    const rules = new AppRules("shop", settings({ basicAuth: { username: "alice", passwordHash: await hashPassword("s3cret") } }));
    const missing = rules.check(request("127.0.0.1")) as { status: number; headers: Record<string, string> };
    expect(missing.status).toBe(401);
    expect(missing.headers["www-authenticate"]).toBe('Basic realm="shop", charset="UTF-8"');
    const first = rules.check(request("127.0.0.1", basic("alice", "s3cret")), 1_000);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBeNull();
    // Known now: answered at once, without scrypt, until the cache entry ends.
    expect(rules.check(request("127.0.0.1", basic("alice", "s3cret")), 1_000 + CREDENTIAL_CACHE_MS - 1)).toBeNull();
    expect(rules.check(request("127.0.0.1", basic("alice", "s3cret")), 1_000 + CREDENTIAL_CACHE_MS)).toBeInstanceOf(Promise);
    expect((await rules.check(request("127.0.0.1", basic("alice", "wrong")))) as { status: number }).toMatchObject({ status: 401 });
    expect((await rules.check(request("127.0.0.1", basic("bob", "s3cret")))) as { status: number }).toMatchObject({ status: 401 });
    expect(rules.check(request("127.0.0.1", "Bearer abc"))).toMatchObject({ status: 401 });
  });

  test("a key that is not valid settings fails closed (maintenance), never open", () => {
    expect(parseAppRules("shop", "{not json").check(request("127.0.0.1"))).toBe(PAGES.maintenance);
    expect(parseAppRules("shop", JSON.stringify(settings({ allow: ["bad"] }))).check(request("127.0.0.1"))).toBe(PAGES.maintenance);
    expect(parseAppRules("shop", JSON.stringify(settings({}))).open).toBe(true);
  });
});

describe("app keys in the route table", () => {
  test("once apps are listed, a name on the platform domain without a key is 404; an app without processes stays 503", () => {
    const routes = new RouteTable();
    routes.load(new Map([[platformKey("domain"), "apps.test"], [appKey("shop"), JSON.stringify(settings({}))]]));
    // Before the controller lists every app, any name is taken for an app (older controllers).
    expect(routes.resolve("gone.apps.test")).toMatchObject({ name: "gone", backends: [] });
    routes.apply(put(platformKey("apps-listed"), "true"));
    expect(routes.resolve("gone.apps.test")).toBeNull();
    expect(routes.resolve("shop.apps.test")).toMatchObject({ name: "shop", backends: [] });
    routes.apply(put(serviceKey("shop", "shop.v2.web.1"), "127.0.0.1:4001"));
    expect(routes.resolve("shop.apps.test")?.backends).toHaveLength(1);
    // Settings change in place: the same route gets the new rules.
    routes.apply(put(appKey("shop"), JSON.stringify(settings({ maintenance: true }))));
    expect(routes.resolve("shop.apps.test")?.rules?.maintenance).toBe(true);
    // Destroyed: its key goes (and its routes): 404.
    routes.apply(put(serviceKey("shop", "shop.v2.web.1"), "retired"));
    routes.apply(del(appKey("shop")));
    expect(routes.resolve("shop.apps.test")).toBeNull();
    expect(routes.describe().apps).toEqual({});
  });

  test("a reload keeps the rules of apps still listed and forgets the rest", () => {
    const routes = new RouteTable();
    const listed: [string, string][] = [[platformKey("domain"), "apps.test"], [platformKey("apps-listed"), "true"]];
    routes.load(new Map([...listed, [appKey("a"), JSON.stringify(settings({ maintenance: true }))], [appKey("b"), JSON.stringify(settings({}))]]));
    expect(routes.resolve("a.apps.test")?.rules?.maintenance).toBe(true);
    routes.load(new Map([...listed, [appKey("a"), JSON.stringify(settings({}))]]));
    expect(routes.resolve("a.apps.test")?.rules?.maintenance).toBe(false);
    expect(routes.resolve("b.apps.test")).toBeNull();
  });
});
