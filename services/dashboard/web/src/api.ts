// The dashboard service's JSON API (same origin). Every service call is
// POST /api/rpc/<service>/<Method> with the gRPC request as proto3 JSON (original field
// names) and the X-CSRF-Token header; errors are {"error":{"code","message"}}.
import type { Session } from './types';

export type Service = 'compute' | 'network' | 'image' | 'block-storage' | 'identity';

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrf = '';
let onUnauthenticated: (() => void) | null = null;

export function setCsrf(token: string) { csrf = token; }
export function csrfToken() { return csrf; }
export function setUnauthenticatedHandler(fn: () => void) { onUnauthenticated = fn; }

async function parseError(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + res.status;
  let message = res.statusText || 'Request failed (HTTP ' + res.status + ')';
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      const body = JSON.parse(text);
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch {
      // Not JSON (e.g. a proxy error page): show a short version of it.
      message = `HTTP ${res.status}: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) || message}`;
    }
  }
  return new ApiError(res.status, code, message);
}

async function request<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the dashboard service: ' + (e instanceof Error ? e.message : String(e)));
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401 && !opts.quiet401 && onUnauthenticated) onUnauthenticated();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export function rpc<T = any>(service: Service, method: string, body: object = {}): Promise<T> {
  return request<T>('POST', `/api/rpc/${service}/${method}`, body);
}

/** Every page of a paged List* call (page_size / page_token / next_page_token). */
export async function listAll<T>(service: Service, method: string, field: string, body: object = {}): Promise<T[]> {
  const out: T[] = [];
  let token = '';
  for (let i = 0; i < 100; i++) {
    const res: any = await rpc(service, method, { ...body, page_size: 1000, page_token: token });
    out.push(...((res?.[field] as T[]) ?? []));
    token = res?.next_page_token ?? '';
    if (!token) break;
  }
  return out;
}

export const session = {
  get: () => request<Session>('GET', '/api/session', undefined, { quiet401: true }),
  login: (username: string, password: string, project: string) =>
    request<Session>('POST', '/api/session', project ? { username, password, project } : { username, password }, { quiet401: true }),
  logout: () => request<void>('DELETE', '/api/session', undefined, { quiet401: true }),
  switchProject: (project: string) => request<Session>('POST', '/api/session/project', { project }),
  projects: () => request<{ projects: { id: string; name: string; description?: string }[] }>('GET', '/api/projects'),
  endpoints: () => request<{ endpoints: { service: string; url: string; region?: string }[] }>('GET', '/api/endpoints'),
};

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
