import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorBox, Section, SubmitForm, TextField, useAction, useQuery, when } from "../ui";

export function Domains({ app, tick }: { app: string; tick: number }) {
  const domains = useQuery(() => api.DashDomains({ app }), [app, tick]);
  const [domain, setDomain] = useState("");
  const add = useAction(async () => {
    await api.DashAddDomain({ app, domain: domain.trim() });
    setDomain("");
    domains.reload();
  });
  const remove = useAction(async (name: string) => {
    await api.DashRemoveDomain({ app, domain: name });
    domains.reload();
  });
  return (
    <Section title="Domains" id="domains">
      <ul aria-label="Domains">
        {(domains.data?.domains.nodes ?? []).map((d) => (
          <li key={d.domain}>
            <code>{d.domain}</code>{" "}
            <button type="button" disabled={remove.busy} onClick={() => void remove.run(d.domain)}>
              Remove {d.domain}
            </button>
          </li>
        ))}
      </ul>
      <SubmitForm action={add} submit={add.run} label="Add domain" fields={["domain"]}>
        <TextField label="Domain" name="domain" value={domain} onInput={setDomain} error={add.error} placeholder="www.example.com" required />
      </SubmitForm>
      <ErrorBox error={remove.error} />
    </Section>
  );
}

export function Certificates({ app, tick }: { app: string; tick: number }) {
  const certificates = useQuery(() => api.DashCertificates({ app }), [app, tick]);
  const [name, setName] = useState("");
  const [certificate, setCertificate] = useState("");
  const [key, setKey] = useState("");
  const add = useAction(async () => {
    await api.DashAddCertificate({ app, name: name.trim(), certificate, key });
    setName("");
    setCertificate("");
    setKey("");
    certificates.reload();
  });
  const remove = useAction(async (certName: string) => {
    await api.DashRemoveCertificate({ app, name: certName });
    certificates.reload();
  });
  const nodes = certificates.data?.certificates.nodes ?? [];
  return (
    <Section title="Certificates" id="certificates">
      {nodes.length === 0 && <p class="muted">No certificates: the app's domains are served over plain HTTP.</p>}
      <ul aria-label="Certificates">
        {nodes.map((c) => (
          <li key={c.name} data-certificate={c.name}>
            <strong>{c.name}</strong>: {[c.commonName, ...c.sans.filter((s) => s !== c.commonName)].filter(Boolean).join(", ")}, expires {when(c.expiresAt)}{" "}
            <button type="button" disabled={remove.busy} onClick={() => void remove.run(c.name)}>
              Remove certificate {c.name}
            </button>
          </li>
        ))}
      </ul>
      <SubmitForm action={add} submit={add.run} label="Add certificate" row={false} fields={["name", "certificate", "key"]}>
        <TextField label="Certificate name" name="cert-name" field="name" value={name} onInput={setName} error={add.error} placeholder="www-example" autocomplete="off" required />
        <TextField label="Certificate (PEM)" name="certificate" rows={4} value={certificate} onInput={setCertificate} error={add.error} placeholder="-----BEGIN CERTIFICATE-----" required />
        <TextField label="Private key (PEM)" name="key" rows={4} value={key} onInput={setKey} error={add.error} placeholder="-----BEGIN PRIVATE KEY-----" autocomplete="off" required />
      </SubmitForm>
      <ErrorBox error={remove.error ?? certificates.error} />
    </Section>
  );
}

export function Collaborators({ app, tick, canManage }: { app: string; tick: number; canManage: boolean }) {
  const collaborators = useQuery(() => api.DashCollaborators({ app }), [app, tick]);
  const [username, setUsername] = useState("");
  const add = useAction(async () => {
    await api.DashAddCollaborator({ app, username: username.trim() });
    setUsername("");
    collaborators.reload();
  });
  const remove = useAction(async (name: string) => {
    await api.DashRemoveCollaborator({ app, username: name });
    collaborators.reload();
  });
  return (
    <Section title="Collaborators" id="collaborators">
      <ul aria-label="Collaborators">
        {(collaborators.data?.collaborators.nodes ?? []).map((c) => (
          <li key={c.user.username}>
            <span>{c.user.username}</span>{" "}
            {canManage && (
              <button type="button" disabled={remove.busy} onClick={() => void remove.run(c.user.username)}>
                Remove {c.user.username}
              </button>
            )}
          </li>
        ))}
      </ul>
      <SubmitForm action={add} submit={add.run} label="Add collaborator" disabled={!canManage} title={canManage ? undefined : "only the owner may add collaborators"} fields={["username"]}>
        <TextField label="Collaborator username" name="username" value={username} onInput={setUsername} error={add.error} disabled={!canManage} required />
      </SubmitForm>
      <ErrorBox error={remove.error} />
    </Section>
  );
}

export function LogDrains({ app, tick }: { app: string; tick: number }) {
  const drains = useQuery(() => api.DashLogDrains({ app }), [app, tick]);
  const [url, setUrl] = useState("");
  const add = useAction(async () => {
    await api.DashAddLogDrain({ app, url: url.trim() });
    setUrl("");
    drains.reload();
  });
  const remove = useAction(async (target: string) => {
    await api.DashRemoveLogDrain({ app, url: target });
    drains.reload();
  });
  return (
    <Section title="Log drains" id="drains">
      <ul aria-label="Log drains">
        {(drains.data?.logDrains ?? []).map((d) => (
          <li key={d.url}>
            <code>{d.url}</code>{" "}
            <button type="button" disabled={remove.busy} onClick={() => void remove.run(d.url)}>
              Remove drain
            </button>
          </li>
        ))}
      </ul>
      <SubmitForm action={add} submit={add.run} label="Add drain" fields={["url"]}>
        <TextField label="Drain URL" name="url" value={url} onInput={setUrl} error={add.error} placeholder="syslog+tcp://host:514" required />
      </SubmitForm>
      <ErrorBox error={remove.error} />
    </Section>
  );
}
