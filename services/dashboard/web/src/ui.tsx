// Small UI kit: router, dialogs, toasts, confirm, data hooks, bars.
import { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from './api';

// ---- router (history API; the service answers index.html for unknown paths) ----
const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));
export function navigate(path: string, replace = false) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}
export function usePath(): string {
  const [p, setP] = useState(location.pathname);
  useEffect(() => {
    const l = () => setP(location.pathname);
    listeners.add(l);
    return () => { listeners.delete(l); };
  }, []);
  return p;
}
export function Link(props: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: any; 'data-testid'?: string }) {
  const { href, children, ...rest } = props;
  return (
    <a href={href} {...rest} onClick={(e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault(); navigate(href);
    }}>{children}</a>
  );
}

// ---- toasts ----
type Toast = { id: number; kind: 'ok' | 'error'; text: string };
let toastSeq = 0;
let pushToast: (t: Toast) => void = () => {};
export function toast(text: string, kind: 'ok' | 'error' = 'ok') { pushToast({ id: ++toastSeq, kind, text }); }
export function toastError(e: unknown) { toast(errorMessage(e), 'error'); }
export function Toasts() {
  const [items, setItems] = useState<Toast[]>([]);
  useEffect(() => {
    pushToast = (t) => {
      setItems((xs) => [...xs.slice(-4), t]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== t.id)), t.kind === 'error' ? 10000 : 5000);
    };
  }, []);
  return (
    <div class="toasts" aria-live="polite" role="status">
      {items.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => setItems((xs) => xs.filter((x) => x.id !== t.id))}>×</button>
        </div>
      ))}
    </div>
  );
}

// ---- modal dialog (native <dialog>: focus trap, Escape closes) ----
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean; testid?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    const first = d.querySelector<HTMLElement>('[autofocus], input:not([type=hidden]), select, textarea');
    first?.focus();
  }, []);
  return (
    <dialog ref={ref} class={props.wide ? 'modal wide' : 'modal'} aria-labelledby="modal-title" data-testid={props.testid}
      onCancel={(e) => { e.preventDefault(); props.onClose(); }}>
      <header class="modal-head">
        <h2 id="modal-title">{props.title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>×</button>
      </header>
      {props.children}
    </dialog>
  );
}

/** A dialog with a form: runs `submit`, shows its error (the service's message) in the dialog. */
export function FormModal(props: {
  title: string; submitLabel: string; onClose: () => void; submit: () => Promise<void | boolean>;
  children: ComponentChildren; wide?: boolean; testid?: string; validate?: () => string | null;
}) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const v = props.validate?.();
    if (v) { setErr(v); return; }
    setBusy(true); setErr('');
    try {
      const r = await props.submit();
      if (r !== false) props.onClose();
    } catch (x) { setErr(errorMessage(x)); } finally { setBusy(false); }
  };
  return (
    <Modal title={props.title} onClose={props.onClose} wide={props.wide} testid={props.testid}>
      <form onSubmit={onSubmit} noValidate>
        <div class="modal-body">{props.children}</div>
        {err && <p class="form-error" role="alert" data-testid="form-error">{err}</p>}
        <footer class="modal-foot">
          <button type="button" onClick={props.onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Working…' : props.submitLabel}</button>
        </footer>
      </form>
    </Modal>
  );
}

// ---- confirm ----
type Ask = { text: string; action: string; resolve: (ok: boolean) => void };
let pushAsk: (a: Ask) => void = () => {};
export function confirmAction(text: string, action = 'Delete'): Promise<boolean> {
  return new Promise((resolve) => pushAsk({ text, action, resolve }));
}
export function ConfirmHost() {
  const [ask, setAsk] = useState<Ask | null>(null);
  useEffect(() => { pushAsk = setAsk; }, []);
  if (!ask) return null;
  const done = (ok: boolean) => { ask.resolve(ok); setAsk(null); };
  return (
    <Modal title={`Confirm ${ask.action}`} onClose={() => done(false)} testid="confirm-dialog">
      <div class="modal-body"><p>{ask.text}</p></div>
      <footer class="modal-foot">
        <button type="button" onClick={() => done(false)}>Cancel</button>
        <button type="button" class="danger" autofocus onClick={() => done(true)}>{ask.action}</button>
      </footer>
    </Modal>
  );
}

// ---- data ----
/** Loads with `fn`, optionally re-polls every `interval` ms (skipping while hidden or in flight). */
export function useData<T>(fn: () => Promise<T>, deps: unknown[], interval = 0) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const inflight = useRef(false);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const reload = useCallback(async () => {
    if (inflight.current) return;
    inflight.current = true;
    try { setData(await fnRef.current()); setError(''); } catch (e) { setError(errorMessage(e)); } finally { inflight.current = false; }
  }, []);
  useEffect(() => {
    setData(undefined);
    reload();
    if (!interval) return;
    const t = setInterval(() => { if (!document.hidden) reload(); }, interval);
    return () => clearInterval(t);
  }, deps);
  return { data, error, reload, setData };
}

