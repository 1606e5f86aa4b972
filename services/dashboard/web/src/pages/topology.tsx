// Network Topology: the project's networks as vertical bars (the external one first), its
// instances as boxes to their right, a line from each instance to each network it has a port
// on, and a dashed line to the external network for each floating IP. Drawn as SVG from the
// same calls the tables make; no layout library.
import { Link } from '../ui';
import type { FloatingIp, NetworkInfo, Port, Server } from '../types';

const BAR_GAP = 130, BAR_W = 26, TOP = 50, BOX_W = 190, BOX_H = 54, ROW = 76;

export function Topology(props: { networks: NetworkInfo[]; servers: Server[]; ports: Port[]; fips: FloatingIp[] }) {
  const networks = [...props.networks].sort((a, b) => Number(b.external) - Number(a.external) || a.name.localeCompare(b.name));
  const column = new Map(networks.map((n, i) => [n.id, 30 + i * BAR_GAP]));
  const boxX = 30 + networks.length * BAR_GAP + 40;
  const height = Math.max(220, TOP + props.servers.length * ROW + 40);
  const width = boxX + BOX_W + 30;
  const external = networks.find((n) => n.external);
  const portsOf = (s: Server) => props.ports.filter((p) => p.device_id === s.id);
  return (
    <div class="topology-wrap">
      <svg class="topology" data-testid="topology" width={width} height={height} viewBox={`0 0 ${width} ${height}`}
        role="img" aria-label={`Network topology: ${networks.length} networks, ${props.servers.length} instances`}>
        {networks.map((n) => (
          <g key={n.id} data-testid="topology-network" data-name={n.name}>
            <rect x={column.get(n.id)} y={TOP} width={BAR_W} height={height - TOP - 10} rx={6} class={n.external ? 'net external' : 'net'} />
            <text x={column.get(n.id)! + BAR_W / 2} y={TOP - 22} text-anchor="middle" class="net-name">{n.name}</text>
            <text x={column.get(n.id)! + BAR_W / 2} y={TOP - 8} text-anchor="middle" class="net-kind">{n.external ? 'external' : n.shared ? 'shared' : 'project'}</text>
          </g>
        ))}
        {props.servers.map((s, k) => {
          const y = TOP + 20 + k * ROW;
          const ports = portsOf(s);
          const fips = props.fips.filter((f) => f.port_id && ports.some((p) => p.id === f.port_id));
          return (
            <g key={s.id} data-testid="topology-instance" data-name={s.name}>
              <title>{`${s.name}: ${ports.map((p) => p.fixed_ips?.map((f) => f.ip_address).join(' ')).join(', ')}${fips.length ? ', floating ' + fips.map((f) => f.floating_ip_address).join(' ') : ''}`}</title>
              {ports.map((p) => column.has(p.network_id) && (
                <line key={p.id} x1={column.get(p.network_id)! + BAR_W} y1={y + BOX_H / 2} x2={boxX} y2={y + BOX_H / 2} class="link" />
              ))}
              {external && fips.length > 0 && (
                <line x1={column.get(external.id)! + BAR_W} y1={y + 10} x2={boxX} y2={y + 10} class="link floating" />
              )}
              <rect x={boxX} y={y} width={BOX_W} height={BOX_H} rx={6} class={`box ${s.vm_state === 'VM_STATE_ACTIVE' ? 'up' : 'other'}`} />
              <text x={boxX + 10} y={y + 20} class="box-name">{s.name.length > 24 ? s.name.slice(0, 23) + '…' : s.name}</text>
              <text x={boxX + 10} y={y + 38} class="box-addr">
                {ports.flatMap((p) => p.fixed_ips?.map((f) => f.ip_address) ?? []).join(' ')}{fips.length ? ` · ${fips.map((f) => f.floating_ip_address).join(' ')}` : ''}
              </text>
            </g>
          );
        })}
      </svg>
      {props.servers.length === 0 && <p class="muted">No instances yet: <Link href="/project/instances">launch one</Link> to see it on its networks.</p>}
    </div>
  );
}
