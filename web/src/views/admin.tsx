import { useEffect, useState } from "preact/hooks";
import { type Me, api } from "../api";
import type { DashUsersQuery } from "../generated";
import { AuditTrail } from "./app-features";
import { ErrorBox, FieldError, Section, SubmitForm, useAction, useQuery, when } from "../ui";

type UserRow = DashUsersQuery["users"]["nodes"][number];

const MODES = [
  { value: "enabled", label: "Anyone may register" },
  { value: "admin_only", label: "Only admins may register users" },
  { value: "disabled", label: "Registration is closed" },
];

/** Every user, page after page (100 each). */
async function allUsers(): Promise<{ users: UserRow[]; total: number }> {
  const users: UserRow[] = [];
  let after: string | null | undefined = undefined;
  let total = 0;
  do {
    const page: DashUsersQuery = await api.DashUsers({ after });
    users.push(...page.users.nodes);
    total = page.users.totalCount;
    after = page.users.pageInfo.hasNextPage ? page.users.pageInfo.endCursor : null;
  } while (after);
  return { users, total };
}

export function AdminView({ me }: { me: Me }) {
  const users = useQuery(allUsers, []);
  const platform = useQuery(() => api.DashPlatform(), []);
  const apps = useQuery(() => api.DashApps({ first: 1 }), []);
  const toggle = useAction(async (username: string, admin: boolean) => {
    if (admin) await api.DashRevokeAdmin({ username });
    else await api.DashGrantAdmin({ username });
    users.reload();
  });
  return (
    <>
      <h1 tabIndex={-1}>Admin</h1>
      <Section title="Platform" id="platform">
        <ErrorBox error={platform.error} />
        {platform.data && (
          <dl class="facts" aria-label="Platform status">
            <dt>domain</dt>
            <dd>{platform.data.platform.domain}</dd>
            <dt>version</dt>
            <dd>{platform.data.platform.version}</dd>
            <dt>apps</dt>
            <dd data-testid="app-count">{apps.data?.apps.totalCount ?? "…"}</dd>
            <dt>users</dt>
            <dd data-testid="user-count">{users.data?.total ?? "…"}</dd>
            <dt>API</dt>
            <dd>answering</dd>
          </dl>
        )}
        {platform.data && <Registration mode={platform.data.platform.registrationMode} reload={platform.reload} />}
      </Section>
      <Components />
      <Section title="Users" id="users">
        <ErrorBox error={users.error ?? toggle.error} />
        <table class="list" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Email</th>
              <th scope="col">Since</th>
              <th scope="col">Admin</th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.users ?? []).map((u) => (
              <tr key={u.username} data-user={u.username}>
                <td>{u.username}</td>
                <td>{u.email ?? ""}</td>
                <td>{when(u.createdAt)}</td>
                <td>
                  <button type="button" disabled={toggle.busy || u.username === me.username} aria-pressed={u.isAdmin} onClick={() => void toggle.run(u.username, u.isAdmin)}>
                    {u.isAdmin ? `Revoke admin from ${u.username}` : `Make ${u.username} admin`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {me.isAdmin && <AuditTrail app={null} tick={0} title="Platform audit trail" />}
    </>
  );
}

/** How often the components are probed again while the page is shown (and on coming back to it). */
const COMPONENTS_EVERY_MS = 10_000;

/** The platform's shared components (as `deis platform:status` shows them), asked again every few seconds and on focus. */
function Components() {
  const status = useQuery(() => api.DashPlatformStatus(), []);
  const { reload } = status;
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === "visible" && reload(), COMPONENTS_EVERY_MS);
    addEventListener("focus", reload);
    return () => {
      clearInterval(timer);
      removeEventListener("focus", reload);
    };
  }, [reload]);
  const components = status.data?.platform.components ?? [];
  const leads = status.data?.platform.leads ?? [];
  return (
    <Section title="Components" id="components">
      <ErrorBox error={status.error} />
      {components.length > 0 && (
        <table class="list" aria-label="Components">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Backend</th>
              <th scope="col">State</th>
              <th scope="col">Probe</th>
            </tr>
          </thead>
          <tbody>
            {components.map((c) => (
              <tr key={c.name} data-component={c.name} data-healthy={String(c.healthy)}>
                <td>{c.name}</td>
                <td>{c.backend}</td>
                <td>
                  <span class={`state state-${c.healthy ? "ok" : "failed"}`}>{c.healthy ? "healthy" : "down"}</span> {c.healthy ? "" : c.detail}
                </td>
                <td>{c.latencyMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {status.data && (
        <p class="meta" data-testid="leads">
          This controller leads: {leads.length > 0 ? leads.join(", ") : "nothing"}
        </p>
      )}
      <button type="button" onClick={reload}>
        Check components again
      </button>
    </Section>
  );
}

function Registration({ mode, reload }: { mode: string; reload: () => void }) {
  const [wanted, setWanted] = useState(mode);
  useEffect(() => setWanted(mode), [mode]);
  const save = useAction(async () => {
    await api.DashSetRegistrationMode({ mode: wanted });
    reload();
  });
  return (
    <>
      <SubmitForm action={save} submit={save.run} label="Save registration mode" disabled={wanted === mode} fields={["mode"]}>
        <label>
          Registration
          <select name="mode" value={wanted} onChange={(e) => setWanted(e.currentTarget.value)}>
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
          <FieldError error={save.error} field="mode" />
        </label>
      </SubmitForm>
      <p class="muted" data-testid="registration-mode">
        now: {mode}
      </p>
    </>
  );
}
