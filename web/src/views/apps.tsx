import { useEffect, useState } from "preact/hooks";
import { type Me, api } from "../api";
import type { AppSummaryFragment } from "../generated";
import { ErrorBox, FieldError, useAction, useLive, useQuery, when } from "../ui";

export function releaseState(app: AppSummaryFragment): string {
  const release = app.latestRelease;
  if (!release) return "new";
  if (release.failed || release.status === "FAILED") return "failed";
  if (release.status === "PENDING") return "deploying";
  return app.structure.some((s) => s.count > 0) ? "running" : "idle";
}

/** Apps followed live at once (one subscription each); the rest are looked at again when the page is shown. */
const WATCHED = 25;

/** Reloads the list when anything happens to one of its apps (releases, config, destroy), from any client. */
function Watch({ app, onEvent }: { app: string; onEvent: () => void }) {
  useLive(() => api.DashAppEvents({ app }), onEvent, [app]);
  return null;
}

async function allApps(): Promise<AppSummaryFragment[]> {
  const apps: AppSummaryFragment[] = [];
  let after: string | null | undefined = undefined;
  do {
    const page: Awaited<ReturnType<typeof api.DashApps>> = await api.DashApps({ first: 100, after });
    apps.push(...page.apps.nodes);
    after = page.apps.pageInfo.hasNextPage ? page.apps.pageInfo.endCursor : null;
  } while (after);
  return apps;
}

export function AppsView({ me }: { me: Me }) {
  const apps = useQuery(allApps, []);
  const [filter, setFilter] = useState("");
  const [name, setName] = useState("");
  const create = useAction(async () => {
    const { createApp } = await api.DashCreateApp({ name: name.trim() || null });
    setName("");
    location.hash = `#/apps/${encodeURIComponent(createApp.name)}`;
  });
  useEffect(() => {
    // Apps made or shared elsewhere have no event of their own here: look again when the page is shown.
    const again = () => document.visibilityState === "visible" && apps.reload();
    addEventListener("focus", again);
    document.addEventListener("visibilitychange", again);
    return () => {
      removeEventListener("focus", again);
      document.removeEventListener("visibilitychange", again);
    };
  }, [apps.reload]);
  const shown = (apps.data ?? []).filter((app) => {
    const needle = filter.trim().toLowerCase();
    return !needle || app.name.includes(needle) || app.owner.username.includes(needle) || releaseState(app).includes(needle);
  });
  return (
    <>
      <h1 tabIndex={-1}>Apps</h1>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <label>
          New app name (empty: a random one)
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="random" />
        </label>
        <button type="submit" disabled={create.busy}>
          Create app
        </button>
      </form>
      <FieldError error={create.error} field="name" />
      <FieldError error={create.error} field={null} fields={["name"]} />
      <label class="filter">
        Filter apps
        <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="name, owner or state" />
      </label>
      <ErrorBox error={apps.error} />
      {apps.data === null ? (
        <p>Loading apps…</p>
      ) : (
        <table class="list" aria-label="Apps">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Owner</th>
              <th scope="col">URL</th>
              <th scope="col">Release</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((app) => (
              <tr key={app.name} data-app={app.name}>
                <td>
                  <a href={`#/apps/${encodeURIComponent(app.name)}`}>{app.name}</a>
                </td>
                <td>{app.owner.username === me.username ? "you" : app.owner.username}</td>
                <td>
                  <a href={app.url} rel="noreferrer" target="_blank">
                    {app.url.replace(/^https?:\/\//, "")}
                  </a>
                </td>
                <td title={when(app.latestRelease?.createdAt)}>{app.latestRelease ? `v${app.latestRelease.version}` : "—"}</td>
                <td>
                  <span class={`state state-${releaseState(app)}`}>{releaseState(app)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {apps.data && <p class="muted">{shown.length === apps.data.length ? `${apps.data.length} apps` : `${shown.length} of ${apps.data.length} apps`}</p>}
      {shown.slice(0, WATCHED).map((app) => (
        <Watch key={app.name} app={app.name} onEvent={apps.reload} />
      ))}
    </>
  );
}
