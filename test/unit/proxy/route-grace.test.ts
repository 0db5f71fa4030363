import { RETIRED_ROUTE, platformKey, serviceKey } from "../../../src/modules/discovery";
import { RouteTable } from "../../../src/modules/proxy/route-table";

const put = (key: string, value: string) => ({ type: "put" as const, key, value });
const del = (key: string) => ({ type: "delete" as const, key, value: null });

/** A table with a 2 s grace for routes whose lease ended, and two backends of app `a`. */
function graced(): RouteTable {
  const routes = new RouteTable(2_000);
  routes.load(
    new Map([
      [platformKey("domain"), "apps.test"],
      [serviceKey("a", "a.v1.web.1"), "127.0.0.1:1"],
      [serviceKey("a", "a.v1.web.2"), "127.0.0.1:2"],
    ]),
    0,
  );
  return routes;
}

describe("route table: routes whose lease ended", () => {
  test("a delete without a retirement keeps the route until its grace ends", () => {
    const routes = graced();
    routes.apply(del(serviceKey("a", "a.v1.web.1")), 1_000);
    expect(routes.describe().apps.a).toEqual(["127.0.0.1:1", "127.0.0.1:2"]);
    expect(routes.orphanKeys()).toEqual([serviceKey("a", "a.v1.web.1")]);
    expect(routes.nextOrphanExpiry()).toBe(3_000);
    expect(routes.expireOrphans(2_999)).toEqual([]);
    expect(routes.expireOrphans(3_000)).toEqual([serviceKey("a", "a.v1.web.1")]);
    expect(routes.describe().apps.a).toEqual(["127.0.0.1:2"]);
    expect(routes.nextOrphanExpiry()).toBeNull();
  });

  test("a put within the grace adopts the route again (its new address wins)", () => {
    const routes = graced();
    routes.apply(del(serviceKey("a", "a.v1.web.1")), 1_000);
    routes.apply(put(serviceKey("a", "a.v1.web.1"), "127.0.0.1:11"), 1_500);
    expect(routes.orphanKeys()).toEqual([]);
    expect(routes.expireOrphans(10_000)).toEqual([]);
    expect(routes.describe().apps.a).toEqual(["127.0.0.1:11", "127.0.0.1:2"]);
  });

  test("a retired route goes at once, and its delete after that changes nothing", () => {
    const routes = graced();
    routes.apply(put(serviceKey("a", "a.v1.web.2"), RETIRED_ROUTE), 1_000);
    expect(routes.describe().apps.a).toEqual(["127.0.0.1:1"]);
    routes.apply(del(serviceKey("a", "a.v1.web.2")), 1_001);
    expect(routes.orphanKeys()).toEqual([]);
    expect(routes.describe().apps.a).toEqual(["127.0.0.1:1"]);
  });

  test("a reload without a route keeps it as an orphan, with the time it first went", () => {
    const routes = graced();
    routes.apply(del(serviceKey("a", "a.v1.web.1")), 1_000);
    routes.load(new Map([[platformKey("domain"), "apps.test"]]), 1_500);
    expect(routes.describe().apps.a).toEqual(["127.0.0.1:1", "127.0.0.1:2"]);
    expect(routes.nextOrphanExpiry()).toBe(3_000);
    expect(routes.expireOrphans(3_000)).toEqual([serviceKey("a", "a.v1.web.1")]);
    expect(routes.expireOrphans(3_500)).toEqual([serviceKey("a", "a.v1.web.2")]);
    expect(routes.describe().apps).toEqual({});
  });

  test("without a grace (the default) a delete removes the route at once", () => {
    const routes = new RouteTable();
    routes.load(new Map([[serviceKey("a", "a.v1.web.1"), "127.0.0.1:1"]]));
    routes.apply(del(serviceKey("a", "a.v1.web.1")));
    expect(routes.describe().apps).toEqual({});
    expect(routes.orphanKeys()).toEqual([]);
  });
});
