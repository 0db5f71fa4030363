import { useState } from "preact/hooks";
import { api } from "../api";
import type { DashConfigQuery } from "../generated";
import { FieldError, Section, SubmitForm, TextField, useAction, useQuery } from "../ui";

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
      <SubmitForm action={save} submit={save.run} label="Set limits" disabled={!memory.trim() && !cpu.trim()} fields={[`memory.${type.trim()}`, `cpu.${type.trim()}`, "memory[0].type", "cpu[0].type"]}>
        <TypeInput label="Limit process type" value={type} types={types} onInput={setType} />
        <TextField label="Memory (e.g. 512M)" name="memory" field={`memory.${type.trim()}`} value={memory} onInput={setMemory} error={save.error} placeholder="512M" autocomplete="off" />
        <TextField label="CPU (e.g. 500m)" name="cpu" field={`cpu.${type.trim()}`} value={cpu} onInput={setCpu} error={save.error} placeholder="500m" autocomplete="off" />
      </SubmitForm>
      <FieldError error={save.error} field="memory[0].type" />
      <FieldError error={save.error} field="cpu[0].type" />
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
      <SubmitForm action={save} submit={save.run} label="Set healthcheck" fields={["path", "periodSeconds", "type"]}>
        <TypeInput label="Healthcheck process type" value={type} types={types} onInput={setType} />
        <TextField label="Path (empty: a TCP connect)" name="path" value={path} onInput={setPath} error={save.error} placeholder="/healthz" autocomplete="off" />
        <TextField label="Every (seconds)" name="periodSeconds" type="number" min={1} value={period} onInput={setPeriod} error={save.error} placeholder="2" />
      </SubmitForm>
      <FieldError error={save.error} field="type" />
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
      <SubmitForm action={save} submit={save.run} label="Set tag" fields={["tags[0].key", `tags.${key.trim()}`]}>
        <TextField label="Tag key" name="tag-key" field="tags[0].key" value={key} onInput={setKey} error={save.error} autocomplete="off" required />
        <TextField label="Tag value" name="tag-value" field={`tags.${key.trim()}`} value={value} onInput={setValue} error={save.error} autocomplete="off" required />
      </SubmitForm>
      <FieldError error={unset.error} field={null} />
    </Section>
  );
}