/** Runs an action from a row button: toast on success, service message on failure. */
export async function act(p: Promise<unknown>, ok: string, after?: () => void) {
  try { await p; toast(ok); after?.(); } catch (e) { toastError(e); }
}

export function Bar(props: { label: string; used: number; limit: number; unit?: string }) {
  const unlimited = props.limit < 0;
  const pct = unlimited ? 0 : props.limit === 0 ? 100 : Math.min(100, Math.round((props.used / props.limit) * 100));
  const cls = pct >= 90 ? 'bar-fill hot' : pct >= 70 ? 'bar-fill warm' : 'bar-fill';
  const u = props.unit ? ' ' + props.unit : '';
  const text = unlimited ? `Used ${props.used}${u} (no limit)` : `Used ${props.used}${u} of ${props.limit}${u}`;
  return (
    <div class="chart" data-testid={`quota-${props.label.toLowerCase().replace(/\W+/g, '-')}`}>
      <div class="chart-label"><strong>{props.label}</strong><span>{text}</span></div>
      <div class="bar" role="meter" aria-label={props.label} aria-valuemin={0} aria-valuemax={unlimited ? undefined : props.limit}
        aria-valuenow={props.used} aria-valuetext={text}>
        <div class={cls} style={{ width: `${unlimited ? Math.min(100, props.used ? 5 : 0) : pct}%` }} />
      </div>
    </div>
  );
}

export function StatusBadge(props: { value: string }) {
  const v = props.value.toLowerCase();
  const kind = /active|available|running|in-use|success|up$|attached/.test(v) ? 'ok'
    : /error|killed|crashed|fail/.test(v) ? 'bad'
    : /build|creating|attaching|detaching|deleting|saving|queued|reboot|extending|pending|spawning|scheduling|networking|powering/.test(v) ? 'busy' : 'idle';
  return <span class={`badge badge-${kind}`}>{props.value}</span>;
}

export function PageHead(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-head">
      <h1>{props.title}</h1>
      <div class="page-actions">{props.children}</div>
    </div>
  );
}

export function Loading(props: { error?: string }) {
  if (props.error) return <p class="form-error" role="alert">{props.error}</p>;
  return <p class="muted" aria-busy="true">Loading…</p>;
}

export function Empty(props: { cols: number; text: string }) {
  return <tr><td colSpan={props.cols} class="empty">{props.text}</td></tr>;
}

/** Row actions: a compact menu built on <details> (keyboard-accessible). The items are
 *  positioned fixed under (or above) the button so scrolling table wrappers do not clip them. */
// A row's "More" menu. Its items and its document listeners exist only while it is open: a
// table of 1,000 rows then carries 1,000 summaries, not 12,000 buttons and 3,000 listeners.
export function RowMenu(props: { label: string; children: ComponentChildren }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  const [pos, setPos] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => { if (ref.current && !ref.current.contains(e.target as Node)) ref.current.open = false; };
    const onScroll = (e: Event) => {
      const d = ref.current;
      if (d?.open && !(e.target instanceof Node && d.contains(e.target))) d.open = false;
    };
    document.addEventListener('click', close);
    window.addEventListener('scroll', onScroll, true);
    window.addEventListener('resize', onScroll);
    return () => { document.removeEventListener('click', close); window.removeEventListener('scroll', onScroll, true); window.removeEventListener('resize', onScroll); };
  }, [open]);
  const place = () => {
    const d = ref.current;
    setOpen(!!d?.open);
    if (!d?.open) return;
    const r = d.querySelector('summary')!.getBoundingClientRect();
    const right = `${Math.max(8, window.innerWidth - r.right)}px`;
    const below = window.innerHeight - r.bottom;
    setPos(below < 320 && r.top > below ? { right, bottom: `${window.innerHeight - r.top + 4}px` } : { right, top: `${r.bottom + 4}px` });
    requestAnimationFrame(() => requestAnimationFrame(() => d.querySelector<HTMLElement>('.rowmenu-items button')?.focus()));
  };
  return (
    <details class="rowmenu" ref={ref} onToggle={place} onKeyDown={(e) => {
      const d = ref.current;
      if (!d) return;
      if (e.key === 'Escape') { d.open = false; (d.querySelector('summary') as HTMLElement).focus(); }
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const items = [...d.querySelectorAll<HTMLElement>('.rowmenu-items button')];
        const i = items.indexOf(document.activeElement as HTMLElement);
        const n = e.key === 'ArrowDown' ? (i + 1) % items.length : (i - 1 + items.length) % items.length;
        items[n]?.focus(); e.preventDefault();
      }
    }}>
      <summary aria-label={props.label}>More ▾</summary>
      {open && <div class="rowmenu-items" role="menu" style={pos} onClick={() => { if (ref.current) ref.current.open = false; }}>{props.children}</div>}
    </details>
  );
}
