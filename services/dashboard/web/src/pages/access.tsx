import { useState } from 'preact/hooks';
import { listAll, rpc, session as sessionApi } from '../api';
import type { FloatingIp, KeyPair, NetworkInfo, Port, SecurityGroup, SecurityGroupRule, Server, Session } from '../types';
import { act, confirmAction, Empty, FormModal, Link, Loading, PageHead, StatusBadge, toast, toastError, useData } from '../ui';
import { dateTime, download, enumLabel } from '../util';
import { createKeyPair, importKeyPair, keyNameError } from './keys';
import { AssociateFip } from './instances';

// ---- Key Pairs ----
export function KeyPairs() {
  const { data, error, reload } = useData(() => listAll<KeyPair>('compute', 'ListKeyPairs', 'key_pairs'), []);
  const [dlg, setDlg] = useState<'' | 'create' | 'import'>('');
  const [show, setShow] = useState<KeyPair | null>(null);
  return (
    <section data-testid="key-pairs-page">
      <PageHead title="Key Pairs">
        <button type="button" class="primary" onClick={() => setDlg('create')}>+ Create Key Pair</button>
        <button type="button" onClick={() => setDlg('import')}>Import Public Key</button>
      </PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="key-pairs-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Fingerprint</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={5} text="No key pairs." />}
            {data.map((k) => (
              <tr key={k.id || k.name} data-testid="key-pair-row" data-name={k.name}>
                <td><button type="button" class="linkish" onClick={() => setShow(k)}>{k.name}</button></td>
                <td>{enumLabel(k.type)}{k.bits ? ` (${k.bits})` : ''}</td>
                <td class="mono small">{k.fingerprint_sha256}</td>
                <td>{dateTime(k.created_at)}</td>
                <td class="actions"><button type="button" class="small-btn danger" aria-label={`Delete key pair ${k.name}`} onClick={async () => {
                  if (await confirmAction(`Delete key pair ${k.name}?`, 'Delete Key Pair')) act(rpc('compute', 'DeleteKeyPair', { key_name: k.name }), `Deleted key pair ${k.name}`, reload);
                }}>Delete Key Pair</button></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {dlg === 'create' && <CreateKeyDialog onClose={() => setDlg('')} onDone={reload} />}
      {dlg === 'import' && <ImportKeyDialog onClose={() => setDlg('')} onDone={reload} />}
      {show && (
        <FormModal title={`Key Pair ${show.name}`} submitLabel="Close" onClose={() => setShow(null)} submit={async () => {}}>
          <dl class="props"><dt>Type</dt><dd>{enumLabel(show.type)}</dd><dt>SHA256</dt><dd class="mono">{show.fingerprint_sha256}</dd><dt>MD5</dt><dd class="mono">{show.fingerprint_md5}</dd></dl>
          <label for="kp-pub">Public Key</label>
          <textarea id="kp-pub" class="mono" rows={5} readOnly value={show.public_key} />
        </FormModal>
      )}
    </section>
  );
}

function CreateKeyDialog(props: { onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('KEY_TYPE_ED25519');
  return (
    <FormModal title="Create Key Pair" submitLabel="Create Key Pair" onClose={props.onClose} testid="create-key-dialog"
      validate={() => keyNameError(name)}
      submit={async () => {
        const kp = await createKeyPair(name.trim(), type);
        toast(`Key pair ${kp.name} created. ${kp.name}.pem was downloaded; it cannot be downloaded again.`);
        props.onDone();
      }}>
      <label for="kp-name">Key Pair Name</label>
      <input id="kp-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <label for="kp-type">Key Type</label>
      <select id="kp-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
        <option value="KEY_TYPE_ED25519">Ed25519</option><option value="KEY_TYPE_RSA">RSA (3072 bits)</option>
      </select>
      <p class="muted small">The private key downloads once as NAME.pem. Keep it safe: it is not stored anywhere.</p>
    </FormModal>
  );
}

function ImportKeyDialog(props: { onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [pub, setPub] = useState('');
  return (
    <FormModal title="Import Public Key" submitLabel="Import Public Key" onClose={props.onClose} testid="import-key-dialog"
      validate={() => keyNameError(name) ?? (!pub.trim() ? 'Paste a public key or load it from a file.' : null)}
      submit={async () => { const kp = await importKeyPair(name.trim(), pub); toast(`Imported key pair ${kp.name}`); props.onDone(); }}>
      <label for="ik-name">Key Pair Name</label>
      <input id="ik-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <label for="ik-pub">Public Key</label>
      <textarea id="ik-pub" rows={5} class="mono" value={pub} onInput={(e) => setPub(e.currentTarget.value)} placeholder="ssh-ed25519 AAAA… comment" />
      <label for="ik-file">Load Public Key from a file</label>
      <input id="ik-file" type="file" accept=".pub,text/plain" onChange={async (e) => {
        const f = e.currentTarget.files?.[0];
        if (f) { setPub((await f.text()).trim()); if (!name) setName(f.name.replace(/\.pub$/, '').replace(/[^A-Za-z0-9 _.@-]/g, '_')); }
      }} />
    </FormModal>
  );
}

// ---- Security Groups ----
export function SecurityGroups() {
  const { data, error, reload } = useData(() => rpc<{ security_groups: SecurityGroup[] }>('network', 'ListSecurityGroups', {}).then((r) => r.security_groups ?? []), []);
  const [create, setCreate] = useState(false);
  return (
    <section data-testid="security-groups-page">
      <PageHead title="Security Groups"><button type="button" class="primary" onClick={() => setCreate(true)}>+ Create Security Group</button></PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="security-groups-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Rules</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={4} text="No security groups." />}
            {data.map((g) => (
              <tr key={g.id} data-testid="security-group-row" data-name={g.name}>
                <td><Link href={`/project/security_groups/${g.id}`}>{g.name}</Link></td><td>{g.description}</td><td>{(g.rules ?? []).length}</td>
                <td class="actions">
                  <Link href={`/project/security_groups/${g.id}`} class="button small-btn">Manage Rules</Link>
                  {g.name !== 'default' && <button type="button" class="small-btn danger" aria-label={`Delete security group ${g.name}`} onClick={async () => {
                    if (await confirmAction(`Delete security group ${g.name}?`, 'Delete Security Group')) act(rpc('network', 'DeleteSecurityGroup', { security_group: g.id }), `Deleted security group ${g.name}`, reload);
                  }}>Delete Security Group</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {create && <CreateGroupDialog onClose={() => setCreate(false)} onDone={reload} />}
    </section>
  );
}

function CreateGroupDialog(props: { onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [desc, setDesc] = useState('');
  return (
    <FormModal title="Create Security Group" submitLabel="Create Security Group" onClose={props.onClose} testid="create-group-dialog"
      validate={() => (!name.trim() ? 'Name is required.' : null)}
      submit={async () => { await rpc('network', 'CreateSecurityGroup', { name: name.trim(), description: desc }); toast(`Created security group ${name}`); props.onDone(); }}>
      <label for="sg-name">Name</label>
      <input id="sg-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <label for="sg-desc">Description</label>
      <textarea id="sg-desc" rows={3} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
    </FormModal>
  );
}

function ruleText(r: SecurityGroupRule, groups: SecurityGroup[]) {
  let ports = 'Any';
  if (r.protocol === 'icmp') ports = r.icmp_type === undefined ? 'Any' : `type ${r.icmp_type}${r.icmp_code !== undefined ? ' code ' + r.icmp_code : ''}`;
  else if (r.port_range_min !== undefined) ports = r.port_range_max !== undefined && r.port_range_max !== r.port_range_min ? `${r.port_range_min}-${r.port_range_max}` : String(r.port_range_min);
  const remote = r.remote_group_id ? `group ${groups.find((g) => g.id === r.remote_group_id)?.name ?? r.remote_group_id}` : r.remote_ip_prefix || (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0');
  return { ports, remote };
}

export function SecurityGroupRules(props: { id: string }) {
  const { data, error, reload } = useData(async () => {
    const [group, all] = await Promise.all([
      rpc<SecurityGroup>('network', 'GetSecurityGroup', { security_group: props.id }),
      rpc<{ security_groups: SecurityGroup[] }>('network', 'ListSecurityGroups', {}).then((r) => r.security_groups ?? []),
    ]);
    return { group, all };
  }, [props.id]);
  const [add, setAdd] = useState(false);
  const g = data?.group;
  return (
    <section data-testid="security-group-rules-page">
      <p class="crumbs"><Link href="/project/security_groups">Security Groups</Link> › {g?.name ?? props.id}</p>
      <PageHead title={g ? `Manage Security Group Rules: ${g.name}` : 'Security Group'}>
        <button type="button" class="primary" onClick={() => setAdd(true)} disabled={!g}>+ Add Rule</button>
      </PageHead>
      {!g ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="rules-table">
          <thead><tr><th scope="col">Direction</th><th scope="col">Ether Type</th><th scope="col">IP Protocol</th><th scope="col">Port Range</th><th scope="col">Remote</th><th scope="col">Description</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {(g.rules ?? []).length === 0 && <Empty cols={7} text="No rules: nothing is allowed." />}
            {(g.rules ?? []).map((r) => {
              const t = ruleText(r, data!.all);
              return (
                <tr key={r.id} data-testid="rule-row" data-protocol={r.protocol} data-ports={t.ports} data-direction={r.direction}>
                  <td>{r.direction === 'egress' ? 'Egress' : 'Ingress'}</td><td>{r.ethertype}</td><td>{r.protocol === 'any' ? 'Any' : r.protocol.toUpperCase()}</td>
                  <td>{t.ports}</td><td>{t.remote}</td><td>{r.description}</td>
                  <td class="actions"><button type="button" class="small-btn danger" onClick={async () => {
                    if (await confirmAction('Delete this rule?', 'Delete Rule')) act(rpc('network', 'DeleteSecurityGroupRule', { rule_id: r.id }), 'Deleted rule', reload);
                  }}>Delete Rule</button></td>
                </tr>
              );
            })}
          </tbody>
        </table></div>
      )}
      {add && g && <AddRuleDialog group={g} groups={data!.all} onClose={() => setAdd(false)} onDone={reload} />}
    </section>
  );
}

const PRESETS: Record<string, { label: string; protocol: string; port?: number; kind: 'port' | 'icmp' | 'any' }> = {
  custom_tcp: { label: 'Custom TCP Rule', protocol: 'tcp', kind: 'port' },
  custom_udp: { label: 'Custom UDP Rule', protocol: 'udp', kind: 'port' },
  custom_icmp: { label: 'Custom ICMP Rule', protocol: 'icmp', kind: 'icmp' },
  all_icmp: { label: 'ALL ICMP', protocol: 'icmp', kind: 'any' },
  all_tcp: { label: 'ALL TCP', protocol: 'tcp', kind: 'any' },
  all_udp: { label: 'ALL UDP', protocol: 'udp', kind: 'any' },
  ssh: { label: 'SSH', protocol: 'tcp', port: 22, kind: 'any' },
  http: { label: 'HTTP', protocol: 'tcp', port: 80, kind: 'any' },
  https: { label: 'HTTPS', protocol: 'tcp', port: 443, kind: 'any' },
  rdp: { label: 'RDP', protocol: 'tcp', port: 3389, kind: 'any' },
  any: { label: 'Other Protocol (any)', protocol: 'any', kind: 'any' },
};

function AddRuleDialog(props: { group: SecurityGroup; groups: SecurityGroup[]; onClose: () => void; onDone: () => void }) {
  const [preset, setPreset] = useState('custom_tcp');
  const [direction, setDirection] = useState('ingress');
  const [openPort, setOpenPort] = useState<'port' | 'range'>('port');
  const [port, setPort] = useState('');
  const [pmin, setPmin] = useState('');
  const [pmax, setPmax] = useState('');
  const [icmpType, setIcmpType] = useState('');
  const [icmpCode, setIcmpCode] = useState('');
  const [remote, setRemote] = useState<'cidr' | 'group'>('cidr');
  const [cidr, setCidr] = useState('0.0.0.0/0');
  const [rgroup, setRgroup] = useState(props.group.id);
  const [ether, setEther] = useState('IPv4');
  const [desc, setDesc] = useState('');
  const p = PRESETS[preset];
  const num = (s: string, lo: number, hi: number) => /^\d+$/.test(s.trim()) && +s >= lo && +s <= hi;
  const validate = (): string | null => {
    if (p.kind === 'port') {
      if (openPort === 'port' && !num(port, 1, 65535)) return 'Enter a port number between 1 and 65535.';
      if (openPort === 'range') {
        if (!num(pmin, 1, 65535) || !num(pmax, 1, 65535)) return 'Enter the port range: numbers between 1 and 65535.';
        if (+pmax < +pmin) return 'The "To Port" must be greater than or equal to the "From Port".';
      }
    }
    if (p.kind === 'icmp') {
      if (icmpType && !num(icmpType, 0, 255)) return 'ICMP type must be 0..255.';
      if (icmpCode && !num(icmpCode, 0, 255)) return 'ICMP code must be 0..255.';
      if (icmpCode && !icmpType) return 'An ICMP code needs a type.';
    }
    if (remote === 'cidr' && cidr.trim() && !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr.trim())) return 'Enter a CIDR such as 0.0.0.0/0 or 10.0.0.0/24.';
    return null;
  };
  return (
    <FormModal title="Add Rule" submitLabel="Add" onClose={props.onClose} validate={validate} testid="add-rule-dialog"
      submit={async () => {
        const body: any = { security_group: props.group.id, direction, protocol: p.protocol, description: desc };
        if (p.port) { body.port_range_min = p.port; body.port_range_max = p.port; }
        if (p.kind === 'port') {
          if (openPort === 'port') { body.port_range_min = +port; body.port_range_max = +port; } else { body.port_range_min = +pmin; body.port_range_max = +pmax; }
        }
        if (p.kind === 'icmp') { if (icmpType) body.icmp_type = +icmpType; if (icmpCode) body.icmp_code = +icmpCode; }
        if (remote === 'cidr') {
          const c = cidr.trim();
          body.ethertype = c.includes(':') ? 'IPv6' : 'IPv4';
          if (c && c !== '0.0.0.0/0' && c !== '::/0') body.remote_ip_prefix = c;
        } else { body.remote_group = rgroup; body.ethertype = ether; }
        await rpc('network', 'CreateSecurityGroupRule', body);
        toast(`Added rule to ${props.group.name}`);
        props.onDone();
      }}>
      <label for="rule-preset">Rule</label>
      <select id="rule-preset" value={preset} onChange={(e) => setPreset(e.currentTarget.value)}>
        {Object.entries(PRESETS).map(([k, v]) => <option key={k} value={k}>{v.label}</option>)}
      </select>
      <label for="rule-desc">Description</label>
      <input id="rule-desc" value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
      <label for="rule-direction">Direction</label>
      <select id="rule-direction" value={direction} onChange={(e) => setDirection(e.currentTarget.value)}><option value="ingress">Ingress</option><option value="egress">Egress</option></select>
      {p.kind === 'port' && (<>
        <label for="rule-open">Open Port</label>
        <select id="rule-open" value={openPort} onChange={(e) => setOpenPort(e.currentTarget.value as any)}><option value="port">Port</option><option value="range">Port Range</option></select>
        {openPort === 'port' ? (<><label for="rule-port">Port</label><input id="rule-port" inputMode="numeric" value={port} onInput={(e) => setPort(e.currentTarget.value)} /></>) : (<>
          <label for="rule-pmin">From Port</label><input id="rule-pmin" inputMode="numeric" value={pmin} onInput={(e) => setPmin(e.currentTarget.value)} />
          <label for="rule-pmax">To Port</label><input id="rule-pmax" inputMode="numeric" value={pmax} onInput={(e) => setPmax(e.currentTarget.value)} />
        </>)}
      </>)}
      {p.kind === 'icmp' && (<>
        <label for="rule-itype">Type <span class="muted">(empty: any)</span></label><input id="rule-itype" inputMode="numeric" value={icmpType} onInput={(e) => setIcmpType(e.currentTarget.value)} />
        <label for="rule-icode">Code <span class="muted">(empty: any)</span></label><input id="rule-icode" inputMode="numeric" value={icmpCode} onInput={(e) => setIcmpCode(e.currentTarget.value)} />
      </>)}
      <label for="rule-remote">Remote</label>
      <select id="rule-remote" value={remote} onChange={(e) => setRemote(e.currentTarget.value as any)}><option value="cidr">CIDR</option><option value="group">Security Group</option></select>
      {remote === 'cidr' ? (<><label for="rule-cidr">CIDR</label><input id="rule-cidr" value={cidr} onInput={(e) => setCidr(e.currentTarget.value)} /></>) : (<>
        <label for="rule-rgroup">Security Group</label>
        <select id="rule-rgroup" value={rgroup} onChange={(e) => setRgroup(e.currentTarget.value)}>{props.groups.map((g) => <option key={g.id} value={g.id}>{g.name}{g.id === props.group.id ? ' (current)' : ''}</option>)}</select>
        <label for="rule-ether">Ether Type</label>
        <select id="rule-ether" value={ether} onChange={(e) => setEther(e.currentTarget.value)}><option>IPv4</option><option>IPv6</option></select>
      </>)}
    </FormModal>
  );
}

// ---- Floating IPs ----
export function FloatingIps() {
  const { data, error, reload } = useData(async () => {
    const [fips, pools, servers, ports] = await Promise.all([
      rpc<{ floating_ips: FloatingIp[] }>('network', 'ListFloatingIps', {}).then((r) => r.floating_ips ?? []),
      rpc<{ networks: NetworkInfo[] }>('network', 'ListNetworks', { external_only: true }).then((r) => r.networks ?? []),
      listAll<Server>('compute', 'ListServers', 'servers').catch(() => [] as Server[]),
      rpc<{ ports: Port[] }>('network', 'ListPorts', {}).then((r) => r.ports ?? []).catch(() => [] as Port[]),
    ]);
    return { fips, pools, servers, ports };
  }, [], 5000);
  const [alloc, setAlloc] = useState(false);
  const [assoc, setAssoc] = useState<FloatingIp | null>(null);
  const instanceOf = (portId: string) => {
    const s = data?.servers.find((x) => (x.port_ids ?? []).includes(portId) || Object.values(x.addresses ?? {}).some((n) => (n.addresses ?? []).some((a) => a.port_id === portId)));
    if (s) return s;
    const p = data?.ports.find((x) => x.id === portId);
    return p ? data?.servers.find((x) => x.id === p.device_id) : undefined;
  };
  return (
    <section data-testid="floating-ips-page">
      <PageHead title="Floating IPs"><button type="button" class="primary" onClick={() => setAlloc(true)}>Allocate IP To Project</button></PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="floating-ips-table">
          <thead><tr><th scope="col">IP Address</th><th scope="col">Mapped Fixed IP Address</th><th scope="col">Instance</th><th scope="col">Pool</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.fips.length === 0 && <Empty cols={6} text="No floating IPs allocated." />}
            {data.fips.map((f) => {
              const s = f.port_id ? instanceOf(f.port_id) : undefined;
              return (
                <tr key={f.id} data-testid="floating-ip-row" data-address={f.floating_ip_address}>
                  <td>{f.floating_ip_address}</td><td>{f.fixed_ip_address || '-'}</td>
                  <td>{s ? <Link href={`/project/instances/${s.id}`}>{s.name}</Link> : f.port_id ? `port ${f.port_id.slice(0, 8)}` : '-'}</td>
                  <td>{data.pools.find((p) => p.id === f.floating_network_id)?.name ?? f.floating_network_id}</td>
                  <td><StatusBadge value={f.status} /></td>
                  <td class="actions">
                    {f.port_id
                      ? <button type="button" class="small-btn" onClick={() => act(rpc('network', 'DisassociateFloatingIp', { floating_ip: f.id }), `Disassociated ${f.floating_ip_address}`, reload)}>Disassociate</button>
                      : <button type="button" class="small-btn" onClick={() => setAssoc(f)}>Associate</button>}
                    <button type="button" class="small-btn danger" aria-label={`Release floating IP ${f.floating_ip_address}`} onClick={async () => {
                      if (await confirmAction(`Release ${f.floating_ip_address} back to the pool?`, 'Release Floating IP')) act(rpc('network', 'DeleteFloatingIp', { floating_ip: f.id }), `Released ${f.floating_ip_address}`, reload);
                    }}>Release Floating IP</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table></div>
      )}
      {alloc && data && <AllocateDialog pools={data.pools} onClose={() => setAlloc(false)} onDone={reload} />}
      {assoc && <AssociateFip fip={assoc} onClose={() => setAssoc(null)} onDone={reload} />}
    </section>
  );
}

function AllocateDialog(props: { pools: NetworkInfo[]; onClose: () => void; onDone: () => void }) {
  const [pool, setPool] = useState(props.pools[0]?.id ?? '');
  return (
    <FormModal title="Allocate Floating IP" submitLabel="Allocate IP" onClose={props.onClose} testid="allocate-fip-dialog"
      submit={async () => { const f = await rpc<FloatingIp>('network', 'CreateFloatingIp', { floating_network: pool }); toast(`Allocated ${f.floating_ip_address}`); props.onDone(); }}>
      <label for="fip-pool">Pool</label>
      <select id="fip-pool" value={pool} onChange={(e) => setPool(e.currentTarget.value)}>
        {props.pools.length === 0 && <option value="">(the only external network)</option>}
        {props.pools.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
    </FormModal>
  );
}

// ---- API Access ----
export function ApiAccess(props: { sess: Session }) {
  const { data, error } = useData(() => sessionApi.endpoints().then((r) => r.endpoints ?? []), []);
  const { sess } = props;
  const identity = data?.find((e) => e.service === 'identity')?.url ?? '';
  const openrc = () => download(`${sess.project_name}-openrc.sh`, [
    '#!/usr/bin/env bash', `# cloudctl credentials for project ${sess.project_name}: source this file, then run cloudctl.`,
    `export CLOUD_ENDPOINT=${identity}`, `export CLOUD_USERNAME=${sess.user_name}`, `export CLOUD_PROJECT=${sess.project_name}`,
    'echo -n "Password for $CLOUD_USERNAME: "', 'read -sr CLOUD_PASSWORD', 'export CLOUD_PASSWORD', 'echo', '',
  ].join('\n'), 'text/x-shellscript');
  // A cloudctl profile section for ~/.config/cloudctl/config (the password stays out of it:
  // cloudctl asks, or reads CLOUD_PASSWORD / the credentials file).
  const profile = () => download(`cloudctl-${sess.project_name}.ini`, [
    `# cloudctl profile for ${sess.user_name} in project ${sess.project_name}: add it to ~/.config/cloudctl/config,`,
    `# then: cloudctl --profile ${sess.project_name} login`,
    `[${sess.project_name}]`, `endpoint = ${identity}`, `username = ${sess.user_name}`, `project = ${sess.project_name}`, '',
  ].join('\n'), 'text/plain');
  // EC2 credentials, as Horizon's "Download EC2 Credentials": a new access key of this user in
  // this project (its secret is shown only now), for the aws CLI and boto3 against the EC2 front.
  const ec2 = data?.find((e) => e.service === 'ec2')?.url ?? '';
  const [ec2Busy, setEc2Busy] = useState(false);
  const ec2rc = async () => {
    setEc2Busy(true);
    try {
      const made: any = await rpc('identity', 'CreateAccessKey', {});
      const url = `http://${ec2.replace(/^https?:\/\//, '').replace(/\/+$/, '')}/`;
      download(`${sess.project_name}-ec2rc.sh`, [
        '#!/usr/bin/env bash', `# EC2 credentials of ${sess.user_name} in project ${sess.project_name} (access key ${made.key.access_key_id}); source this file.`,
        `export AWS_ACCESS_KEY_ID=${made.key.access_key_id}`, `export AWS_SECRET_ACCESS_KEY=${made.secret}`,
        `export AWS_DEFAULT_REGION=${data?.find((e) => e.service === 'ec2')?.region || 'RegionOne'}`,
        `export EC2_URL=${url}`, `export AWS_ENDPOINT_URL_EC2=${url}  # read by awscli >= 2.13 and boto3 >= 1.28`,
        '# Older awscli (Debian 12 ships 2.9): aws --endpoint-url "$EC2_URL" ec2 describe-instances', '',
      ].join('\n'), 'text/x-shellscript');
      toast(`Access key ${made.key.access_key_id} created; ${sess.project_name}-ec2rc.sh downloaded`);
    } catch (e) {
      toastError(e);
    } finally {
      setEc2Busy(false);
    }
  };
  return (
    <section data-testid="api-access-page">
      <PageHead title="API Access">
        <button type="button" onClick={profile} disabled={!data}>Download cloudctl Profile</button>
        <button type="button" onClick={openrc} disabled={!data}>Download OpenRC File</button>
        <button type="button" onClick={ec2rc} disabled={!data || !ec2 || ec2Busy}>Download EC2 Credentials</button>
      </PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="endpoints-table">
          <thead><tr><th scope="col">Service</th><th scope="col">Service Endpoint</th><th scope="col">Region</th></tr></thead>
          <tbody>
            {data.length === 0 && <Empty cols={3} text="No endpoints registered." />}
            {data.map((e) => <tr key={e.service + e.url} data-testid="endpoint-row"><td>{e.service}</td><td class="mono">{e.url}</td><td>{e.region}</td></tr>)}
          </tbody>
        </table></div>
      )}
      <div class="card">
        <h2>Your credentials</h2>
        <dl class="props"><dt>User</dt><dd>{sess.user_name} <span class="mono small muted">{sess.user_id}</span></dd><dt>Project</dt><dd>{sess.project_name} <span class="mono small muted">{sess.project_id}</span></dd><dt>Roles</dt><dd>{(sess.roles ?? []).join(', ')}</dd><dt>Session expires</dt><dd>{dateTime(sess.expires_at)}</dd></dl>
      </div>
    </section>
  );
}
