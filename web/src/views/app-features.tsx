import { useState } from "preact/hooks";
import { api } from "../api";
import type { DashAddHookMutation, DashAuditQuery, DashHookDeliveriesQuery, DashJobsAndVolumesQuery } from "../generated";
import { ErrorBox, Section, SubmitForm, TextField, useAction, useActionsDone, useQuery, when } from "../ui";

/**
 * Maintenance mode and the router's access rules (allow-list, basic auth): answered by the router
 * before the app, no release. Reloads on the app's events (`tick`) and after each change here.
 */
export function Access({ app, tick }: { app: string; tick: number }) {
  const access = useQuery(() => api.DashAccess({ app }), [app, tick]);
  const data = access.data?.app ?? null;
  const [cidr, setCidr] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const maintenance = useAction(async (on: boolean) => {
    await api.DashSetMaintenance({ app, on });
    access.reload();
  });
  const allow = useAction(async (cidrs: string[]) => {
    await api.DashSetAllowList({ app, cidrs });
    setCidr("");
    access.reload();
  });
  const basic = useAction(async () => {
    await api.DashSetBasicAuth({ app, username: username.trim(), password });
    setUsername("");
    setPassword("");
    access.reload();
  });
  const unsetBasic = useAction(async () => {
    await api.DashRemoveBasicAuth({ app });
    access.reload();
  });
  const list = data?.allowList ?? [];
  return (
    <Section title="Maintenance and access" id="access">
      <ErrorBox error={access.error} />
      <div class="row">
        <p role="status" data-testid="maintenance-state">
          Maintenance mode is <strong>{data ? (data.maintenance ? "on" : "off") : "…"}</strong>
          {data?.maintenance ? ": the router answers 503 to every request." : "."}
        </p>
        <button type="button" aria-pressed={data?.maintenance ?? false} disabled={!data || maintenance.busy} onClick={() => void maintenance.run(!data?.maintenance)}>
          {data?.maintenance ? "Turn maintenance off" : "Turn maintenance on"}
        </button>
      </div>
      <ErrorBox error={maintenance.error} />

      <h3>Allow-list</h3>
      {list.length === 0 ? (
        <p class="muted">No allow-list: every address may reach the app.</p>
      ) : (
        <ul aria-label="Allowed addresses">
          {list.map((c) => (
            <li key={c} data-cidr={c}>
              <code>{c}</code>{" "}
              <button type="button" disabled={allow.busy} onClick={() => void allow.run(list.filter((x) => x !== c))}>
                Remove {c}
              </button>
            </li>
          ))}
        </ul>
      )}
      <SubmitForm action={allow} submit={() => allow.run([...list, cidr.trim()])} label="Allow" disabled={!data || cidr.trim() === ""} fields={["cidrs"]}>
        <TextField label="Allowed address or CIDR" name="cidr" field="cidrs" value={cidr} onInput={setCidr} error={allow.error} placeholder="10.0.0.0/8" autocomplete="off" required />
      </SubmitForm>

      <h3>Basic auth</h3>
      {data?.basicAuthUsername ? (
        <p data-testid="basic-auth">
          Visitors sign in as <code>{data.basicAuthUsername}</code>{" "}
          <button type="button" disabled={unsetBasic.busy} onClick={() => void unsetBasic.run()}>
            Remove basic auth
          </button>
        </p>
      ) : (
        <p class="muted">No basic auth: the app answers without a password.</p>
      )}
      <ErrorBox error={unsetBasic.error} />
      <SubmitForm action={basic} submit={basic.run} label="Set basic auth" disabled={username.trim() === "" || password === ""} fields={["username", "password"]}>
        <TextField label="Basic auth username" name="basic-username" field="username" value={username} onInput={setUsername} error={basic.error} autocomplete="off" required />
        <TextField label="Basic auth password" name="basic-password" field="password" type="password" value={password} onInput={setPassword} error={basic.error} autocomplete="new-password" required />
      </SubmitForm>
    </Section>
  );
}

/** Scheduled jobs (no release) and volumes (each change a release), from one query. */
export function JobsAndVolumes({ app, tick }: { app: string; tick: number }) {
  const query = useQuery(() => api.DashJobsAndVolumes({ app }), [app, tick]);
  return (
    <>
      <CronJobs app={app} jobs={query.data?.cronJobs ?? null} reload={query.reload} />
      <Volumes app={app} volumes={query.data?.volumes ?? null} reload={query.reload} />
      <ErrorBox error={query.error} />
    </>
  );
}

