import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { listAll, rpc } from '../api';
import type { FloatingIp, Image, Server, ServerAction, Volume } from '../types';
import { act, confirmAction, Empty, Link, Loading, navigate, PageHead, StatusBadge, useData } from '../ui';
import { age, dateTime, enumLabel, mib, uuid } from '../util';
import { AssociateFip, AttachVolumeDialog, serverAddresses, serverFips } from './instances';

const TABS: [string, string][] = [['overview', 'Overview'], ['console', 'Log'], ['serial', 'Console'], ['actions', 'Action Log']];

// The terminal (xterm.js) comes in its own chunk, fetched when the Console tab opens.
function LazySerialConsole(props: { id: string; name: string }) {
  const [view, setView] = useState<null | ((p: { id: string; name: string }) => any)>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    import('./serial_console').then((m) => setView(() => m.SerialConsole)).catch((e) => setError(String(e)));
  }, []);
  const View = view;
  return View ? <View {...props} /> : <Loading error={error || undefined} />;
}

export function InstanceDetail(props: { id: string; tab: string }) {
  const { data, error, reload } = useData(async () => {
    const [server, fips] = await Promise.all([
      rpc<Server>('compute', 'GetServer', { server: props.id }),
      rpc<{ floating_ips: FloatingIp[] }>('network', 'ListFloatingIps', {}).then((r) => r.floating_ips ?? []).catch(() => [] as FloatingIp[]),
    ]);
    return { server, fips };
  }, [props.id], 2000);
  const [dlg, setDlg] = useState<'' | 'attach' | 'fip'>('');
  const s = data?.server;
  const run = (m: string, ok: string, body: object = {}) => act(rpc('compute', m, { server: props.id, request_id: uuid(), ...body }), ok, reload);
  return (
    <section data-testid="instance-detail">
      <p class="crumbs"><Link href="/project/instances">Instances</Link> › {s?.name ?? props.id}</p>
      <PageHead title={s ? s.name : 'Instance'}>
        {s && <>
          <button type="button" onClick={() => run('StartServer', 'Starting')}>Start</button>
          <button type="button" onClick={() => run('StopServer', 'Shutting off')}>Shut Off</button>
          <button type="button" onClick={() => run('RebootServer', 'Rebooting', { hard: false })}>Reboot</button>
          <button type="button" class="danger" onClick={async () => {
            if (await confirmAction(`Delete instance ${s.name}?`, 'Delete Instance')) act(rpc('compute', 'DeleteServer', { server: s.id, request_id: uuid() }), `Deleting ${s.name}`, () => navigate('/project/instances'));
          }}>Delete Instance</button>
        </>}
      </PageHead>
      <nav class="tabs" aria-label="Instance detail">
        {TABS.map(([k, label]) => (
          <Link key={k} href={`/project/instances/${props.id}${k === 'overview' ? '' : '/' + k}`} class={props.tab === k ? 'tab current' : 'tab'} aria-current={props.tab === k ? 'page' : undefined} data-testid={`tab-${k}`}>{label}</Link>
        ))}
      </nav>
      {!s ? <Loading error={error} /> : (
        <>
          {props.tab === 'overview' && <Overview s={s} fips={data!.fips} onAttach={() => setDlg('attach')} onFip={() => setDlg('fip')} reload={reload} />}
          {props.tab === 'console' && <ConsoleLog id={s.id} />}
          {props.tab === 'serial' && <LazySerialConsole id={s.id} name={s.name} />}
          {props.tab === 'actions' && <ActionLog id={s.id} />}
        </>
      )}
      {dlg === 'attach' && s && <AttachVolumeDialog server={s} onClose={() => setDlg('')} onDone={reload} />}
      {dlg === 'fip' && s && <AssociateFip server={s} onClose={() => setDlg('')} onDone={reload} />}
    </section>
  );
}

