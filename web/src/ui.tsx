import type { ComponentChildren, InputHTMLAttributes } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

/** Listeners told when any action on the page has succeeded (e.g. the audit trail, whose record is written before the answer). */
const doneListeners = new Set<() => void>();

/** A counter that grows each time an action on the page succeeds. */
export function useActionsDone(): number {
  const [done, setDone] = useState(0);
  useEffect(() => {
    const listener = () => setDone((n) => n + 1);
    doneListeners.add(listener);
    return () => void doneListeners.delete(listener);
  }, []);
  return done;
}

/** Runs an action, keeping whether it is busy and the error it ended with (shown next to the field it names). */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>): { run: (...args: A) => Promise<boolean>; busy: boolean; error: ApiError | null } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        await action(...args);
        for (const listener of doneListeners) listener();
        return true;
      } catch (caught) {
        setError(caught instanceof ApiError ? caught : new ApiError("something went wrong; try again", "UNKNOWN"));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error };
}

/** Loads data and reloads it when asked (a live event arrived); keeps showing the last data while reloading. */
export function useQuery<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: ApiError | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && (setData(value), setError(null)),
      (caught: unknown) => current && setError(caught instanceof ApiError ? caught : new ApiError(String(caught), "UNKNOWN")),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  return { data, error, reload: useCallback(() => setGeneration((n) => n + 1), []) };
}

/** Follows a subscription while mounted; `onEvent` sees each event. */
export function useLive<T>(start: (() => AsyncIterable<T>) | null, onEvent: (event: T) => void, deps: unknown[]): ApiError | null {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!start) return;
    const iterator = start()[Symbol.asyncIterator]();
    let stopped = false;
    (async () => {
      while (!stopped) {
        const next = await iterator.next();
        if (next.done) return;
        handler.current(next.value);
      }
    })().catch((caught: unknown) => !stopped && setError(caught instanceof ApiError ? caught : new ApiError(String(caught), "UNKNOWN")));
    return () => {
      stopped = true;
      void iterator.return?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return error;
}

/** The error for one field, next to it; `field` null shows errors that name no field of this form. */
export function FieldError({ error, field, fields = [] }: { error: ApiError | null; field: string | null; fields?: string[] }) {
  if (!error) return null;
  const named = error.field ?? null;
  const belongs = field === null ? named === null || !fields.some((f) => named === f || named.startsWith(`${f}.`) || named.startsWith(`${f}[`)) : named !== null && (named === field || named.startsWith(`${field}.`) || named.startsWith(`${field}[`));
  if (!belongs) return null;
  return (
    <p class="error" role="alert" data-field={named ?? undefined}>
      {error.message}
    </p>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section aria-labelledby={`${id ?? title}-title`} class="card">
      <h2 id={`${id ?? title}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString();
}

export function ErrorBox({ error }: { error: ApiError | null }) {
  return error ? (
    <p class="error" role="alert">
      {error.message}
    </p>
  ) : null;
}

/** What a form needs of a `useAction`: whether it is busy and the error it ended with. */
export interface ActionState {
  readonly busy: boolean;
  readonly error: ApiError | null;
}

/**
 * A labelled input (or a textarea with `rows`) with the API's error for its field (`extensions.field`)
 * under it. `field` is the name the API gives the input's argument (default `name`); `error` is the
 * form's action error, shown only when it names this field.
 */
export function TextField({
  label,
  name,
  value,
  onInput,
  error,
  field = name,
  rows,
  ...input
}: {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  error?: ApiError | null;
  field?: string;
  rows?: number;
  type?: "text" | "password" | "number";
  placeholder?: string;
  autocomplete?: string;
  required?: boolean;
  disabled?: boolean;
  min?: number;
}) {
  const changed = (e: { currentTarget: { value: string } }) => onInput(e.currentTarget.value);
  return (
    <label>
      {label}
      {rows ? <textarea name={name} rows={rows} value={value} onInput={changed} {...input} /> : <input {...({ name, value, onInput: changed, ...input } as InputHTMLAttributes<HTMLInputElement>)} />}
      {error !== undefined && <FieldError error={error} field={field} />}
    </label>
  );
}

/**
 * A form of fields and one submit button: Enter or the button runs `submit` (once; the button is
 * disabled and says `pending` while the action runs), and errors that name none of `fields` show
 * under the form.
 */
export function SubmitForm({
  action,
  submit,
  label,
  pending,
  disabled = false,
  fields = [],
  row = true,
  danger = false,
  title,
  children,
}: {
  action: ActionState;
  submit: () => unknown;
  label: string;
  pending?: string;
  disabled?: boolean;
  fields?: string[];
  row?: boolean;
  danger?: boolean;
  title?: string;
  children: ComponentChildren;
}) {
  return (
    <>
      <form
        class={row ? "row" : undefined}
        aria-busy={action.busy}
        onSubmit={(e) => {
          e.preventDefault();
          if (!action.busy && !disabled) void submit();
        }}
      >
        {children}
        <button type="submit" class={danger ? "danger" : undefined} disabled={disabled || action.busy} title={title}>
          {action.busy && pending ? pending : label}
        </button>
      </form>
      <FieldError error={action.error} field={null} fields={fields} />
    </>
  );
}
