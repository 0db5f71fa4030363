import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Me, api, takePreloaded } from "../api";
import { type AppSummaryFragment, DashAppsDocument, type DashAppsQuery } from "../generated";
import { ErrorBox, FieldError, useAction, useLive, useQuery, when } from "../ui";

export function releaseState(app: AppSummaryFragment): string {
  const release = app.latestRelease;
  if (!release) return "new";
  if (release.failed || release.status === "FAILED") return "failed";
  if (release.status === "PENDING") return "deploying";
  return app.structure.some((s) => s.count > 0) ? "running" : "idle";
}

/** Apps per page: the API's largest page. */
export const APPS_PAGE = { first: 100 } as const;

interface AppsList {
  readonly apps: AppSummaryFragment[];
  /** Where the next page starts; null when every app is shown. */
  readonly after: string | null;
  readonly total: number;
}

function byName(a: AppSummaryFragment, b: AppSummaryFragment): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function firstPage(): Promise<AppsList> {
  const page = takePreloaded<DashAppsQuery>(DashAppsDocument, APPS_PAGE) ?? (await api.DashApps(APPS_PAGE));
  return { apps: page.apps.nodes, after: page.apps.pageInfo.hasNextPage ? page.apps.pageInfo.endCursor : null, total: page.apps.totalCount };
}

/**
 * The apps list, a page (100) at a time, live for every app shown: one subscription to the events
 * of all the user's apps; an event looks again at that one app (and adds, changes or drops its row).
 */
export function AppsView({ me }: { me: Me }) {
  const apps = useQuery(firstPage, []);
  const [list, setList] = useState<AppsList | null>(null);
  const current = useRef<AppsList | null>(null);
  const put = (next: AppsList) => {
    current.current = next;
    setList(next);
  };
  useEffect(() => {
    if (apps.data) put(apps.data);
  }, [apps.data]);
  const more = useAction(async () => {
    const shown = current.current;
    if (!shown?.after) return;
    const page = await api.DashApps({ ...APPS_PAGE, after: shown.after });
    const names = new Set(shown.apps.map((a) => a.name));
    put({
      apps: [...shown.apps, ...page.apps.nodes.filter((a) => !names.has(a.name))],
      after: page.apps.pageInfo.hasNextPage ? page.apps.pageInfo.endCursor : null,
      total: page.apps.totalCount,
    });
  });
  // Apps with an event not yet looked at: several events of one app make one look.
  const pending = useRef(new Set<string>());
  const looking = useRef(false);
  const lookAgain = async () => {
    if (looking.current) return;
    looking.current = true;
    try {
      while (pending.current.size > 0) {
        const [name] = pending.current;
        pending.current.delete(name);
        const summary = await api.DashAppSummary({ name }).then(
          (answer) => answer.app,
          (error: unknown) => (error instanceof ApiError && (error.code === "NOT_FOUND" || error.code === "FORBIDDEN") ? null : undefined),
        );
        const shown = current.current;
        if (!shown || summary === undefined) continue;
        const others = shown.apps.filter((a) => a.name !== name);
        const had = others.length !== shown.apps.length;
        // An app past the pages shown comes with its page; one gone is dropped.
        const last = shown.apps.at(-1)?.name;
        const inRange = shown.after === null || (last !== undefined && name <= last);
        const apps = summary && inRange ? [...others, summary].sort(byName) : others;
        const total = shown.total + (summary && !had ? 1 : 0) - (!summary && had ? 1 : 0);
        put({ ...shown, apps, total });
      }
    } finally {
      looking.current = false;
    }
  };
  const liveError = useLive(
    () => api.DashAppListEvents(),
    (event) => {
      // Settings the list does not show (maintenance, access rules, jobs, hooks): nothing to look at again.
      if (event.appListEvents.type === "SETTINGS_CHANGED") return;
      pending.current.add(event.appListEvents.app);
      void lookAgain();
    },
    [],
  );
  const [filter, setFilter] = useState("");
  const [name, setName] = useState("");
  const create = useAction(async () => {
    const { createApp } = await api.DashCreateApp({ name: name.trim() || null });
    setName("");
    location.hash = `#/apps/${encodeURIComponent(createApp.name)}`;
  });
  const shown = (list?.apps ?? []).filter((app) => {
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
      <ErrorBox error={apps.error ?? liveError ?? more.error} />
      {list === null ? (
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
      {list && (
        <p class="muted" role="status">
          {shown.length === list.apps.length ? `${list.apps.length} of ${list.total} apps` : `${shown.length} of ${list.apps.length} shown apps match`}
        </p>
      )}
      {list?.after && (
        <button type="button" disabled={more.busy} onClick={() => void more.run()}>
          Show more apps
        </button>
      )}
    </>
  );
}
