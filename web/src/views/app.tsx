import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Me, api, onReconnected } from "../api";
import type { DashAppQuery, DashBuildLogsSubscription, DashProcessMetricsSubscription } from "../generated";
import { ErrorBox, FieldError, Section, SubmitForm, TextField, useAction, useLive, useQuery, when } from "../ui";
import { releaseState } from "./apps";
import { LogIngest, Rename, RunCommand, Transfer } from "./app-actions";
import { Access, AuditTrail, Hooks, JobsAndVolumes } from "./app-features";
import { Resources } from "./app-resources";
import { Certificates, Collaborators, Domains, LogDrains } from "./app-settings";
import { ConfigEditor } from "./config-editor";

type AppData = DashAppQuery;

export function AppView({ name, me }: { name: string; me: Me }) {
  // Every event about the app (from the CLI, another browser, the deployer) bumps `tick`; each section reloads on it.
  const [tick, setTick] = useState(0);
  const [gone, setGone] = useState(false);
  const app = useQuery(() => api.DashApp({ name }), [name, tick]);
  // An event sent between the first load and the moment the server holds the subscription would be
  // missed: load once more when the subscription has had time to be set up.
  useEffect(() => {
    const timers = [1000, 4000].map((ms) => setTimeout(() => setTick((n) => n + 1), ms));
    return () => timers.forEach(clearTimeout);
  }, [name]);
  // Events sent while the live connection was down (e.g. the host's network changed) were missed: load again.
  useEffect(() => onReconnected(() => setTick((n) => n + 1)), []);
  const liveError = useLive(
    () => api.DashAppEvents({ app: name }),
    (event) => {
      if (event.appEvents.type === "APP_DESTROYED") setGone(true);
      setTick((n) => n + 1);
    },
    [name],
  );
  if (gone) {
    return (
      <>
        <h1 tabIndex={-1}>{name}</h1>
        <p role="status">This app was destroyed.</p>
        <a href="#/apps">Back to apps</a>
      </>
    );
  }
  if (app.error && !app.data) return <ErrorBox error={app.error} />;
  if (!app.data) return <p>Loading {name}…</p>;
  const data = app.data;
  const isOwner = data.app.owner.username === me.username || me.isAdmin;
  return (
    <>
      <h1 tabIndex={-1}>{data.app.name}</h1>
      <p class="meta">
        <a href={data.app.url} target="_blank" rel="noreferrer">
          {data.app.url}
        </a>{" "}
        · owner {data.app.owner.username} · <span class={`state state-${releaseState(data.app)}`}>{releaseState(data.app)}</span> ·{" "}
        <a href={`#/apps/${encodeURIComponent(name)}/logs`}>Live logs</a>
      </p>
      <p class="meta">
        git remote: <code>{data.app.gitRemote}</code>
      </p>
      <ErrorBox error={liveError} />
      <Processes data={data} reload={app.reload} />
      <BuildOutput app={name} tick={tick} />
      <Releases data={data} />
      <ConfigEditor app={name} tick={tick} />
      <Resources app={name} tick={tick} types={data.app.structure.map((s) => s.type)} />
      <Domains app={name} tick={tick} />
      <Certificates app={name} tick={tick} />
      <Collaborators app={name} tick={tick} canManage={isOwner} />
      <LogDrains app={name} tick={tick} />
      <Access app={name} tick={tick} />
      <JobsAndVolumes app={name} tick={tick} />
      <Hooks app={name} tick={tick} />
      <LogIngest app={name} />
      <RunCommand app={name} />
      <AuditTrail app={name} tick={tick} />
      <Rename app={name} allowed={isOwner} />
      <Transfer app={name} allowed={isOwner} />
      <Destroy app={name} allowed={isOwner} />
    </>
  );
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A process's memory (of its limit), CPU and restarts, once a sample has come. */
type Sample = DashProcessMetricsSubscription["processMetrics"]["processes"][number];

function Usage({ sample }: { sample?: Sample }) {
  if (!sample || sample.memoryBytes == null) return null;
  const limit = sample.memoryLimitBytes ? ` of ${mb(sample.memoryLimitBytes)}` : "";
  const cpu = sample.cpuPercent == null ? "" : ` · ${sample.cpuPercent.toFixed(1)}% CPU`;
  const restarts = sample.restarts ? ` · ${sample.restarts} restarts` : "";
  return (
    <span class="muted" data-usage>
      {" "}
      · {mb(sample.memoryBytes)}
      {limit}
      {cpu}
      {restarts}
    </span>
  );
}

type ProcessRow = AppData["processes"][number];

/** One process as `deis ps` names it (web.1, run.4821): state, release, since when, and what it uses. */
function ProcessItem({ process: p, sample, children }: { process: ProcessRow; sample?: Sample; children?: ComponentChildren }) {
  return (
    <li data-process={`${p.type}.${p.num}`}>
      <code>
        {p.type}.{p.num}
      </code>{" "}
      <span class={`state state-${p.state}`}>{p.state}</span> v{p.version} {p.startedAt ? `since ${when(p.startedAt)}` : ""}
      <Usage sample={sample} /> {children}
    </li>
  );
}

function Processes({ data, reload }: { data: AppData; reload: () => void }) {
  const app = data.app.name;
  const types = data.app.structure.map((s) => s.type);
  const [counts, setCounts] = useState<Record<string, string>>({});
  const scale = useAction(async () => {
    const processes = Object.entries(counts).map(([type, count]) => ({ type, count: Number(count) }));
    if (processes.length > 0) await api.DashScale({ app, processes });
    setCounts({});
  });
  const restart = useAction(async (type: string | null) => {
    await api.DashRestart({ app, type });
  });
  const stop = useAction(async (name: string) => {
    await api.DashStopOneOff({ app, name });
    reload();
  });
  // One-offs (run.N, as `deis ps` lists them) belong to no process type of the scale.
  const oneOffs = data.processes.filter((p) => !types.includes(p.type));
  // What each process uses, sampled by the platform every few seconds while this page watches.
  const [usage, setUsage] = useState<Record<string, Sample>>({});
  useLive(
    () => api.DashProcessMetrics({ app }),
    (event) => {
      const sampled = event.processMetrics.processes;
      setUsage(Object.fromEntries(sampled.map((p) => [p.name, p])));
      // A process came or went with no event of its own (a one-off that ended, a container removed): look again.
      const shown = new Set(data.processes.map((p) => p.name));
      if (sampled.length !== shown.size || sampled.some((p) => !shown.has(p.name))) reload();
    },
    [app],
  );
  const converging = data.app.structure.some((s) => data.processes.filter((p) => p.type === s.type && p.state === "running").length !== s.count);
  useEffect(() => {
    // A scale has no event when it has converged: look again while the processes differ from the scale.
    if (!converging) return;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [data, converging]);
  return (
    <Section title="Processes" id="processes">
      {types.length === 0 && <p class="muted">No process types yet: push code with git.</p>}
      {types.map((type) => {
        const wanted = data.app.structure.find((s) => s.type === type)?.count ?? 0;
        const processes = data.processes.filter((p) => p.type === type);
        return (
          <div class="ptype" key={type} data-type={type}>
            <h3>
              {type} <span class="muted">({processes.length} of {wanted})</span>
            </h3>
            <ul aria-label={`${type} processes`}>
              {processes.map((p) => (
                <ProcessItem key={p.name} process={p} sample={usage[p.name]} />
              ))}
            </ul>
            <div class="row">
              <label>
                {type} count
                <input type="number" min={0} max={100} value={counts[type] ?? String(wanted)} onInput={(e) => setCounts({ ...counts, [type]: e.currentTarget.value })} />
              </label>
              <button type="button" disabled={restart.busy || processes.length === 0} onClick={() => void restart.run(type)}>
                Restart {type}
              </button>
            </div>
          </div>
        );
      })}
      {oneOffs.length > 0 && (
        <div class="ptype" data-type="one-offs">
          <h3>One-off processes</h3>
          <ul aria-label="One-off processes">
            {oneOffs.map((p) => (
              <ProcessItem key={p.name} process={p} sample={usage[p.name]}>
                {/* Attached one-offs (deis run, number 0) end with their command; detached ones are stopped. */}
                {p.num > 0 && (
                  <button type="button" disabled={stop.busy} onClick={() => void stop.run(`${p.type}.${p.num}`)}>
                    Stop {p.type}.{p.num}
                  </button>
                )}
              </ProcessItem>
            ))}
          </ul>
          <ErrorBox error={stop.error} />
        </div>
      )}
      {types.length > 0 && (
        <button type="button" disabled={scale.busy || Object.keys(counts).length === 0} onClick={() => void scale.run()}>
          Scale
        </button>
      )}
      {converging && <p class="muted" role="status">Converging to the scale…</p>}
      <FieldError error={scale.error} field="processes" />
      <FieldError error={scale.error} field={null} fields={["processes"]} />
      <ErrorBox error={restart.error} />
    </Section>
  );
}

function BuildOutput({ app, tick }: { app: string; tick: number }) {
  const [live, setLive] = useState<DashBuildLogsSubscription["buildLogs"][]>([]);
  const builds = useQuery(() => api.DashBuilds({ app }), [app, tick]);
  useLive(() => api.DashBuildLogs({ app }), (event) => setLive((lines) => [...lines.filter((l) => l.sha === event.buildLogs.sha), event.buildLogs].slice(-5000)), [app]);
  return (
    <Section title="Builds" id="builds">
      {live.length > 0 ? (
        <>
          <h3>Build of {live[0].sha.slice(0, 7)}</h3>
          <pre class="log" aria-live="polite" aria-label="Build output" data-testid="build-output">
            {live.map((l) => l.line).join("\n")}
          </pre>
        </>
      ) : (
        <p class="muted">No build running: the output of the next `git push` shows here as it is printed.</p>
      )}
      <ErrorBox error={builds.error} />
      {(builds.data?.builds.nodes ?? []).map((b) => (
        <details key={b.id}>
          <summary>
            {b.kind.toLowerCase()} {b.sha ? b.sha.slice(0, 7) : ""} by {b.owner?.username ?? "deis"} at {when(b.createdAt)}
          </summary>
          <pre class="log">{b.log ?? "(no log kept)"}</pre>
        </details>
      ))}
    </Section>
  );
}

function Releases({ data }: { data: AppData }) {
  const app = data.app.name;
  const rollback = useAction(async (version: number) => {
    await api.DashRollback({ app, version });
  });
  const newest = data.releases.nodes[0]?.version;
  return (
    <Section title="Releases" id="releases">
      <table class="list" aria-label="Releases">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">What</th>
            <th scope="col">Who</th>
            <th scope="col">When</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data.releases.nodes.map((r) => (
            <tr key={r.version} data-release={r.version}>
              <td>v{r.version}</td>
              <td>{r.summary}</td>
              <td>{r.owner?.username ?? "deis"}</td>
              <td>{when(r.createdAt)}</td>
              <td>
                <span class={`state state-${r.status.toLowerCase()}`} title={r.failureReason ?? undefined}>
                  {r.status.toLowerCase()}
                </span>
              </td>
              <td>
                {r.version !== newest && r.version > 1 && (
                  <button type="button" disabled={rollback.busy} onClick={() => void rollback.run(r.version)}>
                    Roll back to v{r.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FieldError error={rollback.error} field="version" />
      <FieldError error={rollback.error} field={null} fields={["version"]} />
    </Section>
  );
}

function Destroy({ app, allowed }: { app: string; allowed: boolean }) {
  const [confirm, setConfirm] = useState("");
  const destroy = useAction(async () => {
    await api.DashDestroyApp({ name: app });
    location.hash = "#/apps";
  });
  return (
    <Section title="Destroy" id="destroy">
      {!allowed && <p class="muted">Only the app's owner (or an admin) may destroy it.</p>}
      <SubmitForm action={destroy} submit={destroy.run} label="Destroy app" danger disabled={!allowed || confirm !== app}>
        <TextField label="Type the app's name to confirm" name="confirm" value={confirm} onInput={setConfirm} disabled={!allowed} autocomplete="off" />
      </SubmitForm>
    </Section>
  );
}
