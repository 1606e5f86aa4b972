// Formatting helpers.
const prefixes = ['VM_STATE_', 'POWER_STATE_', 'TASK_STATE_', 'VOLUME_STATUS_', 'SNAPSHOT_STATUS_', 'ATTACHMENT_STATUS_', 'KEY_TYPE_', 'HOST_STATUS_'];

/** "VM_STATE_ACTIVE" -> "Active", "POWER_STATE_NOSTATE" -> "No State", "TASK_STATE_NONE" -> "None". */
export function enumLabel(v: string | undefined | null): string {
  if (!v) return '';
  let s = v;
  for (const p of prefixes) if (s.startsWith(p)) { s = s.slice(p.length); break; }
  if (s === 'NOSTATE') return 'No State';
  if (s === 'IN_USE') return 'In-use';
  return s.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

export function status(v: string | undefined): string { return enumLabel(v).toUpperCase().replace(/ /g, '_'); }

export function age(ts: string | undefined, now = Date.now()): string {
  if (!ts) return '';
  const t = Date.parse(ts);
  if (isNaN(t) || t <= 0) return '';
  let s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return `${d} days`;
}

export function dateTime(ts: string | undefined): string {
  if (!ts) return '';
  const t = Date.parse(ts);
  if (isNaN(t) || t <= 0) return '';
  return new Date(t).toLocaleString();
}

export function bytes(v: string | number | undefined): string {
  const n = Number(v ?? 0);
  if (!n) return '0 B';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, x = n;
  while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
  return `${x.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function mib(v: number): string { return v >= 1024 ? `${+(v / 1024).toFixed(1)} GiB` : `${v} MiB`; }

/** UTF-8 text -> base64 (CreateServerRequest.user_data). */
export function base64Utf8(text: string): string {
  const b = new TextEncoder().encode(text);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function download(filename: string, content: string, type = 'application/x-pem-file') {
  const blob = new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
}

export function uuid(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function shortId(id: string): string { return id ? id.slice(0, 8) : ''; }
