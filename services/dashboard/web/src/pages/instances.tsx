import { useEffect, useMemo, useState } from 'preact/hooks';
import { listAll, rpc } from '../api';
import type { FloatingIp, Flavor, Image, KeyPair, NetworkInfo, SecurityGroup, Server, Volume } from '../types';
import { act, confirmAction, Empty, FormModal, Link, Loading, Modal, navigate, PageHead, RowMenu, StatusBadge, toast, useData } from '../ui';
import { age, base64Utf8, enumLabel, mib, uuid } from '../util';
import { createKeyPair, importKeyPair, keyNameError } from './keys';

const PAGE_SIZE = 50;

export interface InstancesData { servers: Server[]; fips: FloatingIp[] }

export async function loadInstances(): Promise<InstancesData> {
  const [servers, fips] = await Promise.all([
    listAll<Server>('compute', 'ListServers', 'servers'),
    rpc<{ floating_ips: FloatingIp[] }>('network', 'ListFloatingIps', {}).then((r) => r.floating_ips ?? []).catch(() => [] as FloatingIp[]),
  ]);
  servers.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
  performance.mark('instances-data');  // with 'instances-rendered': the table's render time
  return { servers, fips };
}

export function serverPorts(s: Server): { port_id: string; ip: string; network: string }[] {
  const out: { port_id: string; ip: string; network: string }[] = [];
  for (const [net, na] of Object.entries(s.addresses ?? {}))
    for (const a of na.addresses ?? []) if (a.type !== 'floating' && a.port_id) out.push({ port_id: a.port_id, ip: a.ip_address, network: net });
  return out;
}

/** Fixed and floating addresses of a server, floating ones from the server and from ListFloatingIps. */
export function serverAddresses(s: Server, fips: FloatingIp[]): { fixed: string[]; floating: string[] } {
  const fixed: string[] = [], floating = new Set<string>();
  const ports = new Set(s.port_ids ?? []);
  for (const na of Object.values(s.addresses ?? {}))
    for (const a of na.addresses ?? []) {
      if (a.type === 'floating') floating.add(a.ip_address); else fixed.push(a.ip_address);
      if (a.port_id) ports.add(a.port_id);
    }
  for (const f of fips) if (f.port_id && ports.has(f.port_id)) floating.add(f.floating_ip_address);
  return { fixed, floating: [...floating] };
}

export function serverFips(s: Server, fips: FloatingIp[]): FloatingIp[] {
  const ports = new Set([...(s.port_ids ?? []), ...serverPorts(s).map((p) => p.port_id)]);
  return fips.filter((f) => f.port_id && ports.has(f.port_id));
}

function imageNames() {
  return listAll<Image>('image', 'ListImages', 'images').catch(() => [] as Image[]);
}

type Dlg = null | { kind: 'launch' } | { kind: 'fip' | 'snapshot' | 'sg' | 'attach' | 'detach'; server: Server };

