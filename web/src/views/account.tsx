import { useState } from "preact/hooks";
import { type Me, api, endSession } from "../api";
import { ErrorBox, Section, SubmitForm, TextField, useAction, useQuery, when } from "../ui";

export function AccountView({ me, onNewToken }: { me: Me; onNewToken: (token: string) => void }) {
  const keys = useQuery(() => api.DashKeys(), []);
  const [publicKey, setPublicKey] = useState("");
  const [keyName, setKeyName] = useState("");
  const addKey = useAction(async () => {
    await api.DashAddKey({ publicKey: publicKey.trim(), name: keyName.trim() || null });
    setPublicKey("");
    setKeyName("");
    keys.reload();
  });
  const removeKey = useAction(async (key: string) => {
    await api.DashRemoveKey({ key });
    keys.reload();
  });
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [changed, setChanged] = useState(false);
  const change = useAction(async () => {
    await api.DashChangePassword({ password, newPassword });
    setPassword("");
    setNewPassword("");
    setChanged(true);
  });
  const regenerate = useAction(async () => {
    const { regenerateToken } = await api.DashRegenerateToken();
    onNewToken(regenerateToken);
    // The API revoked every other token of this user, this browser's session among them.
    endSession();
  });
  return (
    <>
      <h1 tabIndex={-1}>Account of {me.username}</h1>
      <Section title="SSH keys" id="keys">
        <ul aria-label="SSH keys">
          {(keys.data?.keys.nodes ?? []).map((k) => (
            <li key={k.fingerprint}>
              <strong>{k.name}</strong> <code>{k.fingerprint}</code> <span class="muted">{when(k.createdAt)}</span>{" "}
              <button type="button" disabled={removeKey.busy} onClick={() => void removeKey.run(k.fingerprint)}>
                Remove {k.name}
              </button>
            </li>
          ))}
        </ul>
        <SubmitForm action={addKey} submit={addKey.run} label="Add key" row={false} fields={["publicKey", "name"]}>
          <TextField label="Public key" name="publicKey" rows={3} value={publicKey} onInput={setPublicKey} error={addKey.error} placeholder="ssh-ed25519 AAAA… you@host" required />
          <TextField label="Name (optional)" name="keyName" field="name" value={keyName} onInput={setKeyName} error={addKey.error} />
        </SubmitForm>
        <ErrorBox error={removeKey.error} />
      </Section>
      <Section title="Password" id="password">
        <SubmitForm action={change} submit={change.run} label="Change password" row={false} fields={["password", "newPassword"]}>
          <TextField label="Current password" name="password" type="password" autocomplete="current-password" value={password} onInput={setPassword} error={change.error} required />
          <TextField label="New password" name="newPassword" type="password" autocomplete="new-password" value={newPassword} onInput={setNewPassword} error={change.error} required />
        </SubmitForm>
        {changed && <p role="status">Password changed; your other sessions and tokens were signed out.</p>}
      </Section>
      <Section title="API token" id="token">
        <p>A new token for the CLI. Every token you have now stops working, this browser's session too: the new one is shown on the sign-in page.</p>
        <button type="button" disabled={regenerate.busy} onClick={() => void regenerate.run()}>
          Regenerate token
        </button>
        <ErrorBox error={regenerate.error} />
      </Section>
    </>
  );
}
