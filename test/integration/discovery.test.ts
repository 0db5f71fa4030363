import { randomBytes } from "node:crypto";
import { type DiscoveryEvent, type DiscoveryStore, openDiscovery } from "../../src/modules/discovery";
import { testEnv } from "../harness/env";
import { scaled } from "../harness/time";

const stores: [string, () => DiscoveryStore][] = [
  ["memory", () => openDiscovery([])],
  ["etcd", () => openDiscovery([testEnv.etcdEndpoints], `/test-${randomBytes(4).toString("hex")}`)],
];

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + scaled(10_000);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(stores)("discovery on %s", (_name, open) => {
  let store: DiscoveryStore;
  beforeAll(() => {
    store = open();
  });
  afterAll(() => store.close());

  test("put, get, prefix reads and deletes", async () => {
    await store.put("/deis/domains/a.example.com", "shop");
    await store.put("/deis/domains/b.example.com", "blog");
    await store.put("/deis/other", "x");
    expect(await store.get("/deis/domains/a.example.com")).toBe("shop");
    expect(await store.get("/deis/domains/none")).toBeNull();
    expect(await store.getPrefix("/deis/domains/")).toEqual(
      new Map([["/deis/domains/a.example.com", "shop"], ["/deis/domains/b.example.com", "blog"]]),
    );
    await store.delete("/deis/domains/a.example.com");
    expect(await store.get("/deis/domains/a.example.com")).toBeNull();
    expect(await store.getPrefix("/deis/domains/")).toEqual(new Map([["/deis/domains/b.example.com", "blog"]]));
    expect(await store.get("/deis/other")).toBe("x");
  });

  test("a prefix watch sees puts and deletes in order", async () => {
    const events: DiscoveryEvent[] = [];
    const watch = await store.watchPrefix("/deis/services/", { onEvent: (event) => events.push(event) });
    await store.put("/deis/services/shop/shop.v2.web.1", "127.0.0.1:4001");
    await store.put("/deis/elsewhere", "ignored");
    await store.delete("/deis/services/shop/shop.v2.web.1");
    await until(() => events.length === 2);
    expect(events).toEqual([
      { type: "put", key: "/deis/services/shop/shop.v2.web.1", value: "127.0.0.1:4001" },
      { type: "delete", key: "/deis/services/shop/shop.v2.web.1", value: null },
    ]);
    await watch.close();
  });

  test("keys under a lease go when it is revoked", async () => {
    const lease = await store.lease(10);
    await lease.put("/deis/services/blog/blog.v1.web.1", "127.0.0.1:4002");
    expect(await store.get("/deis/services/blog/blog.v1.web.1")).toBe("127.0.0.1:4002");
    await lease.revoke();
    expect(await store.get("/deis/services/blog/blog.v1.web.1")).toBeNull();
  });

  test("one leader at a time; the next takes over when it resigns", async () => {
    const first = await store.campaign("reconciler", "one");
    let secondLeads = false;
    const second = store.campaign("reconciler", "two").then((leadership) => {
      secondLeads = true;
      return leadership;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondLeads).toBe(false);
    await first.resign();
    await (await second).resign();
    expect(secondLeads).toBe(true);
  });
});

describe("discovery on etcd: a dead holder's keys", () => {
  test("expire with its lease once it stops renewing", async () => {
    const namespace = `/test-${randomBytes(4).toString("hex")}`;
    const holder = openDiscovery([testEnv.etcdEndpoints], namespace);
    const observer = openDiscovery([testEnv.etcdEndpoints], namespace);
    try {
      const lease = await holder.lease(2);
      await lease.put("/deis/services/gone/gone.v1.web.1", "127.0.0.1:4003");
      expect(await observer.get("/deis/services/gone/gone.v1.web.1")).toBe("127.0.0.1:4003");
      await holder.close();
      const deadline = Date.now() + scaled(10_000);
      while ((await observer.get("/deis/services/gone/gone.v1.web.1")) !== null) {
        if (Date.now() > deadline) throw new Error("the key outlived its lease");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await observer.close();
    }
  });
});
