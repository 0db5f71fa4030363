import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { LogRowFragment } from "../generated";
import { ErrorBox, useLive, useQuery } from "../ui";

const MAX_LINES = 10_000;
/** New lines reach the page in batches, ten times a second: each batch costs one layout, whatever the rate. */
const FLUSH_MS = 100;

function sourceKind(source: string): "app" | "router" | "platform" {
  if (source === "router") return "router";
  if (source.startsWith("deis")) return "platform";
  return "app";
}

/**
 * A live tail: lines are kept in an array (the newest 10,000) and appended to the DOM directly, in
 * batches ten times a second, never through a diff of every line; paused, they queue and show on resume.
 * Each batch is one block of text (not one element per line), so 10,000 lines are ~100 elements to lay out.
 */
export function LogsView({ app }: { app: string }) {
  const lines = useRef<LogRowFragment[]>([]);
  const pending = useRef<LogRowFragment[]>([]);
  const box = useRef<HTMLPreElement>(null);
  const frame = useRef(0);
  /** Whether the view follows new lines: true until the user scrolls up, again when back at the bottom. */
  const following = useRef(true);
  const counted = useRef(0);
  const [paused, setPaused] = useState(false);
  const [sources, setSources] = useState({ app: true, router: true, platform: true });
  const [text, setText] = useState("");
  const [count, setCount] = useState(0);
  const [waiting, setWaiting] = useState(0);
  const filter = useRef({ sources, text, paused });
  filter.current = { sources, text, paused };

  const shows = (line: LogRowFragment) => filter.current.sources[sourceKind(line.source)] && (!filter.current.text || line.text.toLowerCase().includes(filter.current.text.toLowerCase()));

  /** Lines in the DOM, oldest chunk first: each chunk's line count. */
  const chunkLines = useRef<number[]>([]);
  const chunkNode = (texts: string[]) => {
    const node = document.createElement("div");
    node.className = "chunk";
    node.textContent = texts.join("\n");
    return node;
  };
  /** Drops the oldest lines past MAX_LINES: whole chunks, then the head of the oldest one left. */
  const trim = (target: HTMLElement) => {
    let excess = chunkLines.current.reduce((sum, n) => sum + n, 0) - MAX_LINES;
    while (excess > 0 && chunkLines.current[0] <= excess) {
      excess -= chunkLines.current.shift()!;
      target.firstElementChild!.remove();
    }
    if (excess > 0) {
      const first = target.firstElementChild!;
      const text = first.textContent ?? "";
      let cut = -1;
      for (let i = 0; i < excess; i++) cut = text.indexOf("\n", cut + 1);
      first.textContent = text.slice(cut + 1);
      chunkLines.current[0] -= excess;
    }
  };

  const flush = () => {
    frame.current = 0;
    const target = box.current;
    if (!target || filter.current.paused) return;
    const arrived = pending.current;
    pending.current = [];
    if (arrived.length === 0) return;
    const texts = arrived.filter(shows).map((line) => line.text);
    if (texts.length > 0) {
      target.appendChild(chunkNode(texts));
      chunkLines.current.push(texts.length);
      trim(target);
    }
    if (following.current) target.scrollTop = 1e9;
    // The count is text for people: a few updates a second, not one a frame.
    if (performance.now() - counted.current > 500) {
      counted.current = performance.now();
      setCount(lines.current.length);
    }
  };

  const add = (arrived: LogRowFragment[]) => {
    lines.current.push(...arrived);
    if (lines.current.length > MAX_LINES) lines.current.splice(0, lines.current.length - MAX_LINES);
    pending.current.push(...arrived);
    if (pending.current.length > MAX_LINES) pending.current.splice(0, pending.current.length - MAX_LINES);
    if (filter.current.paused) setWaiting(pending.current.length);
    else if (!frame.current) frame.current = window.setTimeout(flush, FLUSH_MS);
  };

  const redraw = () => {
    const target = box.current;
    if (!target) return;
    pending.current = [];
    const texts = lines.current.filter(shows).map((line) => line.text);
    const fragment = document.createDocumentFragment();
    chunkLines.current = [];
    for (let i = 0; i < texts.length; i += 500) {
      fragment.appendChild(chunkNode(texts.slice(i, i + 500)));
      chunkLines.current.push(Math.min(500, texts.length - i));
    }
    target.replaceChildren(fragment);
    target.scrollTop = target.scrollHeight;
  };

  const recent = useQuery(() => api.DashRecentLogs({ app }), [app]);
  const [started, setStarted] = useState(false);
  useEffect(() => {
    if (recent.data && !started) {
      add(recent.data.logs);
      setStarted(true);
    }
  }, [recent.data]);
  const liveError = useLive(started ? () => api.DashLogTail({ app }) : null, (event) => add(event.logBatches), [app, started]);
  useEffect(redraw, [sources, text]);
  useEffect(() => {
    if (!paused) {
      redraw();
      setWaiting(0);
      setCount(lines.current.length);
    }
  }, [paused]);
  useEffect(() => () => clearTimeout(frame.current), []);

  return (
    <>
      <h1 tabIndex={-1}>Logs of {app}</h1>
      <p>
        <a href={`#/apps/${encodeURIComponent(app)}`}>Back to {app}</a>
      </p>
      <div class="row" role="group" aria-label="Log filters">
        {(["app", "router", "platform"] as const).map((kind) => (
          <label key={kind} class="check">
            <input type="checkbox" checked={sources[kind]} onChange={(e) => setSources({ ...sources, [kind]: e.currentTarget.checked })} />
            {kind}
          </label>
        ))}
        <label>
          Filter lines
          <input type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume" : "Pause"}
        </button>
        <span class="muted" role="status">
          {paused ? `paused (${waiting} new lines waiting)` : `${count} lines`}
        </span>
      </div>
      <ErrorBox error={recent.error ?? liveError} />
      <pre
        class="log tail"
        ref={box}
        tabIndex={0}
        aria-label={`Live log of ${app}`}
        data-testid="log-tail"
        onScroll={(e) => {
          const target = e.currentTarget;
          following.current = target.scrollTop + target.clientHeight >= target.scrollHeight - 40;
        }}
      />
    </>
  );
}
