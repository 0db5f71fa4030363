import { useState } from "preact/hooks";
import { api } from "../api";
import type { DashConfigQuery } from "../generated";
import { FieldError, Section, useAction, useQuery } from "../ui";

type Config = DashConfigQuery["config"];

/**
 * An app's limits (memory and cpu per process type), healthchecks and tags: each change makes a
 * release. Reloads on the app's events (`tick`), so a change from the CLI or another browser shows.
 */
export function Resources({ app, tick, types }: { app: string; tick: number; types: string[] }) {
  const config = useQuery(() => api.DashConfig({ app }), [app, tick]);
  const data = config.data?.config ?? null;
  // Process types of the app's structure, and any that only have settings so far.
  const known = [...new Set([...types, ...(data?.limits.map((l) => l.type) ?? []), ...(data?.healthchecks.map((h) => h.type) ?? [])])];
  return (
    <>
      <Limits app={app} config={data} types={known} reload={config.reload} />
      <Healthchecks app={app} config={data} types={known} reload={config.reload} />
      <Tags app={app} config={data} reload={config.reload} />
    </>
  );
}

function Limits({ app, config, types, reload }: { app: string; config: Config | null; types: string[]; reload: () => void }) {
  const [type, setType] = useState("web");
  const [memory, setMemory] = useState("");
  const [cpu, setCpu] = useState("");
  const save = useAction(async () => {
    const t = type.trim();
    await api.DashSetLimits({ app, memory: memory.trim() ? [{ type: t, value: memory.trim() }] : [], cpu: cpu.trim() ? [{ type: t, value: cpu.trim() }] : [] });
    setMemory("");
    setCpu("");
    reload();
  });
  const unset = useAction(async (t: string, kind: "memory" | "cpu") => {
    await api.DashSetLimits({ app, memory: kind === "memory" ? [{ type: t, value: null }] : [], cpu: kind === "cpu" ? [{ type: t, value: null }] : [] });
    reload();
  });
  const limits = config?.limits ?? [];
  return (
    <Section title="Limits" id="limits">
      {limits.length === 0 ? (
        <p class="muted">No limits: processes get the platform's default memory limit.</p>
      ) : (
        <ul aria-label="Limits">
          {limits.map((l) => (
            <li key={l.type} data-limit={l.type}>
              <code>{l.type}</code> memory {l.memory ?? "default"}, cpu {l.cpu ?? "unlimited"}{" "}
              {l.memory && (
                <button type="button" disabled={unset.busy} onClick={() => void unset.run(l.type, "memory")}>
                  Remove {l.type} memory limit
                </button>
              )}{" "}
              {l.cpu && (
                <button type="button" disabled={unset.busy} onClick={() => void unset.run(l.type, "cpu")}>
                  Remove {l.type} cpu limit
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TypeInput label="Limit process type" value={type} types={types} onInput={setType} />
        <label>
          Memory (e.g. 512M)
          <input name="memory" value={memory} onInput={(e) => setMemory(e.currentTarget.value)} placeholder="512M" autocomplete="off" />
          <FieldError error={save.error} field={`memory.${type.trim()}`} />
        </label>
        <label>
          CPU (e.g. 500m)
          <input name="cpu" value={cpu} onInput={(e) => setCpu(e.currentTarget.value)} placeholder="500m" autocomplete="off" />
          <FieldError error={save.error} field={`cpu.${type.trim()}`} />
        </label>
        <button type="submit" disabled={save.busy || (!memory.trim() && !cpu.trim())}>
          Set limits
        </button>
      </form>
      <FieldError error={save.error} field="memory[0].type" />
      <FieldError error={save.error} field="cpu[0].type" />
      <FieldError error={save.error} field={null} fields={[`memory.${type.trim()}`, `cpu.${type.trim()}`, "memory[0].type", "cpu[0].type"]} />
      <FieldError error={unset.error} field={null} />
    </Section>
  );
}

function TypeInput({ label, value, types, onInput }: { label: string; value: string; types: string[]; onInput: (value: string) => void }) {
  const list = `${label.replace(/\W+/g, "-").toLowerCase()}-types`;
  return (
    <label>
      {label}
      <input name="type" value={value} list={list} onInput={(e) => onInput(e.currentTarget.value)} autocomplete="off" required />
      <datalist id={list}>
        {types.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
    </label>
  );
}

function Healthchecks({ app, config, types, reload }: { app: string; config: Config | null; types: string[]; reload: () => void }) {
  const [type, setType] = useState("web");
  const [path, setPath] = useState("");
  const [period, setPeriod] = useState("");
  const save = useAction(async () => {
    const periodSeconds = period.trim() === "" ? undefined : Number(period);
    await api.DashSetHealthcheck({ app, type: type.trim(), healthcheck: { path: path.trim() || null, periodSeconds } });
    setPath("");
    setPeriod("");
    reload();
  });
  const unset = useAction(async (t: string) => {
    await api.DashUnsetHealthcheck({ app, type: t });
    reload();
  });
  const checks = config?.healthchecks ?? [];
  return (
    <Section title="Healthchecks" id="healthchecks">
      {checks.length === 0 ? (
        <p class="muted">No healthchecks: a process counts as up once it runs.</p>
      ) : (
        <ul aria-label="Healthchecks">
          {checks.map((h) => (
            <li key={h.type} data-healthcheck={h.type}>
              <code>{h.type}</code> {h.path ? `GET ${h.path}` : "TCP connect"} every {h.periodSeconds}s{" "}
              <button type="button" disabled={unset.busy} onClick={() => void unset.run(h.type)}>
                Remove {h.type} healthcheck
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TypeInput label="Healthcheck process type" value={type} types={types} onInput={setType} />
        <label>
          Path (empty: a TCP connect)
          <input name="path" value={path} onInput={(e) => setPath(e.currentTarget.value)} placeholder="/healthz" autocomplete="off" />
          <FieldError error={save.error} field="path" />
        </label>
        <label>
          Every (seconds)
          <input name="periodSeconds" type="number" min={1} value={period} onInput={(e) => setPeriod(e.currentTarget.value)} placeholder="2" />
          <FieldError error={save.error} field="periodSeconds" />
        </label>
        <button type="submit" disabled={save.busy}>
          Set healthcheck
        </button>
      </form>
      <FieldError error={save.error} field="type" />
      <FieldError error={save.error} field={null} fields={["path", "periodSeconds", "type"]} />
      <FieldError error={unset.error} field={null} />
    </Section>
  );
}

function Tags({ app, config, reload }: { app: string; config: Config | null; reload: () => void }) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const save = useAction(async () => {
    await api.DashSetTags({ app, tags: [{ key: key.trim(), value }] });
    setKey("");
    setValue("");
    reload();
  });
  const unset = useAction(async (k: string) => {
    await api.DashSetTags({ app, tags: [{ key: k, value: null }] });
    reload();
  });
  const tags = config?.tags ?? [];
  return (
    <Section title="Tags" id="tags">
      {tags.length === 0 ? (
        <p class="muted">No tags: processes may run on any host.</p>
      ) : (
        <ul aria-label="Tags">
          {tags.map((t) => (
            <li key={t.key} data-tag={t.key}>
              <code>
                {t.key}={t.value}
              </code>{" "}
              <button type="button" disabled={unset.busy} onClick={() => void unset.run(t.key)}>
                Remove tag {t.key}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <label>
          Tag key
          <input name="tag-key" value={key} onInput={(e) => setKey(e.currentTarget.value)} autocomplete="off" required />
          <FieldError error={save.error} field="tags[0].key" />
        </label>
        <label>
          Tag value
          <input name="tag-value" value={value} onInput={(e) => setValue(e.currentTarget.value)} autocomplete="off" required />
          <FieldError error={save.error} field={`tags.${key.trim()}`} />
        </label>
        <button type="submit" disabled={save.busy}>
          Set tag
        </button>
      </form>
      <FieldError error={save.error} field={null} fields={["tags[0].key", `tags.${key.trim()}`]} />
      <FieldError error={unset.error} field={null} />
    </Section>
  );
}
