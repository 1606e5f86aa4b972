import { useState } from 'preact/hooks';
import { listAll, rpc } from '../api';
import type { Image, Server, Snapshot, Volume } from '../types';
import { act, confirmAction, Empty, FormModal, Link, Loading, PageHead, RowMenu, StatusBadge, toast, useData } from '../ui';
import { dateTime, enumLabel, uuid } from '../util';

async function loadVolumes() {
  const [volumes, servers, snapshots] = await Promise.all([
    listAll<Volume>('block-storage', 'ListVolumes', 'volumes'),
    listAll<Server>('compute', 'ListServers', 'servers').catch(() => [] as Server[]),
    listAll<Snapshot>('block-storage', 'ListSnapshots', 'snapshots').catch(() => [] as Snapshot[]),
  ]);
  volumes.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
  return { volumes, servers, snapshots };
}

type Dlg = null | { kind: 'create'; snapshot?: string } | { kind: 'extend' | 'attach' | 'snapshot'; v: Volume };

export function Volumes() {
  const { data, error, reload } = useData(loadVolumes, [], 2000);
  const [dlg, setDlg] = useState<Dlg>(null);
  const server = (id: string) => data?.servers.find((s) => s.id === id);
  return (
    <section data-testid="volumes-page">
      <PageHead title="Volumes"><button type="button" class="primary" onClick={() => setDlg({ kind: 'create' })}>+ Create Volume</button></PageHead>
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="volumes-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Size</th><th scope="col">Status</th><th scope="col">Attached To</th><th scope="col">Availability Zone</th><th scope="col">Bootable</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.volumes.length === 0 && <Empty cols={9} text="No volumes." />}
            {data.volumes.map((v) => {
              const att = v.attachment?.instance_id ? server(v.attachment.instance_id) : undefined;
              const attachedTo = v.attachment?.instance_id ?? '';
              const label = v.name || v.id.slice(0, 8);
              return (
                <tr key={v.id} data-testid="volume-row" data-name={v.name} data-id={v.id} data-status={v.status}>
                  <td>{label}</td><td>{v.description}</td><td>{v.size_gib} GiB</td>
                  <td data-testid="volume-status"><StatusBadge value={enumLabel(v.status)} />{v.fault?.message && <div class="small bad">{v.fault.message}</div>}</td>
                  <td>{attachedTo ? <>{v.attachment?.device ? `${v.attachment.device} on ` : ''}<Link href={`/project/instances/${attachedTo}`}>{att?.name ?? attachedTo.slice(0, 8)}</Link></> : '-'}</td>
                  <td>{v.availability_zone}</td><td>{v.bootable ? 'Yes' : 'No'}</td><td>{dateTime(v.created_at)}</td>
                  <td class="actions">
                    <button type="button" class="small-btn" onClick={() => setDlg({ kind: 'extend', v })}>Extend Volume</button>
                    <RowMenu label={`Actions for volume ${label}`}>
                      {!attachedTo && <button type="button" role="menuitem" onClick={() => setDlg({ kind: 'attach', v })}>Manage Attachments</button>}
                      {attachedTo && <button type="button" role="menuitem" onClick={() => act(rpc('compute', 'DetachVolume', { server: attachedTo, volume: v.id, request_id: uuid() }), `Detaching ${label}`, reload)}>Detach Volume</button>}
                      <button type="button" role="menuitem" onClick={() => setDlg({ kind: 'snapshot', v })}>Create Snapshot</button>
                      <button type="button" role="menuitem" class="danger-text" onClick={async () => {
                        if (await confirmAction(`Delete volume ${label}? Its data is lost.`, 'Delete Volume')) act(rpc('block-storage', 'DeleteVolume', { volume: v.id }), `Deleted volume ${label}`, reload);
                      }}>Delete Volume</button>
                    </RowMenu>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table></div>
      )}
      {dlg?.kind === 'create' && <CreateVolume snapshot={dlg.snapshot} onClose={() => setDlg(null)} onDone={reload} />}
      {dlg?.kind === 'extend' && <ExtendVolume v={dlg.v} onClose={() => setDlg(null)} onDone={reload} />}
      {dlg?.kind === 'attach' && <AttachToInstance v={dlg.v} servers={data?.servers ?? []} onClose={() => setDlg(null)} onDone={reload} />}
      {dlg?.kind === 'snapshot' && <SnapshotVolume v={dlg.v} onClose={() => setDlg(null)} onDone={reload} />}
    </section>
  );
}

export function CreateVolume(props: { snapshot?: string; onClose: () => void; onDone: () => void }) {
  const src = useData(async () => {
    const [images, snapshots] = await Promise.all([
      listAll<Image>('image', 'ListImages', 'images', { status: 'active' }).catch(() => [] as Image[]),
      listAll<Snapshot>('block-storage', 'ListSnapshots', 'snapshots').catch(() => [] as Snapshot[]),
    ]);
    return { images: images.filter((i) => i.disk_format === 'raw' || i.disk_format === 'qcow2'), snapshots };
  }, []);
  const [name, setName] = useState('');
  const [desc, setDesc] = useState('');
  const [source, setSource] = useState<'empty' | 'image' | 'snapshot'>(props.snapshot ? 'snapshot' : 'empty');
  const [image, setImage] = useState('');
  const [snap, setSnap] = useState(props.snapshot ?? '');
  const [size, setSize] = useState(props.snapshot ? '' : '1');
  const chosenImage = image || src.data?.images[0]?.id || '';
  const chosenSnap = snap || src.data?.snapshots[0]?.id || '';
  return (
    <FormModal title="Create Volume" submitLabel="Create Volume" onClose={props.onClose} testid="create-volume-dialog"
      validate={() => {
        if (!name.trim()) return 'Volume name is required.';
        if (name.trim().length > 64) return 'Volume names are at most 64 characters.';
        if (source === 'empty' && !(/^\d+$/.test(size) && +size >= 1)) return 'Size must be a whole number of GiB, at least 1.';
        if (source !== 'empty' && size && !/^\d+$/.test(size)) return 'Size must be a whole number of GiB (empty: the source\'s size).';
        if (source === 'image' && !chosenImage) return 'Select an image.';
        if (source === 'snapshot' && !chosenSnap) return 'Select a snapshot.';
        if (desc.length > 255) return 'The description is at most 255 characters.';
        return null;
      }}
      submit={async () => {
        const body: any = { name: name.trim(), description: desc, size_gib: size ? +size : 0, request_id: uuid() };
        if (source === 'image') body.image = chosenImage;
        if (source === 'snapshot') body.snapshot = chosenSnap;
        const v = await rpc<Volume>('block-storage', 'CreateVolume', body);
        toast(v.status === 'VOLUME_STATUS_ERROR' ? `Volume ${v.name} failed: ${v.fault?.message ?? ''}` : `Created volume ${v.name}`, v.status === 'VOLUME_STATUS_ERROR' ? 'error' : 'ok');
        props.onDone();
      }}>
      <label for="vol-name">Volume Name</label>
      <input id="vol-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <label for="vol-desc">Description</label>
      <textarea id="vol-desc" rows={2} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
      <label for="vol-source">Volume Source</label>
      <select id="vol-source" value={source} onChange={(e) => setSource(e.currentTarget.value as any)}>
        <option value="empty">No source, empty volume</option><option value="image">Image</option><option value="snapshot">Snapshot</option>
      </select>
      {source === 'image' && (<>
        <label for="vol-image">Use image as a source</label>
        <select id="vol-image" value={chosenImage} onChange={(e) => setImage(e.currentTarget.value)}>
          {(src.data?.images ?? []).map((i) => <option key={i.id} value={i.id}>{i.name} ({i.disk_format})</option>)}
        </select>
      </>)}
      {source === 'snapshot' && (<>
        <label for="vol-snap">Use snapshot as a source</label>
        <select id="vol-snap" value={chosenSnap} onChange={(e) => setSnap(e.currentTarget.value)}>
          {(src.data?.snapshots ?? []).map((s) => <option key={s.id} value={s.id}>{s.name} ({s.size_gib} GiB)</option>)}
        </select>
      </>)}
      <label for="vol-size">Size (GiB){source !== 'empty' && <span class="muted"> — empty: the source's size</span>}</label>
      <input id="vol-size" type="number" min={source === 'empty' ? 1 : 0} value={size} onInput={(e) => setSize(e.currentTarget.value)} />
    </FormModal>
  );
}

function ExtendVolume(props: { v: Volume; onClose: () => void; onDone: () => void }) {
  const [size, setSize] = useState(String(props.v.size_gib + 1));
  return (
    <FormModal title={`Extend Volume ${props.v.name}`} submitLabel="Extend Volume" onClose={props.onClose}
      validate={() => (!/^\d+$/.test(size) || +size <= props.v.size_gib ? `The new size must be larger than ${props.v.size_gib} GiB.` : null)}
      submit={async () => { await rpc('block-storage', 'ExtendVolume', { volume: props.v.id, new_size_gib: +size }); toast(`Extended ${props.v.name} to ${size} GiB`); props.onDone(); }}>
      <p>Current size: {props.v.size_gib} GiB{props.v.status !== 'VOLUME_STATUS_AVAILABLE' && ' — the volume must be available (detach it first).'}</p>
      <label for="ext-size">New Size (GiB)</label>
      <input id="ext-size" type="number" min={props.v.size_gib + 1} value={size} onInput={(e) => setSize(e.currentTarget.value)} />
    </FormModal>
  );
}

function AttachToInstance(props: { v: Volume; servers: Server[]; onClose: () => void; onDone: () => void }) {
  const ok = props.servers.filter((s) => s.vm_state === 'VM_STATE_ACTIVE' || s.vm_state === 'VM_STATE_SHUTOFF');
  const [server, setServer] = useState(ok[0]?.id ?? '');
  const [device, setDevice] = useState('');
  return (
    <FormModal title={`Manage Volume Attachments: ${props.v.name}`} submitLabel="Attach Volume" onClose={props.onClose} testid="volume-attach-dialog"
      validate={() => (!server ? 'No instance that is Active or Shutoff.' : device && !/^\/dev\/[a-z]+$/.test(device) ? 'Device name like /dev/vdc, or empty.' : null)}
      submit={async () => { await rpc('compute', 'AttachVolume', { server, volume: props.v.id, device, request_id: uuid() }); toast(`Attaching ${props.v.name}`); props.onDone(); }}>
      <label for="att-server">Attach to Instance</label>
      <select id="att-server" value={server} onChange={(e) => setServer(e.currentTarget.value)}>
        {ok.length === 0 && <option value="">No instances</option>}
        {ok.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
      <label for="att-device">Device Name <span class="muted">(optional)</span></label>
      <input id="att-device" value={device} onInput={(e) => setDevice(e.currentTarget.value)} placeholder="/dev/vdb" />
    </FormModal>
  );
}

function SnapshotVolume(props: { v: Volume; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(`${props.v.name}-snap`);
  const [desc, setDesc] = useState('');
  return (
    <FormModal title="Create Volume Snapshot" submitLabel="Create Volume Snapshot" onClose={props.onClose}
      validate={() => (!name.trim() ? 'Snapshot name is required.' : name.length > 64 ? 'At most 64 characters.' : null)}
      submit={async () => { await rpc('block-storage', 'CreateSnapshot', { name: name.trim(), volume: props.v.id, description: desc, request_id: uuid() }); toast(`Created snapshot ${name}`); props.onDone(); }}>
      {props.v.status !== 'VOLUME_STATUS_AVAILABLE' && <p class="notice">The volume is {enumLabel(props.v.status).toLowerCase()}: only an available (detached) volume can be snapshotted.</p>}
      <label for="vs-name">Snapshot Name</label>
      <input id="vs-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="vs-desc">Description</label>
      <textarea id="vs-desc" rows={2} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
    </FormModal>
  );
}

export function VolumeSnapshots() {
  const { data, error, reload } = useData(async () => {
    const [snapshots, volumes] = await Promise.all([
      listAll<Snapshot>('block-storage', 'ListSnapshots', 'snapshots'),
      listAll<Volume>('block-storage', 'ListVolumes', 'volumes').catch(() => [] as Volume[]),
    ]);
    return { snapshots, volumes };
  }, [], 3000);
  const [from, setFrom] = useState<string | null>(null);
  return (
    <section data-testid="snapshots-page">
      <PageHead title="Volume Snapshots" />
      {!data ? <Loading error={error} /> : (
        <div class="table-wrap"><table class="table" data-testid="snapshots-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Size</th><th scope="col">Status</th><th scope="col">Volume Name</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {data.snapshots.length === 0 && <Empty cols={7} text="No volume snapshots." />}
            {data.snapshots.map((s) => (
              <tr key={s.id} data-testid="snapshot-row" data-name={s.name}>
                <td>{s.name}</td><td>{s.description}</td><td>{s.size_gib} GiB</td><td><StatusBadge value={enumLabel(s.status)} /></td>
                <td>{data.volumes.find((v) => v.id === s.volume_id)?.name ?? s.volume_id.slice(0, 8)}</td><td>{dateTime(s.created_at)}</td>
                <td class="actions">
                  <button type="button" class="small-btn" onClick={() => setFrom(s.id)}>Create Volume</button>
                  <button type="button" class="small-btn danger" onClick={async () => {
                    if (await confirmAction(`Delete volume snapshot ${s.name}?`, 'Delete Volume Snapshot')) act(rpc('block-storage', 'DeleteSnapshot', { snapshot: s.id }), `Deleted snapshot ${s.name}`, reload);
                  }}>Delete Volume Snapshot</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      {from && <CreateVolume snapshot={from} onClose={() => setFrom(null)} onDone={reload} />}
    </section>
  );
}
