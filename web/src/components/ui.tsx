import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { ApiError, serverNow } from '../api';

/** The API's message (never a stack), with its request id for support. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e =
    error instanceof ApiError
      ? error
      : new ApiError(0, 'CLIENT', 'Something went wrong in this page. Reload it and try again.');
  return (
    <div className="note error" role="alert">
      <p>{e.message}</p>
      {e.details?.length ? (
        <ul>
          {e.details.map((d) => (
            <li key={d.path + d.message}>{d.path ? `${d.path}: ${d.message}` : d.message}</li>
          ))}
        </ul>
      ) : null}
      {e.requestId ? <p className="muted small">Reference: {e.requestId}</p> : null}
    </div>
  );
}

export function Notice({ children, kind = 'info' }: { children: ReactNode; kind?: 'info' | 'ok' | 'warn' }) {
  return (
    <div className={`note ${kind}`} role="status">
      {children}
    </div>
  );
}

export function Field(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  autoComplete?: string;
  hint?: ReactNode;
  required?: boolean;
  inputMode?: 'numeric' | 'decimal' | 'text' | 'email';
  name?: string;
  autoFocus?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        inputMode={props.inputMode}
        autoFocus={props.autoFocus}
        aria-describedby={props.hint ? hintId : undefined}
      />
      {props.hint ? (
        <div id={hintId} className="hint">
          {props.hint}
        </div>
      ) : null}
    </div>
  );
}

/** An exact date and time in the user's zone and in UTC, e.g. for a delayed change. */
export function ExactTime({ at }: { at: string }) {
  const d = new Date(at);
  const local = d.toLocaleString(undefined, {
    dateStyle: 'full',
    timeStyle: 'long',
  });
  return (
    <time dateTime={d.toISOString()} title={`${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`}>
      {local}
    </time>
  );
}

export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'now';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h ${m} min`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${sec} s`;
  return `${sec} s`;
}

/**
 * "Takes effect on <exact time> (in 2 d 3 h)": the exact moment from the server, the remaining
 * time counted on the server's clock so that a wrong browser clock cannot mislead.
 */
export function Countdown({ until, label }: { until: string; label: string }) {
  const [now, setNow] = useState(serverNow());
  useEffect(() => {
    const t = setInterval(() => setNow(serverNow()), 1000);
    return () => clearInterval(t);
  }, []);
  const remaining = Date.parse(until) - now;
  return (
    <p className="countdown" data-testid="countdown">
      {label}{' '}
      <strong>
        <ExactTime at={until} />
      </strong>{' '}
      <span className="muted">({remaining > 0 ? `in ${formatRemaining(remaining)}` : 'reached'})</span>
    </p>
  );
}

export function Page({ title, children, intro }: { title: string; intro?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Custos`;
  }, [title]);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {intro ? <p className="intro">{intro}</p> : null}
      {children}
    </section>
  );
}

export function Submit({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
      {busy ? 'Working…' : children}
    </button>
  );
}

export const fmt = (at: string | null | undefined) => (at ? new Date(at).toLocaleString() : '—');

/** "1 minute", "3 minutes". */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A form's submit handler that runs `action` instead of navigating. */
export const onSubmit =
  (action: () => void) =>
  (e: FormEvent): void => {
    e.preventDefault();
    action();
  };

/** A radio group of choices, e.g. which second factor to use. */
export function ChoiceGroup<T extends string>(props: {
  legend: string;
  name: string;
  options: readonly T[];
  labels: Record<T, string>;
  value: T;
  onChange: (v: T) => void;
}) {
  return (
    <fieldset className="choices">
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o}>
          <input
            type="radio"
            name={props.name}
            checked={props.value === o}
            onChange={() => props.onChange(o)}
          />{' '}
          {props.labels[o]}
        </label>
      ))}
    </fieldset>
  );
}

/** Rename and Remove buttons of a table row (passkeys, devices). */
export function RenameRemove({
  name,
  what,
  onRename,
  onRemove,
}: {
  name: string;
  what: string;
  onRename: (newName: string) => void;
  onRemove: () => void;
}) {
  return (
    <>
      <button
        type="button"
        onClick={() => {
          const next = window.prompt(`New name for this ${what}`, name)?.trim();
          if (next) onRename(next);
        }}
      >
        Rename<span className="sr-only"> {name}</span>
      </button>
      <button type="button" className="danger" onClick={onRemove}>
        Remove<span className="sr-only"> {name}</span>
      </button>
    </>
  );
}

/** A table with a caption for screen readers and plain column headings; scrolls on a phone. */
export function DataTable({
  caption,
  columns,
  actions = false,
  children,
}: {
  caption: string;
  columns: readonly string[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A labelled drop-down list. */
export function SelectField(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly (readonly [value: string, label: string])[];
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
