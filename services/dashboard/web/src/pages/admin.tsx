// The Admin panel (shown to holders of the admin role, which is cloud-wide: docs/identity.md):
// Hypervisors, System Information, every project's Instances, and Flavors. The services check
// the role again on every call; a member who types these URLs gets their PERMISSION_DENIED.
import { useState } from 'preact/hooks';
import { listAll, rpc, session as sessionApi } from '../api';
import type { Service } from '../api';
import type { Flavor, Server } from '../types';
import { act, confirmAction, Empty, FormModal, Loading, PageHead, StatusBadge, toast, useData } from '../ui';
import { age, dateTime, enumLabel, mib } from '../util';

interface Host {
  name: string; availability_zone: string; hypervisor_type: string; enabled: boolean; disabled_reason: string;
  status: string; vcpus: number; ram_mib: number; disk_gib: number; vcpus_used: number; ram_mib_used: number;
  disk_gib_used: number; instances: number; last_heartbeat_at?: string;
}
interface ServiceInfo { binary: string; host: string; zone: string; enabled: boolean; state: string; disabled_reason: string; updated_at?: string }

export function Hypervisors() {
  const { data, error, reload } = useData(() => listAll<Host>('compute', 'ListHosts', 'hosts'), [], 5000);
  return (
    <section data-testid="admin-hypervisors-page">
      <PageHead title="All Hypervisors" />
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="hypervisors-table">
          <thead><tr><th scope="col">Hostname</th><th scope="col">Zone</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Status</th>
            <th scope="col">VCPUs (used/total)</th><th scope="col">RAM (used/total)</th><th scope="col">Local Disk (used/total)</th><th scope="col">Instances</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={10} text="No hypervisor has registered." />}
            {data.map((h) => (
              <tr key={h.name} data-testid="hypervisor-row" data-name={h.name} data-status={h.status}>
                <td>{h.name}</td><td>{h.availability_zone}</td><td>{h.hypervisor_type}</td>
                <td><StatusBadge value={h.status === 'HOST_STATUS_UP' ? 'Up' : 'Down'} /></td>
                <td>{h.enabled ? 'Enabled' : `Disabled${h.disabled_reason ? ': ' + h.disabled_reason : ''}`}</td>
                <td>{h.vcpus_used} / {h.vcpus}</td><td>{mib(h.ram_mib_used)} / {mib(h.ram_mib)}</td><td>{h.disk_gib_used} / {h.disk_gib} GiB</td>
                <td>{h.instances}</td>
                <td class="actions">
                  <button type="button" class="small-btn" onClick={() => act(rpc('compute', 'SetHostEnabled', { host: h.name, enabled: !h.enabled, reason: h.enabled ? 'disabled from the dashboard' : '' }),
                    h.enabled ? `Disabled ${h.name}: no new instances there` : `Enabled ${h.name}`, reload)}>{h.enabled ? 'Disable Service' : 'Enable Service'}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </section>
  );
}

export function SystemInformation() {
  const { data, error } = useData(() => rpc<{ services: ServiceInfo[] }>('compute', 'ListServices', {}).then((r) => r.services ?? []), [], 5000);
  return (
    <section data-testid="admin-services-page">
      <PageHead title="System Information" />
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="services-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Host</th><th scope="col">Zone</th><th scope="col">Status</th><th scope="col">State</th><th scope="col">Last Updated</th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={6} text="No compute services." />}
            {data.map((s) => (
              <tr key={s.binary + s.host} data-testid="service-row" data-host={s.host}>
                <td>{s.binary}</td><td>{s.host}</td><td>{s.zone}</td><td>{s.enabled ? 'Enabled' : 'Disabled'}</td>
                <td><StatusBadge value={s.state === 'HOST_STATUS_UP' ? 'Up' : 'Down'} /></td><td>{dateTime(s.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </section>
  );
}

export function AllInstances() {
  const { data, error } = useData(() => listAll<Server & { host: string }>('compute', 'ListServers', 'servers', { all_projects: true }), [], 5000);
  const now = Date.now();
  return (
    <section data-testid="admin-instances-page">
      <PageHead title="All Instances" />
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="admin-instances-table">
          <thead><tr><th scope="col">Project</th><th scope="col">Host</th><th scope="col">Name</th><th scope="col">Flavor</th><th scope="col">Status</th><th scope="col">Power State</th><th scope="col">Age</th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={7} text="No instances in any project." />}
            {data.map((s) => (
              <tr key={s.id} data-testid="admin-instance-row" data-name={s.name}>
                <td class="mono small">{s.project_id.slice(0, 8)}</td><td>{s.host || '-'}</td><td>{s.name}</td><td>{s.flavor?.name ?? ''}</td>
                <td><StatusBadge value={enumLabel(s.vm_state)} /></td><td>{enumLabel(s.power_state)}</td><td>{age(s.created_at, now)}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </section>
  );
}

export function Flavors() {
  const { data, error, reload } = useData(() => rpc<{ flavors: Flavor[] }>('compute', 'ListFlavors', { include_private: true }).then((r) => r.flavors ?? []), [], 30000);
  const [creating, setCreating] = useState(false);
  return (
    <section data-testid="admin-flavors-page">
      <PageHead title="Flavors"><button type="button" class="primary" onClick={() => setCreating(true)}>+ Create Flavor</button></PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="flavors-table">
          <thead><tr><th scope="col">Flavor Name</th><th scope="col">VCPUs</th><th scope="col">RAM</th><th scope="col">Root Disk</th><th scope="col">Ephemeral Disk</th><th scope="col">Swap</th><th scope="col">Public</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={8} text="No flavors." />}
            {data.map((f) => (
              <tr key={f.id} data-testid="flavor-row" data-name={f.name}>
                <td>{f.name}</td><td>{f.vcpus}</td><td>{mib(f.ram_mib)}</td><td>{f.disk_gib} GiB</td><td>{f.ephemeral_gib ?? 0} GiB</td><td>{f.swap_mib ?? 0} MiB</td><td>{f.is_public ? 'Yes' : 'No'}</td>
                <td class="actions"><button type="button" class="small-btn danger" onClick={async () => {
                  if (await confirmAction(`Delete flavor ${f.name}? Instances using it keep running.`, 'Delete Flavor')) act(rpc('compute', 'DeleteFlavor', { flavor: f.id }), `Deleted flavor ${f.name}`, reload);
                }}>Delete Flavor</button></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {creating && <CreateFlavor onClose={() => setCreating(false)} onDone={reload} />}
    </section>
  );
}

function CreateFlavor(props: { onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [vcpus, setVcpus] = useState('1');
  const [ram, setRam] = useState('256');
  const [disk, setDisk] = useState('1');
  const whole = (v: string, min: number) => /^\d+$/.test(v) && +v >= min;
  return (
    <FormModal title="Create Flavor" submitLabel="Create Flavor" onClose={props.onClose} testid="create-flavor-dialog"
      validate={() => !name.trim() ? 'Name is required.' : !whole(vcpus, 1) ? 'VCPUs must be a whole number, at least 1.'
        : !whole(ram, 1) ? 'RAM must be a whole number of MiB, at least 1.' : !whole(disk, 0) ? 'Root disk must be a whole number of GiB.' : null}
      submit={async () => {
        const f = await rpc<Flavor>('compute', 'CreateFlavor', { name: name.trim(), vcpus: +vcpus, ram_mib: +ram, disk_gib: +disk });
        toast(`Created flavor ${f.name}`); props.onDone();
      }}>
      <label for="fl-name">Name</label><input id="fl-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="fl-vcpus">VCPUs</label><input id="fl-vcpus" type="number" min={1} value={vcpus} onInput={(e) => setVcpus(e.currentTarget.value)} />
      <label for="fl-ram">RAM (MiB)</label><input id="fl-ram" type="number" min={1} value={ram} onInput={(e) => setRam(e.currentTarget.value)} />
      <label for="fl-disk">Root Disk (GiB)</label><input id="fl-disk" type="number" min={0} value={disk} onInput={(e) => setDisk(e.currentTarget.value)} />
    </FormModal>
  );
}

// Each service keeps its own quotas; the page edits them side by side (-1: unlimited).
const QUOTA_SERVICES: { service: Service; title: string; items: [string, string][] }[] = [
  { service: 'compute', title: 'Compute', items: [['Instances', 'instances'], ['VCPUs', 'cores'], ['RAM (MiB)', 'ram_mib'], ['Key Pairs', 'key_pairs'], ['Server Groups', 'server_groups']] },
  { service: 'block-storage', title: 'Volume', items: [['Volumes', 'volumes'], ['Volume Snapshots', 'snapshots'], ['Volume Storage (GiB)', 'gigabytes']] },
  { service: 'network', title: 'Network', items: [['Floating IPs', 'floating_ips'], ['Security Groups', 'security_groups'], ['Security Group Rules', 'security_group_rules'], ['Networks', 'networks'], ['Subnets', 'subnets'], ['Ports', 'ports']] },
];

export function Quotas() {
  const projects = useData(() => sessionApi.projects().then((r) => r.projects ?? []), [], 0);
  const [project, setProject] = useState('');
  const chosen = project || projects.data?.[0]?.id || '';
  const quotas = useData(async () => (chosen ? Promise.all(QUOTA_SERVICES.map((q) => rpc<any>(q.service, 'GetQuota', { project: chosen }))) : []), [chosen], 0);
  return (
    <section data-testid="admin-quotas-page">
      <PageHead title="Quotas">
        <label class="filter"><span class="sr-only">Project</span>
          <select aria-label="Project" data-testid="quota-project" value={chosen} onChange={(e) => setProject(e.currentTarget.value)}>
            {(projects.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select></label>
      </PageHead>
      {!quotas.data || !projects.data ? <Loading error={quotas.error || projects.error} /> : (
        <div class="grid3">
          {QUOTA_SERVICES.map((q, i) => <QuotaCard key={q.service + chosen} spec={q} project={chosen} quota={quotas.data![i]} onSaved={quotas.reload} />)}
        </div>
      )}
    </section>
  );
}

function QuotaCard(props: { spec: (typeof QUOTA_SERVICES)[number]; project: string; quota: any; onSaved: () => void }) {
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.spec.items.map(([, k]) => [k, String(props.quota?.limits?.[k] ?? -1)])));
  const [err, setErr] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    const bad = props.spec.items.find(([, k]) => !/^-?\d+$/.test(values[k]) || +values[k] < -1);
    if (bad) { setErr(`${bad[0]}: a whole number, or -1 for unlimited.`); return; }
    setErr('');
    const body: Record<string, unknown> = { project: props.project };
    for (const [, k] of props.spec.items) body[k] = +values[k];
    act(rpc(props.spec.service, 'SetQuota', body), `${props.spec.title} quotas saved`, props.onSaved);
  };
  return (
    <form class="card" onSubmit={save} data-testid={`quota-card-${props.spec.service}`}>
      <h2>{props.spec.title}</h2>
      {props.spec.items.map(([label, k]) => (
        <div key={k} class="quota-row">
          <label for={`q-${props.spec.service}-${k}`}>{label}</label>
          <span class="muted small">in use {props.quota?.in_use?.[k] ?? 0}</span>
          <input id={`q-${props.spec.service}-${k}`} type="number" min={-1} value={values[k]} onInput={(e) => setValues({ ...values, [k]: e.currentTarget.value })} />
        </div>
      ))}
      {err && <p class="form-error" role="alert">{err}</p>}
      <button type="submit" class="primary">Save</button>
    </form>
  );
}

export const ADMIN_NAV: [string, string][] = [
  ['/admin/hypervisors', 'Hypervisors'], ['/admin/services', 'System Information'], ['/admin/instances', 'Instances'], ['/admin/flavors', 'Flavors'],
  ['/admin/quotas', 'Quotas'],
];
