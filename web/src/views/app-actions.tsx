import { useState } from "preact/hooks";
import { api } from "../api";
import type { DashRunMutation, IngestRowFragment } from "../generated";
import { ErrorBox, Section, SubmitForm, TextField, useAction } from "../ui";

/** Renames the app (its owner's or an admin's to do); the page follows it to its new name. */
export function Rename({ app, allowed }: { app: string; allowed: boolean }) {
  const [name, setName] = useState("");
  const rename = useAction(async () => {
    const { renameApp } = await api.DashRenameApp({ app, name: name.trim() });
    setName("");
    location.hash = `#/apps/${encodeURIComponent(renameApp.name)}`;
  });
  return (
    <Section title="Rename" id="rename">
      <p class="muted">{allowed ? "Its URL and git remote change with it; the old ones stop working." : "Only the app's owner (or an admin) may rename it."}</p>
      <SubmitForm action={rename} submit={rename.run} label="Rename app" pending="Renaming…" disabled={!allowed || name.trim() === ""} fields={["name"]}>
        <TextField label="New name" name="new-name" field="name" value={name} onInput={setName} error={rename.error} disabled={!allowed} autocomplete="off" required />
      </SubmitForm>
    </Section>
  );
}

/** Gives the app to another user: its owner's (or an admin's) to do. */
export function Transfer({ app, allowed }: { app: string; allowed: boolean }) {
  const [to, setTo] = useState("");
  const transfer = useAction(async () => {
    await api.DashTransferApp({ name: app, to: to.trim() });
    setTo("");
  });
  return (
    <Section title="Transfer ownership" id="transfer">
      {!allowed && <p class="muted">Only the app's owner (or an admin) may give it to someone else.</p>}
      <SubmitForm action={transfer} submit={transfer.run} label="Transfer app" disabled={!allowed || to.trim() === ""} fields={["to"]}>
        <TextField label="New owner's username" name="to" value={to} onInput={setTo} error={transfer.error} disabled={!allowed} autocomplete="off" required />
      </SubmitForm>
    </Section>
  );
}

/** The app's syslog ingest token: shown only when asked for (or just rotated), with a copy button. */
export function LogIngest({ app }: { app: string }) {
  const [ingest, setIngest] = useState<IngestRowFragment | null>(null);
  const [copied, setCopied] = useState(false);
  const show = useAction(async () => {
    setIngest((await api.DashLogIngest({ app })).logIngest);
    setCopied(false);
  });
  const rotate = useAction(async () => {
    setIngest((await api.DashRotateLogIngestToken({ app })).rotateLogIngestToken);
    setCopied(false);
  });
  const copy = async () => {
    if (!ingest) return;
    await navigator.clipboard.writeText(ingest.token).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <Section title="Log ingest" id="ingest">
      <p class="muted">Syslog senders put the app's ingest token in their lines; rotating it drops lines with the old one.</p>
      {ingest && (
        <div data-testid="ingest-token">
          <p>
            Token: <code class="secret">{ingest.token}</code>{" "}
            <button type="button" onClick={() => void copy()}>
              Copy token
            </button>{" "}
            {copied && <span role="status">Copied</span>}
          </p>
          {ingest.host && (
            <p class="meta">
              Send to {ingest.host}:{ingest.port} (UDP or TCP), e.g. <code class="secret">{ingest.rfc5424Example}</code>
            </p>
          )}
          <button type="button" onClick={() => setIngest(null)}>
            Hide token
          </button>
        </div>
      )}
      <div class="row">
        {!ingest && (
          <button type="button" disabled={show.busy} onClick={() => void show.run()}>
            Show ingest token
          </button>
        )}
        <button type="button" disabled={rotate.busy} onClick={() => void rotate.run()}>
          Rotate ingest token
        </button>
      </div>
      <ErrorBox error={show.error ?? rotate.error} />
    </Section>
  );
}

/** A one-off command in the app's image with its config (`deis run`), and what it printed. */
export function RunCommand({ app }: { app: string }) {
  const [command, setCommand] = useState("");
  const [result, setResult] = useState<DashRunMutation["run"] | null>(null);
  const run = useAction(async () => {
    setResult(null);
    setResult((await api.DashRun({ app, command, timeoutSeconds: 60 })).run);
  });
  const [background, setBackground] = useState("");
  const [started, setStarted] = useState<string | null>(null);
  const detached = useAction(async () => {
    setStarted((await api.DashRunDetached({ app, command: background })).runDetached);
    setBackground("");
  });
  return (
    <Section title="Run a command" id="run">
      <SubmitForm action={run} submit={run.run} label="Run" pending="Running…" disabled={command.trim() === ""} fields={["command"]}>
        <TextField label="Command" name="command" value={command} onInput={setCommand} error={run.error} placeholder="node -v" autocomplete="off" required />
      </SubmitForm>
      {result && (
        <>
          <p role="status">
            Exit code {result.exitCode}
            {result.timedOut ? " (ended by the time limit)" : ""}
          </p>
          <pre class="log" aria-label="Command output" data-testid="run-output">
            {result.output}
          </pre>
        </>
      )}
      <h3>In the background</h3>
      <p class="muted">A detached one-off runs until it ends or is stopped; it shows under Processes as run.N, its output in the app's log.</p>
      <SubmitForm action={detached} submit={detached.run} label="Run detached" pending="Starting…" disabled={background.trim() === ""} fields={["command"]}>
        <TextField label="Background command" name="background-command" field="command" value={background} onInput={setBackground} error={detached.error} placeholder="npm run migrate" autocomplete="off" required />
      </SubmitForm>
      {started && (
        <p role="status" data-testid="detached-started">
          Started <code>{started}</code>: follow it in the <a href={`#/apps/${encodeURIComponent(app)}/logs`}>live logs</a>.
        </p>
      )}
    </Section>
  );
}
