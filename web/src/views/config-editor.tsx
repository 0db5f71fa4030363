import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { DashConfigQuery } from "../generated";
import { FieldError, Section, useAction, useQuery } from "../ui";

interface Row {
  key: string;
  value: string;
  original: string | null;
  unset: boolean;
  shown: boolean;
}

function rowsOf(config: DashConfigQuery["config"] | undefined): Row[] {
  return (config?.values ?? []).map((v) => ({ key: v.key, value: v.value, original: v.value, unset: false, shown: false }));
}

export function ConfigEditor({ app, tick }: { app: string; tick: number }) {
  const config = useQuery(() => api.DashConfig({ app }), [app, tick]);
  const [rows, setRows] = useState<Row[]>([]);
  const [dirty, setDirtyState] = useState(false);
  // The effect below runs after paint: it must see an edit made since its render, not the render's value.
  const dirtyNow = useRef(false);
  const setDirty = (value: boolean) => {
    dirtyNow.current = value;
    setDirtyState(value);
  };
  useEffect(() => {
    // Another client's change shows at once unless this editor holds unsaved edits.
    if (!dirtyNow.current) setRows(rowsOf(config.data?.config));
  }, [config.data]);
  const update = (i: number, change: Partial<Row>) => {
    setDirty(true);
    setRows(rows.map((r, j) => (i === j ? { ...r, ...change } : r)));
  };
  // Which row each submitted value came from: the API names a bad one by its index (values[2].key).
  const [sent, setSent] = useState<number[]>([]);
  const save = useAction(async () => {
    const changed = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.key.trim() !== "" && (r.unset ? r.original !== null : r.value !== r.original));
    setSent(changed.map(({ i }) => i));
    const values = changed.map(({ r }) => ({ key: r.key.trim(), value: r.unset ? null : r.value }));
    if (values.length > 0) await api.DashSetConfig({ app, values });
    setDirty(false);
    config.reload();
  });
  return (
    <Section title="Config" id="config">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <table class="list" aria-label="Config values">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i} class={row.unset ? "unset" : undefined}>
                <td>
                  {row.original === null ? (
                    <input aria-label={`Key ${i + 1}`} value={row.key} onInput={(e) => update(i, { key: e.currentTarget.value })} placeholder="KEY" />
                  ) : (
                    <code>{row.key}</code>
                  )}
                </td>
                <td>
                  {row.shown || row.original === null ? (
                    <input aria-label={`Value of ${row.key || `key ${i + 1}`}`} type="text" autocomplete="off" value={row.value} disabled={row.unset} onInput={(e) => update(i, { value: e.currentTarget.value })} />
                  ) : (
                    <input aria-label={`Value of ${row.key}`} type="password" autocomplete="off" value={row.value} disabled={row.unset} onInput={(e) => update(i, { value: e.currentTarget.value })} />
                  )}
                  {sent.includes(i) && <FieldError error={save.error} field={`values[${sent.indexOf(i)}]`} />}
                </td>
                <td class="actions">
                  {row.original !== null && (
                    <button type="button" aria-pressed={row.shown} onClick={() => setRows(rows.map((r, j) => (i === j ? { ...r, shown: !r.shown } : r)))}>
                      {row.shown ? "Hide" : "Show"}
                    </button>
                  )}
                  {row.original !== null ? (
                    <button type="button" aria-pressed={row.unset} onClick={() => update(i, { unset: !row.unset })}>
                      {row.unset ? "Keep" : "Unset"}
                    </button>
                  ) : (
                    <button type="button" onClick={() => (setDirty(true), setRows(rows.filter((_, j) => j !== i)))}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="row">
          <button type="button" onClick={() => (setDirty(true), setRows([...rows, { key: "", value: "", original: null, unset: false, shown: true }]))}>
            Add a value
          </button>
          <button type="submit" disabled={save.busy || !dirty}>
            Save config
          </button>
          {dirty && (
            <button type="button" onClick={() => (setDirty(false), setRows(rowsOf(config.data?.config)))}>
              Discard changes
            </button>
          )}
        </div>
        <FieldError error={save.error} field={null} fields={["values"]} />
      </form>
    </Section>
  );
}
