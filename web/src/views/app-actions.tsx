import { useState } from "preact/hooks";
import { api } from "../api";
import type { DashRunMutation, IngestRowFragment } from "../generated";
import { ErrorBox, FieldError, Section, useAction } from "../ui";

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
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void transfer.run();
        }}
      >
        <label>
          New owner's username
          <input name="to" value={to} disabled={!allowed} onInput={(e) => setTo(e.currentTarget.value)} autocomplete="off" required />
          <FieldError error={transfer.error} field="to" />
        </label>
        <button type="submit" disabled={!allowed || transfer.busy || to.trim() === ""}>
          Transfer app
        </button>
      </form>
      <FieldError error={transfer.error} field={null} fields={["to"]} />
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
  return (
    <Section title="Run a command" id="run">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run.run();
        }}
      >
        <label>
          Command
          <input name="command" value={command} onInput={(e) => setCommand(e.currentTarget.value)} placeholder="node -v" autocomplete="off" required />
          <FieldError error={run.error} field="command" />
        </label>
        <button type="submit" disabled={run.busy || command.trim() === ""}>
          {run.busy ? "Running…" : "Run"}
        </button>
      </form>
      <FieldError error={run.error} field={null} fields={["command"]} />
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
    </Section>
  );
}