export function Instances() {
  const { data, error, reload } = useData(loadInstances, [], 2000);
  const imgs = useData(imageNames, [], 30000);
  const [dlg, setDlg] = useState<Dlg>(null);
  const [filter, setFilter] = useState('');
  // Pages of PAGE_SIZE rows, as Horizon's tables: a project with 1,000 instances draws 50 rows,
  // not 1,000 (the filter searches them all).
  const [page, setPage] = useState(0);
  const imageName = useMemo(() => {
    const m = new Map<string, string>();
    for (const i of imgs.data ?? []) m.set(i.id, i.name);
    return m;
  }, [imgs.data]);
  const now = Date.now();
  const matching = (data?.servers ?? []).filter((s) => !filter || s.name.toLowerCase().includes(filter.toLowerCase()));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const rows = matching.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  useEffect(() => { if (data) performance.mark('instances-rendered'); }, [data]);

  return (
    <section data-testid="instances-page">
      <PageHead title="Instances">
        <label class="filter"><span class="sr-only">Filter instances by name</span>
          <input type="search" placeholder="Filter by name" value={filter} onInput={(e) => { setFilter(e.currentTarget.value); setPage(0); }} aria-label="Filter instances by name" /></label>
        <button type="button" class="primary" onClick={() => setDlg({ kind: 'launch' })} data-testid="launch-instance">Launch Instance</button>
      </PageHead>
      {!data ? <Loading error={error} /> : (
        <>
          {error && <p class="form-error" role="alert">{error}</p>}
          <p class="muted small" aria-live="off" data-testid="instances-count">
            Displaying {rows.length} of {matching.length} item{matching.length === 1 ? '' : 's'} · updates every 2 s
          </p>
          <div class="table-wrap">
            <table class="table" data-testid="instances-table">
              <thead><tr>
                <th scope="col">Instance Name</th><th scope="col">Image Name</th><th scope="col">IP Address</th><th scope="col">Flavor</th>
                <th scope="col">Key Pair</th><th scope="col">Status</th><th scope="col">Task</th><th scope="col">Power State</th><th scope="col">Age</th><th scope="col"><span class="sr-only">Actions</span></th>
              </tr></thead>
              <tbody>
                {rows.length === 0 && <Empty cols={10} text="No instances yet. Launch one to get started." />}
                {rows.map((s) => {
                  const ad = serverAddresses(s, data.fips);
                  const st = enumLabel(s.vm_state);
                  const fips = serverFips(s, data.fips);
                  const run = (m: string, ok: string, body: object = {}) => act(rpc('compute', m, { server: s.id, request_id: uuid(), ...body }), ok, reload);
                  return (
                    <tr key={s.id} data-testid="instance-row" data-name={s.name} data-id={s.id} data-status={s.vm_state}>
                      <td><Link href={`/project/instances/${s.id}`}>{s.name}</Link></td>
                      <td>{imageName.get(s.image_id) ?? (s.image_id ? s.image_id.slice(0, 8) : '-')}</td>
                      <td class="addr" data-testid="instance-addresses">
                        {ad.fixed.map((a) => <div key={a}>{a}</div>)}
                        {ad.floating.length > 0 && <div class="floating" data-testid="instance-floating">Floating IPs: {ad.floating.join(', ')}</div>}
                      </td>
                      <td>{s.flavor?.name ?? ''}</td>
                      <td>{s.key_name || '-'}</td>
                      <td data-testid="instance-status"><StatusBadge value={st} />{s.fault?.message && s.vm_state === 'VM_STATE_ERROR' && <div class="small bad">{s.fault.message}</div>}</td>
                      <td>{s.task_state && s.task_state !== 'TASK_STATE_NONE' ? enumLabel(s.task_state) : 'None'}</td>
                      <td data-testid="instance-power">{enumLabel(s.power_state)}</td>
                      <td>{age(s.created_at, now)}</td>
                      <td class="actions">
                        <button type="button" class="small-btn" onClick={() => setDlg({ kind: 'snapshot', server: s })}>Create Snapshot</button>
                        <RowMenu label={`Actions for ${s.name}`}>
                          <button type="button" role="menuitem" onClick={() => setDlg({ kind: 'fip', server: s })}>Associate Floating IP</button>
                          {fips.length > 0 && <button type="button" role="menuitem" onClick={async () => {
                            if (!(await confirmAction(`Disassociate ${fips.map((f) => f.floating_ip_address).join(', ')} from ${s.name}?`, 'Disassociate'))) return;
                            act(Promise.all(fips.map((f) => rpc('network', 'DisassociateFloatingIp', { floating_ip: f.id }))), 'Disassociated floating IP', reload);
                          }}>Disassociate Floating IP</button>}
                          <button type="button" role="menuitem" onClick={() => setDlg({ kind: 'sg', server: s })}>Edit Security Groups</button>
                          <button type="button" role="menuitem" onClick={() => setDlg({ kind: 'attach', server: s })}>Attach Volume</button>
                          {(s.volume_attachments ?? []).length > 0 && <button type="button" role="menuitem" onClick={() => setDlg({ kind: 'detach', server: s })}>Detach Volume</button>}
                          <button type="button" role="menuitem" onClick={() => navigate(`/project/instances/${s.id}/console`)}>View Log</button>
                          <button type="button" role="menuitem" onClick={() => run('StartServer', `Started ${s.name}`)}>Start Instance</button>
                          <button type="button" role="menuitem" onClick={() => run('StopServer', `Shutting off ${s.name}`)}>Shut Off Instance</button>
                          <button type="button" role="menuitem" onClick={() => run('RebootServer', `Rebooting ${s.name}`, { hard: false })}>Soft Reboot Instance</button>
                          <button type="button" role="menuitem" onClick={() => run('RebootServer', `Hard rebooting ${s.name}`, { hard: true })}>Hard Reboot Instance</button>
                          <button type="button" role="menuitem" class="danger-text" onClick={async () => {
                            if (await confirmAction(`Delete instance ${s.name}? This cannot be undone.`, 'Delete Instance')) run('DeleteServer', `Deleting ${s.name}`);
                          }}>Delete Instance</button>
                        </RowMenu>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav class="pager" aria-label="Instance pages">
              <button type="button" class="small-btn" disabled={current === 0} onClick={() => setPage(current - 1)}>« Prev</button>
              <span class="muted small" data-testid="instances-page-number">Page {current + 1} of {pages}</span>
              <button type="button" class="small-btn" disabled={current + 1 >= pages} onClick={() => setPage(current + 1)} data-testid="instances-next">Next »</button>
            </nav>
          )}
        </>
      )}
      {dlg?.kind === 'launch' && <LaunchInstance onClose={() => setDlg(null)} onLaunched={reload} />}
      {dlg?.kind === 'fip' && <AssociateFip server={dlg.server} onClose={() => setDlg(null)} onDone={reload} />}
      {dlg?.kind === 'snapshot' && <SnapshotDialog server={dlg.server} onClose={() => setDlg(null)} />}
      {dlg?.kind === 'sg' && <EditSecurityGroups server={dlg.server} onClose={() => setDlg(null)} onDone={reload} />}
      {dlg?.kind === 'attach' && <AttachVolumeDialog server={dlg.server} onClose={() => setDlg(null)} onDone={reload} />}
      {dlg?.kind === 'detach' && <DetachVolumeDialog server={dlg.server} onClose={() => setDlg(null)} onDone={reload} />}
    </section>
  );
}

// ---- Associate Floating IP ----
export function AssociateFip(props: { server?: Server; fip?: FloatingIp; onClose: () => void; onDone: () => void }) {
  const d = useData(async () => {
    const [fips, servers, pools] = await Promise.all([
      rpc<{ floating_ips: FloatingIp[] }>('network', 'ListFloatingIps', {}).then((r) => r.floating_ips ?? []),
      props.server ? Promise.resolve([props.server]) : listAll<Server>('compute', 'ListServers', 'servers'),
      rpc<{ networks: NetworkInfo[] }>('network', 'ListNetworks', { external_only: true }).then((r) => r.networks ?? []),
    ]);
    return { fips, servers, pools };
  }, []);
  const [fipId, setFipId] = useState(props.fip?.id ?? '');
  const [port, setPort] = useState('');
  const free = (d.data?.fips ?? []).filter((f) => !f.port_id);
  const targets = (d.data?.servers ?? []).flatMap((s) => serverPorts(s).map((p) => ({ ...p, server: s.name })));
  const chosenFip = fipId || (props.fip ? props.fip.id : free[0]?.id ?? 'new');
  const chosenPort = port || (targets[0] ? `${targets[0].port_id}|${targets[0].ip}` : '');
  return (
    <FormModal title="Manage Floating IP Associations" submitLabel="Associate" onClose={props.onClose} testid="associate-fip-dialog"
      validate={() => (!chosenPort ? 'Select a port to be associated (the instance has no fixed address yet).' : null)}
      submit={async () => {
        const [p, ip] = chosenPort.split('|');
        let r: FloatingIp;
        if (chosenFip === 'new') r = await rpc<FloatingIp>('network', 'CreateFloatingIp', { floating_network: d.data?.pools[0]?.id ?? '', port: p, fixed_ip_address: ip });
        else r = await rpc<FloatingIp>('network', 'AssociateFloatingIp', { floating_ip: chosenFip, port: p, fixed_ip_address: ip });
        toast(`Associated ${r.floating_ip_address} with ${ip}`);
        props.onDone();
      }}>
      {!d.data ? <Loading error={d.error} /> : (
        <>
          <label for="fip-address">IP Address</label>
          <select id="fip-address" value={chosenFip} onChange={(e) => setFipId(e.currentTarget.value)} disabled={!!props.fip}>
            {props.fip && <option value={props.fip.id}>{props.fip.floating_ip_address}</option>}
            {!props.fip && free.map((f) => <option key={f.id} value={f.id}>{f.floating_ip_address}</option>)}
            {!props.fip && <option value="new">Allocate a new floating IP{d.data.pools[0] ? ` from ${d.data.pools[0].name}` : ''}</option>}
          </select>
          <label for="fip-port">Port to be associated</label>
          <select id="fip-port" value={chosenPort} onChange={(e) => setPort(e.currentTarget.value)}>
            {targets.length === 0 && <option value="">No ports available</option>}
            {targets.map((t) => <option key={t.port_id + t.ip} value={`${t.port_id}|${t.ip}`}>{t.server}: {t.ip} ({t.network})</option>)}
          </select>
        </>
      )}
    </FormModal>
  );
}

function SnapshotDialog(props: { server: Server; onClose: () => void }) {
  const [name, setName] = useState(`${props.server.name}-snapshot`);
  return (
    <FormModal title="Create Snapshot" submitLabel="Create Snapshot" onClose={props.onClose}
      validate={() => (!name.trim() ? 'Snapshot name is required.' : null)}
      submit={async () => {
        await rpc('compute', 'CreateServerSnapshot', { server: props.server.id, image_name: name.trim(), request_id: uuid() });
        toast(`Snapshot ${name} is being created (see Images)`);
      }}>
      <label for="snap-name">Snapshot Name</label>
      <input id="snap-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <p class="muted small">The snapshot becomes a private image of this project; the instance keeps running.</p>
    </FormModal>
  );
}

function EditSecurityGroups(props: { server: Server; onClose: () => void; onDone: () => void }) {
  const d = useData(() => rpc<{ security_groups: SecurityGroup[] }>('network', 'ListSecurityGroups', {}).then((r) => r.security_groups ?? []), []);
  const [sel, setSel] = useState<Set<string>>(new Set(props.server.security_groups ?? []));
  return (
    <FormModal title={`Edit Security Groups: ${props.server.name}`} submitLabel="Save" onClose={props.onClose}
      submit={async () => {
        const before = new Set(props.server.security_groups ?? []);
        for (const g of sel) if (!before.has(g)) await rpc('compute', 'AddSecurityGroup', { server: props.server.id, security_group: g, request_id: uuid() });
        for (const g of before) if (!sel.has(g)) await rpc('compute', 'RemoveSecurityGroup', { server: props.server.id, security_group: g, request_id: uuid() });
        toast('Security groups updated');
        props.onDone();
      }}>
      {!d.data ? <Loading error={d.error} /> : (
        <fieldset><legend>Security groups of the instance</legend>
          {d.data.map((g) => (
            <label key={g.id} class="check"><input type="checkbox" checked={sel.has(g.name)} onChange={(e) => {
              const n = new Set(sel); if (e.currentTarget.checked) n.add(g.name); else n.delete(g.name); setSel(n);
            }} /> {g.name} <span class="muted small">{g.description}</span></label>
          ))}
        </fieldset>
      )}
    </FormModal>
  );
}

export function AttachVolumeDialog(props: { server: Server; onClose: () => void; onDone: () => void; volume?: string }) {
  const d = useData(() => listAll<Volume>('block-storage', 'ListVolumes', 'volumes'), []);
  const [vol, setVol] = useState(props.volume ?? '');
  const avail = (d.data ?? []).filter((v) => v.status === 'VOLUME_STATUS_AVAILABLE');
  const chosen = vol || avail[0]?.id || '';
  return (
    <FormModal title={`Attach Volume to ${props.server.name}`} submitLabel="Attach Volume" onClose={props.onClose} testid="attach-volume-dialog"
      validate={() => (!chosen ? 'No available volume to attach.' : null)}
      submit={async () => {
        const a = await rpc<{ device: string }>('compute', 'AttachVolume', { server: props.server.id, volume: chosen, request_id: uuid() });
        toast(`Attaching volume${a?.device ? ' as ' + a.device : ''}`);
        props.onDone();
      }}>
      {!d.data ? <Loading error={d.error} /> : (
        <>
          <label for="attach-volume">Volume</label>
          <select id="attach-volume" value={chosen} onChange={(e) => setVol(e.currentTarget.value)}>
            {avail.length === 0 && <option value="">No available volumes</option>}
            {avail.map((v) => <option key={v.id} value={v.id}>{v.name || v.id} ({v.size_gib} GiB)</option>)}
          </select>
        </>
      )}
    </FormModal>
  );
}

export function DetachVolumeDialog(props: { server: Server; onClose: () => void; onDone: () => void }) {
  const atts = props.server.volume_attachments ?? [];
  const [vol, setVol] = useState(atts[0]?.volume_id ?? '');
  return (
    <FormModal title={`Detach Volume from ${props.server.name}`} submitLabel="Detach Volume" onClose={props.onClose}
      validate={() => (!vol ? 'Select a volume.' : null)}
      submit={async () => { await rpc('compute', 'DetachVolume', { server: props.server.id, volume: vol, request_id: uuid() }); toast('Detaching volume'); props.onDone(); }}>
      <label for="detach-volume">Volume</label>
      <select id="detach-volume" value={vol} onChange={(e) => setVol(e.currentTarget.value)}>
        {atts.map((a) => <option key={a.volume_id} value={a.volume_id}>{a.device || '?'} — {a.volume_id}</option>)}
      </select>
    </FormModal>
  );
}

// ---- Launch Instance ----
const STEPS = ['Details', 'Source', 'Flavor', 'Networks', 'Security Groups', 'Key Pair', 'Configuration', 'Metadata'] as const;
type Step = typeof STEPS[number];

interface LaunchData {
  images: Image[]; flavors: Flavor[]; networks: NetworkInfo[]; groups: SecurityGroup[]; keys: KeyPair[];
  quota: { limits: any; in_use: any } | null; serverGroups: { id: string; name: string; policy: string }[];
}

async function loadLaunch(): Promise<LaunchData> {
  const [images, flavors, networks, groups, keys, quota, serverGroups] = await Promise.all([
    listAll<Image>('image', 'ListImages', 'images', { status: 'active' }),
    listAll<Flavor>('compute', 'ListFlavors', 'flavors'),
    rpc<{ networks: NetworkInfo[] }>('network', 'ListNetworks', {}).then((r) => r.networks ?? []),
    rpc<{ security_groups: SecurityGroup[] }>('network', 'ListSecurityGroups', {}).then((r) => r.security_groups ?? []),
    listAll<KeyPair>('compute', 'ListKeyPairs', 'key_pairs'),
    rpc('compute', 'GetQuota', {}).catch(() => null),
    listAll<any>('compute', 'ListServerGroups', 'server_groups').catch(() => []),
  ]);
  flavors.sort((a, b) => a.vcpus - b.vcpus || a.ram_mib - b.ram_mib || a.name.localeCompare(b.name));
  images.sort((a, b) => a.name.localeCompare(b.name));
  return { images, flavors, networks, groups, keys, quota, serverGroups };
}

function isSnapshot(i: Image) { return i.properties?.image_type === 'snapshot' || !!i.properties?.instance_id || !!i.properties?.instance_uuid; }

export function LaunchInstance(props: { onClose: () => void; onLaunched: () => void; image?: string }) {
  const d = useData(loadLaunch, []);
  const [step, setStep] = useState<Step>('Details');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [count, setCount] = useState('1');
  const [az, setAz] = useState('');
  const [sourceKind, setSourceKind] = useState<'image' | 'snapshot'>('image');
  const [image, setImage] = useState(props.image ?? '');
  const [imgFilter, setImgFilter] = useState('');
  const [flavor, setFlavor] = useState('');
  const [nets, setNets] = useState<string[] | null>(null);
  const [groups, setGroups] = useState<string[] | null>(null);
  const [key, setKey] = useState<string | null>(null);
  const [extraKeys, setExtraKeys] = useState<KeyPair[]>([]);
  const [userData, setUserData] = useState('');
  const [serverGroup, setServerGroup] = useState('');
  const [metadata, setMetadata] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [keyMode, setKeyMode] = useState<'' | 'create' | 'import'>('');
  const [kName, setKName] = useState('');
  const [kType, setKType] = useState('KEY_TYPE_ED25519');
  const [kPub, setKPub] = useState('');
  const [kErr, setKErr] = useState('');

  const data = d.data;
  const privNets = (data?.networks ?? []).filter((n) => !n.external || n.shared);
  const chosenNets = nets ?? (privNets.length === 1 ? [privNets[0].id] : []);
  const chosenGroups = groups ?? ((data?.groups ?? []).some((g) => g.name === 'default') ? ['default'] : []);
  const keys = [...(data?.keys ?? []), ...extraKeys];
  const chosenKey = key ?? (keys.length === 1 ? keys[0].name : '');
  const n = Number(count);
  const img = data?.images.find((i) => i.id === image);
  const fl = data?.flavors.find((f) => f.id === flavor);
  const q = data?.quota;

  const flavorProblem = (f: Flavor): string | null => {
    const k = Number.isInteger(n) && n > 0 ? n : 1;
    if (img && img.min_ram && f.ram_mib < img.min_ram) return `The image needs at least ${mib(img.min_ram)} RAM`;
    if (img && img.min_disk && f.disk_gib && f.disk_gib < img.min_disk) return `The image needs a root disk of at least ${img.min_disk} GiB`;
    if (q?.limits) {
      if (q.limits.cores >= 0 && q.in_use.cores + f.vcpus * k > q.limits.cores) return `Exceeds the VCPU quota (${q.limits.cores - q.in_use.cores} left)`;
      if (q.limits.ram_mib >= 0 && q.in_use.ram_mib + f.ram_mib * k > q.limits.ram_mib) return `Exceeds the RAM quota (${mib(q.limits.ram_mib - q.in_use.ram_mib)} left)`;
    }
    return null;
  };

  const errors: Partial<Record<string, string>> = {};
  if (!name.trim()) errors.name = 'Instance name is required.';
  else if (name.length > 255) errors.name = 'At most 255 characters.';
  if (!/^\d+$/.test(count.trim()) || n < 1) errors.count = 'Count must be a whole number, at least 1.';
  else if (q?.limits && q.limits.instances >= 0 && q.in_use.instances + n > q.limits.instances) errors.count = `Only ${Math.max(0, q.limits.instances - q.in_use.instances)} more instance(s) fit the quota.`;
  if (!image) errors.image = 'Select a source image.';
  if (!flavor) errors.flavor = 'Select a flavor.';
  else if (fl && flavorProblem(fl)) errors.flavor = flavorProblem(fl)!;
  if (privNets.length > 1 && chosenNets.length === 0) errors.networks = 'Select at least one network.';
  const udBytes = new TextEncoder().encode(userData).length;
  if (udBytes > 65536) errors.userData = `User data is ${udBytes} bytes; at most 65536.`;
  const meta: Record<string, string> = {};
  for (const line of metadata.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const i = line.indexOf('=');
    if (i <= 0) { errors.metadata = `"${line}" is not KEY=VALUE.`; break; }
    meta[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const stepOf: Record<string, Step> = { name: 'Details', count: 'Details', image: 'Source', flavor: 'Flavor', networks: 'Networks', userData: 'Configuration', metadata: 'Metadata' };
  const stepErrors = new Set(Object.keys(errors).map((k) => stepOf[k]));
  const fe = (k: string) => (tried ? errors[k] : undefined);

  const launch = async () => {
    setTried(true);
    const first = Object.keys(errors)[0];
    if (first) { setStep(stepOf[first]); setErr('Please fix the highlighted fields.'); return; }
    setBusy(true); setErr('');
    try {
      const body: any = {
        name: name.trim(), image, flavor, key_name: chosenKey, security_groups: chosenGroups,
        networks: chosenNets.map((id) => ({ network: id })), user_data: userData ? base64Utf8(userData) : '',
        metadata: description ? { ...meta, description } : meta, availability_zone: az.trim(),
        server_group: serverGroup, count: n, request_id: uuid(),
      };
      const r = await rpc<{ servers: Server[] }>('compute', 'CreateServer', body);
      toast(`Launched ${(r.servers ?? []).map((s) => s.name).join(', ') || name}`);
      props.onLaunched();
      props.onClose();
    } catch (e: any) { setErr(e?.message ?? String(e)); } finally { setBusy(false); }
  };

  const doKey = async () => {
    const ne = keyNameError(kName);
    if (ne) { setKErr(ne); return; }
    if (keyMode === 'import' && !kPub.trim()) { setKErr('Paste or load a public key.'); return; }
    setKErr('');
    try {
      const kp = keyMode === 'create' ? await createKeyPair(kName.trim(), kType) : await importKeyPair(kName.trim(), kPub);
      setExtraKeys([...extraKeys, kp]); setKey(kp.name); setKeyMode(''); setKName(''); setKPub('');
      toast(keyMode === 'create' ? `Key pair ${kp.name} created; ${kp.name}.pem downloaded` : `Imported key pair ${kp.name}`);
    } catch (e: any) { setKErr(e?.message ?? String(e)); }
  };

  const idx = STEPS.indexOf(step);
  const shownImages = (data?.images ?? []).filter((i) => (sourceKind === 'snapshot') === isSnapshot(i))
    .filter((i) => !imgFilter || i.name.toLowerCase().includes(imgFilter.toLowerCase()));

  return (
    <Modal title="Launch Instance" onClose={props.onClose} wide testid="launch-dialog">
      {!data ? <div class="modal-body"><Loading error={d.error} /></div> : (
        <div class="wizard">
          <nav class="steps" aria-label="Launch Instance steps">
            <ol>
              {STEPS.map((s) => (
                <li key={s}><button type="button" class={s === step ? 'step current' : 'step'} aria-current={s === step ? 'step' : undefined}
                  onClick={() => setStep(s)}>{s}{tried && stepErrors.has(s) && <span class="step-err" aria-label="has errors"> !</span>}
                  {['Details', 'Source', 'Flavor'].includes(s) && <span class="req" aria-hidden="true"> *</span>}</button></li>
              ))}
            </ol>
          </nav>
          <div class="step-body modal-body">
            {step === 'Details' && (
              <div>
                <p class="muted small">Name the instance and choose how many to launch. With a count above 1 they are named NAME-1 … NAME-N.</p>
                <label for="li-name">Instance Name *</label>
                <input id="li-name" value={name} onInput={(e) => setName(e.currentTarget.value)} aria-invalid={!!fe('name')} aria-describedby="li-name-err" autofocus />
                {fe('name') && <p class="field-error" id="li-name-err">{fe('name')}</p>}
                <label for="li-desc">Description</label>
                <input id="li-desc" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
                <label for="li-az">Availability Zone</label>
                <input id="li-az" value={az} onInput={(e) => setAz(e.currentTarget.value)} placeholder="Any Availability Zone" />
                <label for="li-count">Count *</label>
                <input id="li-count" type="number" min={1} value={count} onInput={(e) => setCount(e.currentTarget.value)} aria-invalid={!!fe('count')} aria-describedby="li-count-err" />
                {fe('count') && <p class="field-error" id="li-count-err">{fe('count')}</p>}
                {q?.limits && <p class="muted small">Instances: {q.in_use.instances} of {q.limits.instances < 0 ? 'unlimited' : q.limits.instances} used · VCPUs {q.in_use.cores} of {q.limits.cores < 0 ? '∞' : q.limits.cores} · RAM {mib(q.in_use.ram_mib)} of {q.limits.ram_mib < 0 ? '∞' : mib(q.limits.ram_mib)}</p>}
              </div>
            )}
            {step === 'Source' && (
              <div>
                <fieldset class="inline"><legend>Select Boot Source</legend>
                  <label class="check"><input type="radio" name="src" checked={sourceKind === 'image'} onChange={() => setSourceKind('image')} /> Image</label>
                  <label class="check"><input type="radio" name="src" checked={sourceKind === 'snapshot'} onChange={() => setSourceKind('snapshot')} /> Instance Snapshot</label>
                </fieldset>
                <label for="li-img-filter">Filter</label>
                <input id="li-img-filter" type="search" value={imgFilter} onInput={(e) => setImgFilter(e.currentTarget.value)} />
                {fe('image') && <p class="field-error">{fe('image')}</p>}
                <div class="table-wrap choose">
                  <table class="table" aria-label="Available images">
                    <thead><tr><th scope="col">Select</th><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Format</th><th scope="col">Visibility</th><th scope="col">Min Disk / RAM</th></tr></thead>
                    <tbody>
                      {shownImages.length === 0 && <Empty cols={6} text="No active images." />}
                      {shownImages.map((i) => (
                        <tr key={i.id} class={image === i.id ? 'selected' : ''} onClick={() => setImage(i.id)}>
                          <td><input type="radio" name="li-image" aria-label={`Image ${i.name}`} data-testid="launch-image" value={i.name} checked={image === i.id} onChange={() => setImage(i.id)} /></td>
                          <td>{i.name}</td><td>{fmtSize(i.size)}</td><td>{i.disk_format}</td><td>{i.visibility}</td><td>{i.min_disk} GiB / {i.min_ram} MiB</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            )}
            {step === 'Flavor' && (
              <div>
                <p class="muted small">Flavors manage the sizing for the compute, memory and storage capacity of the instance.</p>
                {fe('flavor') && <p class="field-error">{fe('flavor')}</p>}
                <div class="table-wrap choose">
                  <table class="table" aria-label="Available flavors">
                    <thead><tr><th scope="col">Select</th><th scope="col">Name</th><th scope="col">VCPUs</th><th scope="col">RAM</th><th scope="col">Root Disk</th><th scope="col">Ephemeral</th><th scope="col">Public</th><th scope="col">Fits</th></tr></thead>
                    <tbody>
                      {data.flavors.length === 0 && <Empty cols={8} text="No flavors." />}
                      {data.flavors.map((f) => {
                        const p = flavorProblem(f);
                        return (
                          <tr key={f.id} class={(flavor === f.id ? 'selected ' : '') + (p ? 'unfit' : '')} onClick={() => setFlavor(f.id)}>
                            <td><input type="radio" name="li-flavor" aria-label={`Flavor ${f.name}`} data-testid="launch-flavor" value={f.name} checked={flavor === f.id} onChange={() => setFlavor(f.id)} /></td>
                            <td>{f.name}</td><td>{f.vcpus}</td><td>{mib(f.ram_mib)}</td><td>{f.disk_gib ? `${f.disk_gib} GiB` : 'image size'}</td><td>{f.ephemeral_gib ?? 0} GiB</td><td>{f.is_public ? 'Yes' : 'No'}</td>
                            <td>{p ? <span class="bad small">{p}</span> : <span class="ok">✓</span>}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              </div>
            )}
            {step === 'Networks' && (
              <fieldset><legend>Networks provide the communication channels for instances in the cloud.</legend>
                {fe('networks') && <p class="field-error">{fe('networks')}</p>}
                {privNets.length === 0 && <p class="muted">No network: the service picks the project's only network.</p>}
                {privNets.map((nw) => (
                  <label key={nw.id} class="check"><input type="checkbox" checked={chosenNets.includes(nw.id)} onChange={(e) => {
                    const c = e.currentTarget.checked; setNets(c ? [...chosenNets, nw.id] : chosenNets.filter((x) => x !== nw.id));
                  }} /> {nw.name} {nw.shared && <span class="muted small">(shared)</span>}</label>
                ))}
              </fieldset>
            )}
            {step === 'Security Groups' && (
              <fieldset><legend>Select the security groups to launch the instance in.</legend>
                {data.groups.map((g) => (
                  <label key={g.id} class="check"><input type="checkbox" data-testid="launch-group" value={g.name} checked={chosenGroups.includes(g.name)} onChange={(e) => {
                    const c = e.currentTarget.checked; setGroups(c ? [...chosenGroups, g.name] : chosenGroups.filter((x) => x !== g.name));
                  }} /> {g.name} <span class="muted small">{g.description}</span></label>
                ))}
              </fieldset>
            )}
            {step === 'Key Pair' && (
              <div>
                <p class="muted small">A key pair allows you to SSH into your newly created instance.</p>
                <label for="li-key">Key Pair</label>
                <select id="li-key" value={chosenKey} onChange={(e) => setKey(e.currentTarget.value)}>
                  <option value="">No key pair</option>
                  {keys.map((k) => <option key={k.name} value={k.name}>{k.name} ({enumLabel(k.type)})</option>)}
                </select>
                <div class="row-buttons">
                  <button type="button" onClick={() => { setKeyMode('create'); setKErr(''); }}>+ Create Key Pair</button>
                  <button type="button" onClick={() => { setKeyMode('import'); setKErr(''); }}>Import Key Pair</button>
                </div>
                {keyMode && (
                  <div class="subform">
                    <h3>{keyMode === 'create' ? 'Create Key Pair' : 'Import Key Pair'}</h3>
                    <label for="li-kname">Key Pair Name</label>
                    <input id="li-kname" value={kName} onInput={(e) => setKName(e.currentTarget.value)} />
                    {keyMode === 'create' ? (<>
                      <label for="li-ktype">Key Type</label>
                      <select id="li-ktype" value={kType} onChange={(e) => setKType(e.currentTarget.value)}><option value="KEY_TYPE_ED25519">Ed25519</option><option value="KEY_TYPE_RSA">RSA (3072 bits)</option></select>
                    </>) : (<>
                      <label for="li-kpub">Public Key</label>
                      <textarea id="li-kpub" rows={4} value={kPub} onInput={(e) => setKPub(e.currentTarget.value)} placeholder="ssh-ed25519 AAAA… comment" />
                      <label for="li-kfile">Load Public Key from a file</label>
                      <input id="li-kfile" type="file" accept=".pub,text/plain" onChange={async (e) => { const f = e.currentTarget.files?.[0]; if (f) setKPub(await f.text()); }} />
                    </>)}
                    {kErr && <p class="field-error" role="alert">{kErr}</p>}
                    <div class="row-buttons">
                      <button type="button" onClick={() => setKeyMode('')}>Cancel</button>
                      <button type="button" class="primary" onClick={doKey}>{keyMode === 'create' ? 'Create Key Pair' : 'Import Key Pair'}</button>
                    </div>
                  </div>
                )}
              </div>
            )}
            {step === 'Configuration' && (
              <div>
                <label for="li-userdata">Customization Script (user data)</label>
                <textarea id="li-userdata" rows={10} class="mono" value={userData} onInput={(e) => setUserData(e.currentTarget.value)} aria-invalid={!!fe('userData')} placeholder="#cloud-config" />
                <p class="muted small">{udBytes} bytes (at most 64 KiB)</p>
                {fe('userData') && <p class="field-error">{fe('userData')}</p>}
                <label for="li-udfile">Load script from a file</label>
                <input id="li-udfile" type="file" onChange={async (e) => { const f = e.currentTarget.files?.[0]; if (f) setUserData(await f.text()); }} />
                <label for="li-sg">Server Group</label>
                <select id="li-sg" value={serverGroup} onChange={(e) => setServerGroup(e.currentTarget.value)}>
                  <option value="">None</option>
                  {data.serverGroups.map((g) => <option key={g.id} value={g.id}>{g.name} ({enumLabel(g.policy.replace('SERVER_GROUP_POLICY_', ''))})</option>)}
                </select>
              </div>
            )}
            {step === 'Metadata' && (
              <div>
                <label for="li-meta">Metadata (one KEY=VALUE a line)</label>
                <textarea id="li-meta" rows={6} class="mono" value={metadata} onInput={(e) => setMetadata(e.currentTarget.value)} aria-invalid={!!fe('metadata')} />
                {fe('metadata') && <p class="field-error">{fe('metadata')}</p>}
              </div>
            )}
          </div>
          <div class="wizard-summary muted small" aria-live="polite">
            {img ? `Image: ${img.name}` : 'No image'} · {fl ? `Flavor: ${fl.name} (${fl.vcpus} VCPU, ${mib(fl.ram_mib)})` : 'No flavor'} · {chosenKey ? `Key: ${chosenKey}` : 'No key'}
          </div>
        </div>
      )}
      {err && <p class="form-error" role="alert" data-testid="form-error">{err}</p>}
      <footer class="modal-foot">
        <button type="button" onClick={props.onClose}>Cancel</button>
        <button type="button" disabled={idx <= 0} onClick={() => setStep(STEPS[idx - 1])}>‹ Back</button>
        <button type="button" disabled={idx >= STEPS.length - 1} onClick={() => setStep(STEPS[idx + 1])}>Next ›</button>
        <button type="button" class="primary" disabled={busy || !data} onClick={launch} data-testid="launch-submit">{busy ? 'Launching…' : 'Launch Instance'}</button>
      </footer>
    </Modal>
  );
}

function fmtSize(v: string | number) {
  const n = Number(v);
  if (!n) return '-';
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}
