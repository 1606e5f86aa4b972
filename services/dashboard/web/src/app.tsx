import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, session as sessionApi, setCsrf, setUnauthenticatedHandler } from './api';
import type { Session } from './types';
import { ConfirmHost, Link, navigate, toastError, Toasts, usePath } from './ui';
import { Instances } from './pages/instances';
import { InstanceDetail } from './pages/detail';
import { KeyPairs, SecurityGroups, SecurityGroupRules, FloatingIps, ApiAccess } from './pages/access';
import { Volumes, VolumeSnapshots } from './pages/volumes';
import { Overview, Images, ImageDetail, Networks } from './pages/misc';
import { ADMIN_NAV, AllInstances, Flavors, Hypervisors, Quotas, SystemInformation } from './pages/admin';

const EXPIRED = 'Your session expired, please log in again.';

export function App() {
  const [sess, setSess] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    setUnauthenticatedHandler(() => { setCsrf(''); setSess(null); setNotice(EXPIRED); });
    sessionApi.get().then((s) => { setCsrf(s.csrf_token); setSess(s); })
      .catch((e) => { setSess(null); if (e?.status && e.status !== 401) setNotice(errorMessage(e)); });
  }, []);

  // Warn shortly before the token expires; the next call will answer 401 anyway.
  useEffect(() => {
    if (!sess?.expires_at) return;
    const ms = Date.parse(sess.expires_at) - Date.now();
    if (!(ms > 0) || ms > 2 ** 31 - 1) return;
    const t = setTimeout(() => { setCsrf(''); setSess(null); setNotice(EXPIRED); }, ms);
    return () => clearTimeout(t);
  }, [sess?.expires_at]);

  const loggedIn = (s: Session) => {
    setCsrf(s.csrf_token); setNotice(''); setSess(s);
    if (location.pathname === '/' || location.pathname === '/login') navigate('/project/', true);
  };

  return (
    <>
      {sess === undefined ? <div class="boot" aria-busy="true">Loading…</div>
        : sess === null ? <Login notice={notice} onLogin={loggedIn} />
        : <Shell sess={sess} setSess={loggedIn} onLogout={() => { setCsrf(''); setSess(null); setNotice('You have logged out.'); }} />}
      <Toasts />
      <ConfirmHost />
    </>
  );
}

function Login(props: { notice: string; onLogin: (s: Session) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [project, setProject] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Log in - Stratus Dashboard';
    performance.mark?.('login-page-rendered');
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!user.trim() || !password) { setErr('Enter your user name and password.'); return; }
    setBusy(true); setErr('');
    try {
      props.onLogin(await sessionApi.login(user.trim(), password, project.trim()));
    } catch (x: any) {
      setErr(x?.status === 401 ? (x.message && x.code !== 'HTTP_401' ? x.message : 'Invalid credentials.') : errorMessage(x));
    } finally { setBusy(false); }
  };
  return (
    <main class="login" data-testid="login-page">
      <form class="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div class="brand brand-login" aria-hidden="true"><span class="logo">☁</span> stratus</div>
        <h1 id="login-title">Log in</h1>
        {props.notice && <p class="notice" role="status" data-testid="login-notice">{props.notice}</p>}
        <label for="login-user">User name</label>
        <input id="login-user" name="username" autocomplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required autofocus />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        <label for="login-project">Project <span class="muted">(optional)</span></label>
        <input id="login-project" name="project" value={project} onInput={(e) => setProject(e.currentTarget.value)} placeholder="name or id" />
        {err && <p class="form-error" role="alert" data-testid="login-error">{err}</p>}
        <button type="submit" class="primary block" disabled={busy}>{busy ? 'Signing in…' : 'Sign In'}</button>
      </form>
    </main>
  );
}

const NAV: { group: string; items: [string, string][] }[] = [
  { group: 'Compute', items: [['/project/', 'Overview'], ['/project/instances', 'Instances'], ['/project/images', 'Images'], ['/project/key_pairs', 'Key Pairs']] },
  { group: 'Volumes', items: [['/project/volumes', 'Volumes'], ['/project/snapshots', 'Volume Snapshots']] },
  { group: 'Network', items: [['/project/networks', 'Networks'], ['/project/security_groups', 'Security Groups'], ['/project/floating_ips', 'Floating IPs']] },
  { group: 'Access', items: [['/project/api_access', 'API Access']] },
];

