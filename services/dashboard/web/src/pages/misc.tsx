import { useState } from 'preact/hooks';
import { listAll, rpc } from '../api';
import type { FloatingIp, Image, NetworkInfo, Port, Server, Subnet } from '../types';
import { act, Bar, confirmAction, Empty, Link, Loading, navigate, PageHead, StatusBadge, useData } from '../ui';
import { bytes, dateTime } from '../util';
import { LaunchInstance } from './instances';
import { Topology } from './topology';

// ---- Overview: quotas and usage ----
export function Overview() {
  const { data, error } = useData(async () => {
    const [c, n, b] = await Promise.all([
      rpc('compute', 'GetQuota', {}).catch((e) => ({ error: e.message })),
      rpc('network', 'GetQuota', {}).catch((e) => ({ error: e.message })),
      rpc('block-storage', 'GetQuota', {}).catch((e) => ({ error: e.message })),
    ]);
    return { c, n, b };
  }, [], 10000);
  const section = (title: string, q: any, items: [string, string, string?][]) => (
    <div class="card">
      <h2>{title}</h2>
      {q?.error ? <p class="form-error" role="alert">{q.error}</p> : (
        <div class="charts">{items.map(([label, k, unit]) => <Bar key={k} label={label} used={q?.in_use?.[k] ?? 0} limit={q?.limits?.[k] ?? -1} unit={unit} />)}</div>
      )}
    </div>
  );
  return (
    <section data-testid="overview-page">
      <PageHead title="Overview" />
      <h2 class="sub">Limit Summary</h2>
      {!data ? <Loading error={error} /> : (
        <div class="grid3">
          {section('Compute', data.c, [['Instances', 'instances'], ['VCPUs', 'cores'], ['RAM', 'ram_mib', 'MiB'], ['Key Pairs', 'key_pairs'], ['Server Groups', 'server_groups']])}
          {section('Volume', data.b, [['Volumes', 'volumes'], ['Volume Snapshots', 'snapshots'], ['Volume Storage', 'gigabytes', 'GiB']])}
          {section('Network', data.n, [['Floating IPs', 'floating_ips'], ['Security Groups', 'security_groups'], ['Security Group Rules', 'security_group_rules'], ['Networks', 'networks'], ['Subnets', 'subnets'], ['Ports', 'ports']])}
        </div>
      )}
    </section>
  );
}