type Jobs = DashJobsAndVolumesQuery;

function CronJobs({ app, jobs, reload }: { app: string; jobs: Jobs["cronJobs"] | null; reload: () => void }) {
  const [schedule, setSchedule] = useState("");
  const [command, setCommand] = useState("");
  const add = useAction(async () => {
    await api.DashAddCronJob({ app, schedule: schedule.trim(), command });
    setSchedule("");
    setCommand("");
    reload();
  });
  const remove = useAction(async (id: string) => {
    await api.DashRemoveCronJob({ app, id });
    reload();
  });
  return (
    <Section title="Scheduled jobs" id="cron">
      {jobs && jobs.length === 0 && <p class="muted">No scheduled jobs.</p>}
      {jobs && jobs.length > 0 && (
        <ul aria-label="Scheduled jobs">
          {jobs.map((j) => (
            <li key={j.id} data-cron={j.id}>
              <code>{j.schedule}</code> <code>{j.command}</code> <span class="meta">next {j.nextRunAt ? when(j.nextRunAt) : "never"}{j.lastRunAt ? `, last ${when(j.lastRunAt)}` : ""}</span>{" "}
              <button type="button" disabled={remove.busy} onClick={() => void remove.run(j.id)}>
                Remove job {j.schedule} {j.command}
              </button>
            </li>
          ))}
        </ul>
      )}
      <SubmitForm action={add} submit={add.run} label="Add job" disabled={schedule.trim() === "" || command.trim() === ""} fields={["schedule", "command"]}>
        <TextField label="Schedule (minute hour day month weekday, UTC)" name="schedule" value={schedule} onInput={setSchedule} error={add.error} placeholder="*/15 * * * *" autocomplete="off" required />
        <TextField label="Job command" name="job-command" field="command" value={command} onInput={setCommand} error={add.error} placeholder="node jobs/cleanup.js" autocomplete="off" required />
      </SubmitForm>
      <ErrorBox error={remove.error} />
    </Section>
  );
}