function Overview(props: { s: Server; fips: FloatingIp[]; onAttach: () => void; onFip: () => void; reload: () => void }) {
  const { s } = props;
  const img = useData(() => (s.image_id ? rpc<Image>('image', 'GetImage', { image: s.image_id }).catch(() => null) : Promise.resolve(null)), [s.image_id]);
  const vols = useData(() => listAll<Volume>('block-storage', 'ListVolumes', 'volumes').catch(() => [] as Volume[]), [JSON.stringify(s.volume_attachments ?? [])]);
  const ad = serverAddresses(s, props.fips);
  const fips = serverFips(s, props.fips);
  const volName = (id: string) => vols.data?.find((v) => v.id === id)?.name || id;
  return (
    <div class="grid2">
      <div class="card">
        <h2>Overview</h2>
        <dl class="props">
          <dt>Name</dt><dd>{s.name}</dd>
          <dt>ID</dt><dd class="mono">{s.id}</dd>
          <dt>Status</dt><dd data-testid="detail-status"><StatusBadge value={enumLabel(s.vm_state)} /></dd>
          <dt>Task</dt><dd>{enumLabel(s.task_state)}</dd>
          <dt>Power State</dt><dd>{enumLabel(s.power_state)}</dd>
          <dt>Availability Zone</dt><dd>{s.availability_zone || '-'}</dd>
          <dt>Hostname</dt><dd>{s.hostname}</dd>
          <dt>Created</dt><dd>{dateTime(s.created_at)} ({age(s.created_at)})</dd>
          <dt>Launched</dt><dd>{dateTime(s.launched_at) || '-'}</dd>
          {s.fault?.message && <><dt>Fault</dt><dd class="bad">{s.fault.message}</dd></>}
        </dl>
        <h3>Specs</h3>
        <dl class="props">
          <dt>Flavor</dt><dd>{s.flavor?.name}</dd>
          <dt>VCPUs</dt><dd>{s.flavor?.vcpus}</dd>
          <dt>RAM</dt><dd>{s.flavor ? mib(s.flavor.ram_mib) : ''}</dd>
          <dt>Disk</dt><dd>{s.flavor?.disk_gib ? `${s.flavor.disk_gib} GiB` : 'image size'}</dd>
          <dt>Image</dt><dd>{img.data ? <Link href={`/project/images/${img.data.id}`}>{img.data.name}</Link> : s.image_id}</dd>
          <dt>Key Pair</dt><dd>{s.key_name || '-'}</dd>
        </dl>
      </div>
      <div class="card">
        <h2>IP Addresses</h2>
        <dl class="props" data-testid="detail-addresses">
          {Object.entries(s.addresses ?? {}).map(([net, na]) => (
            <Fragment key={net}><dt>{net}</dt><dd>{(na.addresses ?? []).map((a) => `${a.ip_address}${a.type === 'floating' ? ' (floating)' : ''}`).join(', ')}</dd></Fragment>
          ))}
          {ad.floating.length > 0 && <><dt>Floating IPs</dt><dd data-testid="detail-floating">{ad.floating.join(', ')}</dd></>}
        </dl>
        <div class="row-buttons">
          <button type="button" onClick={props.onFip}>Associate Floating IP</button>
          {fips.map((f) => <button type="button" key={f.id} onClick={() => act(rpc('network', 'DisassociateFloatingIp', { floating_ip: f.id }), `Disassociated ${f.floating_ip_address}`, props.reload)}>Disassociate {f.floating_ip_address}</button>)}
        </div>
        <h2>Security Groups</h2>
        <ul>{(s.security_groups ?? []).map((g) => <li key={g}>{g}</li>)}</ul>
        <h2>Volumes Attached</h2>
        <table class="table" data-testid="detail-volumes">
          <thead><tr><th scope="col">Volume</th><th scope="col">Device</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {(s.volume_attachments ?? []).length === 0 && <Empty cols={4} text="No volumes attached." />}
            {(s.volume_attachments ?? []).map((a) => (
              <tr key={a.volume_id} data-testid="detail-volume-row" data-volume-id={a.volume_id} data-name={volName(a.volume_id)}>
                <td>{volName(a.volume_id)}</td><td>{a.device}</td><td><StatusBadge value={enumLabel(a.status)} /></td>
                <td><button type="button" class="small-btn" onClick={() => act(rpc('compute', 'DetachVolume', { server: s.id, volume: a.volume_id, request_id: uuid() }), 'Detaching volume', props.reload)}>Detach</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="row-buttons"><button type="button" onClick={props.onAttach}>Attach Volume</button></div>
        <h2>Metadata</h2>
        <dl class="props">{Object.entries(s.metadata ?? {}).map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{v}</dd></Fragment>)}</dl>
      </div>
    </div>
  );
}

function ConsoleLog(props: { id: string }) {
  const [lines, setLines] = useState(35);
  const [follow, setFollow] = useState(true);
  const { data, error, reload } = useData(() => rpc<{ output: string; updated_at?: string }>('compute', 'GetConsoleLog', { server: props.id, lines }), [props.id, lines], follow ? 3000 : 0);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => { if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight; }, [data?.output]);
  return (
    <div class="card">
      <div class="page-head">
        <h2>Instance Console Log</h2>
        <div class="page-actions">
          <label class="inline-label" for="log-lines">Log Length</label>
          <select id="log-lines" value={String(lines)} onChange={(e) => setLines(Number(e.currentTarget.value))}>
            <option value="35">35 lines</option><option value="100">100 lines</option><option value="500">500 lines</option><option value="0">Full log</option>
          </select>
          <label class="check"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow</label>
          <button type="button" onClick={reload}>Go</button>
        </div>
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
      {data && <p class="muted small">Last reported {dateTime(data.updated_at) || 'never'}</p>}
      <pre class="console" ref={pre} tabIndex={0} aria-label="Console log" data-testid="console-log">{data ? data.output || '(the console log is empty so far)' : 'Loading…'}</pre>
    </div>
  );
}

function ActionLog(props: { id: string }) {
  const { data, error } = useData(() => rpc<{ actions: ServerAction[] }>('compute', 'ListServerActions', { server: props.id }).then((r) => r.actions ?? []), [props.id], 5000);
  return (
    <div class="card">
      <h2>Action Log</h2>
      {!data ? <Loading error={error} /> : (
        <table class="table" data-testid="action-log">
          <thead><tr><th scope="col">Request ID</th><th scope="col">Action</th><th scope="col">Start Time</th><th scope="col">Finished</th><th scope="col">User ID</th><th scope="col">Result</th><th scope="col">Message</th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={7} text="No actions." />}
            {data.map((a, i) => (
              <tr key={a.request_id + i}><td class="mono small">{a.request_id}</td><td>{a.action}</td><td>{dateTime(a.started_at)}</td><td>{dateTime(a.finished_at)}</td><td class="mono small">{(a.user_id ?? '').slice(0, 8)}</td><td><StatusBadge value={a.result} /></td><td>{a.message}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
