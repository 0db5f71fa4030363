import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorBox, FieldError, Section, useAction, useQuery, when } from "../ui";

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
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <label>
          Domain
          <input name="domain" value={domain} onInput={(e) => setDomain(e.currentTarget.value)} placeholder="www.example.com" required />
        </label>
        <button type="submit" disabled={add.busy}>
          Add domain
        </button>
      </form>
      <FieldError error={add.error} field="domain" />
      <FieldError error={add.error} field={null} fields={["domain"]} />
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
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <label>
          Certificate name
          <input name="cert-name" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="www-example" autocomplete="off" required />
          <FieldError error={add.error} field="name" />
        </label>
        <label>
          Certificate (PEM)
          <textarea name="certificate" rows={4} value={certificate} onInput={(e) => setCertificate(e.currentTarget.value)} placeholder="-----BEGIN CERTIFICATE-----" required />
          <FieldError error={add.error} field="certificate" />
        </label>
        <label>
          Private key (PEM)
          <textarea name="key" rows={4} value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="-----BEGIN PRIVATE KEY-----" autocomplete="off" required />
          <FieldError error={add.error} field="key" />
        </label>
        <button type="submit" disabled={add.busy}>
          Add certificate
        </button>
      </form>
      <FieldError error={add.error} field={null} fields={["name", "certificate", "key"]} />
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
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <label>
          Collaborator username
          <input name="username" value={username} disabled={!canManage} onInput={(e) => setUsername(e.currentTarget.value)} required />
        </label>
        <button type="submit" disabled={!canManage || add.busy} title={canManage ? undefined : "only the owner may add collaborators"}>
          Add collaborator
        </button>
      </form>
      <FieldError error={add.error} field="username" />
      <FieldError error={add.error} field={null} fields={["username"]} />
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
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <label>
          Drain URL
          <input name="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} placeholder="syslog+tcp://host:514" required />
        </label>
        <button type="submit" disabled={add.busy}>
          Add drain
        </button>
      </form>
      <FieldError error={add.error} field="url" />
      <FieldError error={add.error} field={null} fields={["url"]} />
      <ErrorBox error={remove.error} />
    </Section>
  );
}
