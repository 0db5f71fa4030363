import { type Me, api } from "../api";
import { ErrorBox, Section, useAction, useQuery, when } from "../ui";

export function AdminView({ me }: { me: Me }) {
  const users = useQuery(() => api.DashUsers(), []);
  const platform = useQuery(() => api.DashPlatform(), []);
  const toggle = useAction(async (username: string, admin: boolean) => {
    if (admin) await api.DashRevokeAdmin({ username });
    else await api.DashGrantAdmin({ username });
    users.reload();
  });
  return (
    <>
      <h1 tabIndex={-1}>Admin</h1>
      <Section title="Platform" id="platform">
        {platform.data && (
          <dl class="facts">
            <dt>domain</dt>
            <dd>{platform.data.platform.domain}</dd>
            <dt>version</dt>
            <dd>{platform.data.platform.version}</dd>
            <dt>registration</dt>
            <dd>{platform.data.platform.registrationMode}</dd>
          </dl>
        )}
      </Section>
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
            {(users.data?.users.nodes ?? []).map((u) => (
              <tr key={u.username}>
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
    </>
  );
}
