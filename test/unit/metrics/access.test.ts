import { metricsRefusal } from "../../../src/modules/metrics";
import { ConfigError, loadConfig } from "../../../src/core/config";

describe("who may read /metrics", () => {
  const loopback = { mode: "loopback", token: null } as const;
  const token = { mode: "token", token: "s3cret-metrics-token" } as const;

  test.each(["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])("loopback mode lets %s in", (address) => {
    expect(metricsRefusal(loopback, address, undefined)).toBeNull();
  });

  test.each(["10.0.0.5", "172.17.0.1", "192.168.1.2", "::ffff:10.0.0.5", "fe80::1", "128.0.0.1", undefined])("loopback mode refuses %s with 403", (address) => {
    expect(metricsRefusal(loopback, address, undefined)).toMatchObject({ status: 403 });
  });

  test("token mode asks every client for the token, loopback ones too", () => {
    expect(metricsRefusal(token, "127.0.0.1", undefined)).toMatchObject({ status: 401 });
    expect(metricsRefusal(token, "127.0.0.1", "Bearer wrong-token-of-same-len")).toMatchObject({ status: 401 });
    expect(metricsRefusal(token, "127.0.0.1", "Basic czNjcmV0LW1ldHJpY3MtdG9rZW4=")).toMatchObject({ status: 401 });
    expect(metricsRefusal(token, "10.0.0.5", "Bearer s3cret-metrics-token")).toBeNull();
  });

  test("off refuses everyone", () => {
    expect(metricsRefusal({ mode: "off", token: "s3cret-metrics-token" }, "127.0.0.1", "Bearer s3cret-metrics-token")).toMatchObject({ status: 404 });
  });

  test("configuration: token mode when a token is set, a named error when token mode has none or it is short", () => {
    expect(loadConfig({})).toMatchObject({ metrics: "loopback", metricsToken: null, processMetricsSeconds: 5 });
    expect(loadConfig({ DEIS_METRICS_TOKEN: "s3cret-metrics-token" })).toMatchObject({ metrics: "token", metricsToken: "s3cret-metrics-token" });
    expect(loadConfig({ DEIS_METRICS: "off" })).toMatchObject({ metrics: "off" });
    expect(() => loadConfig({ DEIS_METRICS: "token" })).toThrow(new ConfigError("DEIS_METRICS_TOKEN", "must be set when DEIS_METRICS is token"));
    expect(() => loadConfig({ DEIS_METRICS_TOKEN: "short" })).toThrow(ConfigError);
    expect(() => loadConfig({ DEIS_METRICS: "public" })).toThrow(/DEIS_METRICS: must be one of loopback, token, off/);
    expect(() => loadConfig({ DEIS_PROCESS_METRICS_SECONDS: "0" })).toThrow(/DEIS_PROCESS_METRICS_SECONDS/);
  });
});