// ---- Images ----
export function Images() {
  const [vis, setVis] = useState('');
  const { data, error, reload } = useData(() => listAll<Image>('image', 'ListImages', 'images', vis ? { visibility: vis } : {}), [vis], 5000);
  const [launch, setLaunch] = useState<string | null>(null);
  return (
    <section data-testid="images-page">
      <PageHead title="Images">
        <label class="inline-label" for="img-vis">Visibility</label>
        <select id="img-vis" value={vis} onChange={(e) => setVis(e.currentTarget.value)}>
          <option value="">All</option><option value="public">Public</option><option value="private">Project (private)</option><option value="shared">Shared with me</option>
        </select>
      </PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="images-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Visibility</th><th scope="col">Protected</th><th scope="col">Disk Format</th><th scope="col">Size</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={8} text="No images." />}
            {data.map((i) => (
              <tr key={i.id} data-testid="image-row" data-name={i.name}>
                <td><Link href={`/project/images/${i.id}`}>{i.name || i.id}</Link></td>
                <td>{i.properties?.image_type === 'snapshot' || i.properties?.instance_id ? 'Snapshot' : 'Image'}</td>
                <td><StatusBadge value={i.status} /></td><td>{i.visibility}{i.member_status ? ` (${i.member_status})` : ''}</td><td>{i.protected ? 'Yes' : 'No'}</td>
                <td>{i.disk_format}</td><td>{bytes(i.size)}</td>
                <td class="actions">
                  {i.status === 'active' && <button type="button" class="small-btn" onClick={() => setLaunch(i.id)}>Launch</button>}
                  {i.member_status === 'pending' && <>
                    <button type="button" class="small-btn" onClick={() => act(rpc('image', 'AcceptImage', { image: i.id }), `Accepted ${i.name}`, reload)}>Accept</button>
                    <button type="button" class="small-btn" onClick={() => act(rpc('image', 'RejectImage', { image: i.id }), `Rejected ${i.name}`, reload)}>Reject</button>
                  </>}
                  <button type="button" class="small-btn danger" aria-label={`Delete image ${i.name}`} disabled={i.protected} onClick={async () => {
                    if (await confirmAction(`Delete image ${i.name}?`, 'Delete Image')) act(rpc('image', 'DeleteImage', { image: i.id }), `Deleted image ${i.name}`, reload);
                  }}>Delete Image</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {launch && <LaunchInstance image={launch} onClose={() => setLaunch(null)} onLaunched={() => navigate('/project/instances')} />}
    </section>
  );
}

export function ImageDetail(props: { id: string }) {
  const { data, error } = useData(() => rpc<Image>('image', 'GetImage', { image: props.id }), [props.id]);
  const i = data;
  return (
    <section data-testid="image-detail">
      <p class="crumbs"><Link href="/project/images">Images</Link> › {i?.name ?? props.id}</p>
      <PageHead title={i?.name || 'Image'}>
        {i && <button type="button" class="danger" disabled={i.protected} onClick={async () => {
          if (await confirmAction(`Delete image ${i.name}?`, 'Delete Image')) act(rpc('image', 'DeleteImage', { image: i.id }), `Deleted image ${i.name}`, () => navigate('/project/images'));
        }}>Delete Image</button>}
      </PageHead>
      {!i ? <Loading error={error} /> : (
        <div class="card">
          <dl class="props">
            <dt>ID</dt><dd class="mono">{i.id}</dd><dt>Status</dt><dd><StatusBadge value={i.status} /></dd><dt>Owner</dt><dd class="mono">{i.owner}</dd>
            <dt>Visibility</dt><dd>{i.visibility}</dd><dt>Protected</dt><dd>{i.protected ? 'Yes' : 'No'}</dd>
            <dt>Disk Format</dt><dd>{i.disk_format}</dd><dt>Container Format</dt><dd>{i.container_format}</dd>
            <dt>Size</dt><dd>{bytes(i.size)}</dd><dt>SHA256</dt><dd class="mono small">{i.sha256}</dd>
            <dt>Min Disk</dt><dd>{i.min_disk} GiB</dd><dt>Min RAM</dt><dd>{i.min_ram} MiB</dd>
            <dt>Created</dt><dd>{dateTime(i.created_at)}</dd><dt>Updated</dt><dd>{dateTime(i.updated_at)}</dd>
          </dl>
          <h2>Properties</h2>
          <dl class="props">{Object.entries(i.properties ?? {}).map(([k, v]) => [<dt key={'k' + k}>{k}</dt>, <dd key={'v' + k}>{v}</dd>])}</dl>
        </div>
      )}
    </section>
  );
}

// ---- Network: networks, subnets, ports ----
export function Networks() {
  const [tab, setTab] = useState<'networks' | 'subnets' | 'ports' | 'topology'>('networks');
  const { data, error } = useData(async () => {
    const [networks, subnets, ports, servers, fips] = await Promise.all([
      rpc<{ networks: NetworkInfo[] }>('network', 'ListNetworks', {}).then((r) => r.networks ?? []),
      rpc<{ subnets: Subnet[] }>('network', 'ListSubnets', {}).then((r) => r.subnets ?? []),
      rpc<{ ports: Port[] }>('network', 'ListPorts', {}).then((r) => r.ports ?? []),
      listAll<Server>('compute', 'ListServers', 'servers').catch(() => [] as Server[]),
      rpc<{ floating_ips: FloatingIp[] }>('network', 'ListFloatingIps', {}).then((r) => r.floating_ips ?? []).catch(() => [] as FloatingIp[]),
    ]);
    return { networks, subnets, ports, servers, fips };
  }, [], 10000);
  const netName = (id: string) => data?.networks.find((n) => n.id === id)?.name ?? id.slice(0, 8);
  return (
    <section data-testid="networks-page">
      <PageHead title="Networks" />
      <div class="tabs" role="tablist">
        {(['networks', 'subnets', 'ports', 'topology'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} class={tab === t ? 'tab current' : 'tab'} onClick={() => setTab(t)} data-testid={`networks-tab-${t}`}>{t === 'topology' ? 'Network Topology' : t[0].toUpperCase() + t.slice(1)}</button>
        ))}
      </div>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap" role="tabpanel">
          {tab === 'networks' && <table class="table" data-testid="networks-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Subnets Associated</th><th scope="col">Shared</th><th scope="col">External</th><th scope="col">MTU</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {data.networks.length === 0 && <Empty cols={6} text="No networks." />}
              {data.networks.map((n) => <tr key={n.id}><td>{n.name}</td><td>{(n.subnet_ids ?? []).map((s) => { const sn = data.subnets.find((x) => x.id === s); return sn ? `${sn.name} ${sn.cidr}` : s.slice(0, 8); }).join(', ')}</td><td>{n.shared ? 'Yes' : 'No'}</td><td>{n.external ? 'Yes' : 'No'}</td><td>{n.mtu}</td><td>{dateTime(n.created_at)}</td></tr>)}
            </tbody>
          </table>}
          {tab === 'subnets' && <table class="table" data-testid="subnets-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Network</th><th scope="col">CIDR</th><th scope="col">Gateway IP</th><th scope="col">Allocation Pools</th><th scope="col">DNS</th></tr></thead>
            <tbody>
              {data.subnets.length === 0 && <Empty cols={6} text="No subnets." />}
              {data.subnets.map((s) => <tr key={s.id}><td>{s.name}</td><td>{netName(s.network_id)}</td><td>{s.cidr}</td><td>{s.gateway_ip || '-'}</td><td>{(s.allocation_pools ?? []).map((p) => `${p.start}–${p.end}`).join(', ')}</td><td>{(s.dns_nameservers ?? []).join(', ')}</td></tr>)}
            </tbody>
          </table>}
          {tab === 'topology' && <Topology networks={data.networks} servers={data.servers} ports={data.ports} fips={data.fips} />}
          {tab === 'ports' && <table class="table" data-testid="ports-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Network</th><th scope="col">Fixed IPs</th><th scope="col">MAC Address</th><th scope="col">Attached Device</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {data.ports.length === 0 && <Empty cols={6} text="No ports." />}
              {data.ports.map((p) => <tr key={p.id}><td>{p.name || p.id.slice(0, 8)}</td><td>{netName(p.network_id)}</td><td>{(p.fixed_ips ?? []).map((f) => f.ip_address).join(', ')}</td><td class="mono">{p.mac_address}</td><td>{p.device_owner}{p.device_id && p.device_owner.startsWith('compute') ? <> <Link href={`/project/instances/${p.device_id}`}>{p.device_id.slice(0, 8)}</Link></> : ''}</td><td><StatusBadge value={p.status} /></td></tr>)}
            </tbody>
          </table>}
        </div>
      )}
    </section>
  );
}
