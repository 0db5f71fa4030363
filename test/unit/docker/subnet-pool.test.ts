import { freeSubnets, parseIpv4Cidr, poolProblem } from "../../../src/modules/docker/subnet-pool";

describe("the platform's subnet pool", () => {
  test("parses IPv4 CIDRs to their first address", () => {
    expect(parseIpv4Cidr("10.213.0.0/16")).toEqual({ start: (10 << 24) + (213 << 16), prefix: 16 });
    expect(parseIpv4Cidr("10.213.7.9/24")).toEqual({ start: (10 << 24) + (213 << 16) + (7 << 8), prefix: 24 });
    expect(parseIpv4Cidr("255.255.255.255/32")?.start).toBe(0xffffffff);
    for (const bad of ["10.213.0.0", "10.213.0.0/33", "fd00::/8", "10.213.0/16", "a.b.c.d/8", "10.256.0.0/16"]) expect(parseIpv4Cidr(bad)).toBeNull();
  });

  test("hands out the pool's subnets in order, skipping any that overlap a taken one", () => {
    const pool = { cidr: "10.213.0.0/24", size: 26 };
    expect([...freeSubnets(pool, [])]).toEqual(["10.213.0.0/26", "10.213.0.64/26", "10.213.0.128/26", "10.213.0.192/26"]);
    // A taken /28 inside the second, a taken /16 elsewhere, a wider one covering the last two.
    expect([...freeSubnets(pool, ["10.213.0.80/28", "172.17.0.0/16", "10.213.0.128/25"])]).toEqual(["10.213.0.0/26"]);
    expect([...freeSubnets(pool, ["10.0.0.0/8"])]).toEqual([]);
    expect(freeSubnets({ cidr: "10.213.0.0/16", size: 26 }, []).next().value).toBe("10.213.0.0/26");
  });

  test("names what is wrong with a pool setting", () => {
    expect(poolProblem({ cidr: "10.213.0.0/16", size: 26 })).toBeNull();
    expect(poolProblem({ cidr: "10.213.0.0", size: 26 })).toMatch(/must be an IPv4 CIDR/);
    expect(poolProblem({ cidr: "10.213.0.0/24", size: 20 })).toMatch(/larger than the pool/);
    expect(poolProblem({ cidr: "10.213.0.0/16", size: 30 })).toMatch(/from 16 to 29/);
  });
});