function Shell(props: { sess: Session; setSess: (s: Session) => void; onLogout: () => void }) {
  const path = usePath();
  const { sess } = props;
  const [projects, setProjects] = useState<{ id: string; name: string }[]>([]);
  const [navOpen, setNavOpen] = useState(false);
  useEffect(() => { sessionApi.projects().then((r) => setProjects(r.projects ?? [])).catch(() => setProjects([])); }, [sess.user_id]);
  const first = useRef(true);
  useEffect(() => {
    setNavOpen(false);
    // Move focus to the new page for keyboard and screen-reader users (not on first load).
    if (first.current) { first.current = false; return; }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);

  const switchProject = async (id: string) => {
    try { props.setSess(await sessionApi.switchProject(id)); navigate('/project/'); } catch (e) { toastError(e); }
  };
  const logout = async () => {
    try { await sessionApi.logout(); } catch (e) { /* logged out locally anyway */ }
    props.onLogout();
  };
  const projectList = projects.some((p) => p.id === sess.project_id) ? projects : [{ id: sess.project_id, name: sess.project_name }, ...projects];

  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <button type="button" class="icon nav-toggle" aria-label="Menu" aria-expanded={navOpen} aria-controls="sidenav" onClick={() => setNavOpen(!navOpen)}>☰</button>
        <Link href="/project/" class="brand"><span class="logo" aria-hidden="true">☁</span> stratus</Link>
        <label class="project-switch">
          <span class="sr-only">Project</span>
          <select aria-label="Project" data-testid="project-switcher" value={sess.project_id} onChange={(e) => switchProject(e.currentTarget.value)}>
            {projectList.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
        <span class="spacer" />
        <span class="user" data-testid="current-user" title={(sess.roles ?? []).join(', ')}>{sess.user_name}</span>
        <button type="button" onClick={logout} data-testid="logout">Sign Out</button>
      </header>
      <div class="body">
        <nav id="sidenav" class={navOpen ? 'sidenav open' : 'sidenav'} aria-label="Main">
          {[...NAV, ...((sess.roles ?? []).includes('admin') ? [{ group: 'Admin', items: ADMIN_NAV }] : [])].map((g) => (
            <div key={g.group} class="navgroup">
              <h2>{g.group}</h2>
              <ul>
                {g.items.map(([href, label]) => {
                  const cur = href === '/project/' ? path === '/project/' || path === '/project' || path === '/' : path === href || path.startsWith(href + '/');
                  return <li key={href}><Link href={href} aria-current={cur ? 'page' : undefined}>{label}</Link></li>;
                })}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" class="content" tabIndex={-1} key={sess.project_id}>
          <Route path={path} sess={sess} />
        </main>
      </div>
    </div>
  );
}

function Route(props: { path: string; sess: Session }) {
  const p = props.path.replace(/\/+$/, '') || '/';
  let m: RegExpMatchArray | null;
  useEffect(() => {
    const names: Record<string, string> = { hypervisors: 'Hypervisors', services: 'System Information', flavors: 'Flavors', quotas: 'Quotas', instances: 'Instances', images: 'Images', key_pairs: 'Key Pairs', volumes: 'Volumes', snapshots: 'Volume Snapshots', networks: 'Networks', security_groups: 'Security Groups', floating_ips: 'Floating IPs', api_access: 'API Access' };
    const seg = p.split('/')[2] ?? '';
    document.title = `${names[seg] ?? 'Overview'} - Stratus Dashboard`;
  }, [p]);
  if (p === '/' || p === '/project' || p === '/login') return <Overview />;
  if (p === '/project/instances') return <Instances />;
  if ((m = p.match(/^\/project\/instances\/([^/]+)(?:\/(\w+))?$/))) return <InstanceDetail id={decodeURIComponent(m[1])} tab={m[2] ?? 'overview'} />;
  if (p === '/project/images') return <Images />;
  if ((m = p.match(/^\/project\/images\/([^/]+)$/))) return <ImageDetail id={decodeURIComponent(m[1])} />;
  if (p === '/project/key_pairs') return <KeyPairs />;
  if (p === '/project/volumes') return <Volumes />;
  if (p === '/project/snapshots') return <VolumeSnapshots />;
  if (p === '/project/networks') return <Networks />;
  if (p === '/project/security_groups') return <SecurityGroups />;
  if ((m = p.match(/^\/project\/security_groups\/([^/]+)$/))) return <SecurityGroupRules id={decodeURIComponent(m[1])} />;
  if (p === '/project/floating_ips') return <FloatingIps />;
  if (p === '/project/api_access') return <ApiAccess sess={props.sess} />;
  if (p === '/admin/hypervisors') return <Hypervisors />;
  if (p === '/admin/services') return <SystemInformation />;
  if (p === '/admin/instances') return <AllInstances />;
  if (p === '/admin/flavors') return <Flavors />;
  if (p === '/admin/quotas') return <Quotas />;
  return <div><h1>Page not found</h1><p><Link href="/project/">Go to the Overview</Link></p></div>;
}
