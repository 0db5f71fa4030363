import { clientAddressKey } from "../../../src/modules/controller/services/client-address";

describe("the client address failed logins count on", () => {
  test.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.2", "127.0.0.2"],
    ["::FFFF:10.1.2.3", "10.1.2.3"],
    [null, "unknown"],
    ["", "unknown"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::1", "2001:db8:1:2::/64"],
    ["[2001:db8::1]", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("%s counts as %s", (address, key) => {
    expect(clientAddressKey(address)).toBe(key);
  });

  test("every address in one IPv6 /64 shares one count; the next /64 has its own", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const host = Array.from({ length: 4 }, () => Math.floor(Math.random() * 0x10000).toString(16)).join(":");
      keys.add(clientAddressKey(`2001:db8:aa:bb:${host}`));
    }
    expect([...keys]).toEqual(["2001:db8:aa:bb::/64"]);
    expect(clientAddressKey("2001:db8:aa:bc::1")).not.toBe("2001:db8:aa:bb::/64");
  });
});