function Volumes({ app, volumes, reload }: { app: string; volumes: Jobs["volumes"] | null; reload: () => void }) {
  const [name, setName] = useState("");
  const [path, setPath] = useState("");
  const add = useAction(async () => {
    await api.DashAddVolume({ app, name: name.trim(), path: path.trim() });
    setName("");
    setPath("");
    reload();
  });
  const remove = useAction(async (volume: string) => {
    await api.DashRemoveVolume({ app, name: volume });
    reload();
  });
  return (
    <Section title="Volumes" id="volumes">
      {volumes && volumes.length === 0 && <p class="muted">No volumes: processes keep nothing on disk across releases.</p>}
      {volumes && volumes.length > 0 && (
        <ul aria-label="Volumes">
          {volumes.map((v) => (
            <li key={v.name} data-volume={v.name}>
              <code>{v.name}</code> at <code>{v.path}</code>
              {v.node ? ` on ${v.node}` : ""}{" "}
              <button type="button" disabled={remove.busy} onClick={() => void remove.run(v.name)}>
                Remove volume {v.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <SubmitForm action={add} submit={add.run} label="Add volume" disabled={name.trim() === "" || path.trim() === ""} fields={["name", "path"]}>
        <TextField label="Volume name" name="volume-name" field="name" value={name} onInput={setName} error={add.error} autocomplete="off" required />
        <TextField label="Mount path" name="volume-path" field="path" value={path} onInput={setPath} error={add.error} placeholder="/data" autocomplete="off" required />
      </SubmitForm>
      <ErrorBox error={remove.error} />
    </Section>
  );
}

/** Deploy hooks: the signing secret is shown once, when the hook is added; deliveries on demand. */
export function Hooks({ app, tick }: { app: string; tick: number }) {
  const hooks = useQuery(() => api.DashHooks({ app }), [app, tick]);
  const [url, setUrl] = useState("");
  const [added, setAdded] = useState<DashAddHookMutation["addHook"] | null>(null);
  const add = useAction(async () => {
    setAdded((await api.DashAddHook({ app, url: url.trim() })).addHook);
    setUrl("");
    hooks.reload();
  });
  const remove = useAction(async (hook: string) => {
    await api.DashRemoveHook({ app, hook });
    if (added?.hook.id === hook) setAdded(null);
    hooks.reload();
  });
  const list = hooks.data?.hooks ?? [];
  return (
    <Section title="Deploy hooks" id="hooks">
      <ErrorBox error={hooks.error} />
      {added && (
        <div data-testid="hook-secret" role="status">
          <p>
            Secret of {added.hook.url} (shown only now; it signs each delivery): <code class="secret">{added.secret}</code>
          </p>
          <button type="button" onClick={() => setAdded(null)}>
            Hide secret
          </button>
        </div>
      )}
      {hooks.data && list.length === 0 && <p class="muted">No hooks: nothing is told when a release deploys or fails.</p>}
      {list.length > 0 && (
        <ul aria-label="Deploy hooks">
          {list.map((h) => (
            <li key={h.id} data-hook={h.url}>
              <code>{h.url}</code> <span class="meta">since {when(h.createdAt)}</span>{" "}
              <button type="button" disabled={remove.busy} onClick={() => void remove.run(h.id)}>
                Remove hook {h.url}
              </button>
              <Deliveries app={app} hook={h.id} tick={tick} />
            </li>
          ))}
        </ul>
      )}
      <SubmitForm action={add} submit={add.run} label="Add hook" disabled={url.trim() === ""} fields={["url"]}>
        <TextField label="Hook URL" name="hook-url" field="url" value={url} onInput={setUrl} error={add.error} placeholder="an http(s) URL, e.g. ci.example.com/deployed" autocomplete="off" required />
      </SubmitForm>
      <ErrorBox error={remove.error} />
    </Section>
  );
}

type Delivery = DashHookDeliveriesQuery["hookDeliveries"][number];

/** A hook's recent deliveries, loaded when opened. */
function Deliveries({ app, hook, tick }: { app: string; hook: string; tick: number }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Deliveries</summary>
      {open && <DeliveryList app={app} hook={hook} tick={tick} />}
    </details>
  );
}

function DeliveryList({ app, hook, tick }: { app: string; hook: string; tick: number }) {
  const deliveries = useQuery(() => api.DashHookDeliveries({ app, hook, first: 20 }), [app, hook, tick]);
  const rows: Delivery[] = deliveries.data?.hookDeliveries ?? [];
  return (
    <>
      <ErrorBox error={deliveries.error} />
      {deliveries.data && rows.length === 0 && <p class="muted">Nothing sent yet.</p>}
      <ul aria-label="Deliveries">
        {rows.map((d) => {
          const last = d.attempts[d.attempts.length - 1];
          return (
            <li key={d.id} data-delivery={d.id}>
              {d.event} v{d.version} <span class={`state state-${d.status.toLowerCase()}`}>{d.status.toLowerCase()}</span> {d.attempts.length} attempt(s)
              {last ? `, last ${when(last.at)}: ${last.statusCode ?? last.error ?? ""}` : ""}
              {d.nextAttemptAt ? `, next ${when(d.nextAttemptAt)}` : ""}
            </li>
          );
        })}
      </ul>
    </>
  );
}

type AuditRow = DashAuditQuery["audit"]["nodes"][number];

/**
 * The audit trail, newest first: an app's, or with `app` null the platform's (admins only). Reloads
 * on `tick` and after every action done on this page (its record is written before the answer).
 */
export function AuditTrail({ app, tick, title = "Audit trail" }: { app: string | null; tick: number; title?: string }) {
  const done = useActionsDone();
  const audit = useQuery(() => api.DashAudit({ app, first: 50 }), [app, tick, done]);
  const rows: AuditRow[] = audit.data?.audit.nodes ?? [];
  return (
    <Section title={title} id="audit">
      <ErrorBox error={audit.error} />
      <button type="button" onClick={audit.reload}>
        Refresh audit trail
      </button>
      {audit.data && rows.length === 0 && <p class="muted">Nothing recorded yet.</p>}
      {rows.length > 0 && (
        <table class="list" aria-label={title}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              {app === null && <th scope="col">App</th>}
              <th scope="col">What</th>
              <th scope="col">From</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-audit={r.operation}>
                <td>{when(r.at)}</td>
                <td>{r.username ?? "(nobody)"}</td>
                {app === null && <td>{r.app ?? ""}</td>}
                <td>
                  <code>{r.operation}</code> {r.summary}
                </td>
                <td>{r.address ?? ""}</td>
                <td>
                  <span class={`state state-${r.outcome === "ok" ? "ok" : "failed"}`}>{r.outcome}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
