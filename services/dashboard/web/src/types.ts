// The shapes of the proto3 JSON replies the pages use (original field names). Only the
// fields the dashboard reads; timestamps are RFC3339 strings, int64/uint64 strings.
export interface Session {
  user_id: string; user_name: string; project_id: string; project_name: string;
  roles: string[]; expires_at: string; csrf_token: string;
}
export interface FlavorSummary { id: string; name: string; vcpus: number; ram_mib: number; disk_gib: number; ephemeral_gib?: number; swap_mib?: number }
export interface Flavor extends FlavorSummary { is_public: boolean; description: string }
export interface Address { ip_address: string; type: string; port_id: string; mac_address: string }
export interface VolumeAttachmentC { server_id: string; volume_id: string; device: string; status: string; delete_on_termination: boolean }
export interface Server {
  id: string; name: string; project_id: string; vm_state: string; task_state: string; power_state: string;
  addresses: Record<string, { network_id: string; addresses: Address[] }>;
  key_name: string; security_groups: string[]; image_id: string; flavor?: FlavorSummary;
  fault?: { message: string; code: number }; metadata: Record<string, string>;
  availability_zone: string; hostname: string; port_ids: string[];
  created_at?: string; updated_at?: string; launched_at?: string;
  volume_attachments: VolumeAttachmentC[];
}
export interface KeyPair { id: string; name: string; type: string; public_key: string; fingerprint_sha256: string; fingerprint_md5: string; bits: number; private_key: string; created_at?: string }
export interface Image {
  id: string; name: string; owner: string; status: string; visibility: string; disk_format: string; container_format: string;
  size: string | number; sha256: string; min_disk: number; min_ram: number; protected: boolean;
  properties: Record<string, string>; created_at?: string; updated_at?: string; member_status: string;
}
export interface NetworkInfo { id: string; name: string; project_id: string; shared: boolean; external: boolean; mtu: number; subnet_ids: string[]; created_at?: string }
export interface Subnet { id: string; name: string; network_id: string; cidr: string; gateway_ip: string; ip_version: number; allocation_pools: { start: string; end: string }[]; dns_nameservers: string[] }
export interface Port { id: string; name: string; network_id: string; mac_address: string; fixed_ips: { subnet_id: string; ip_address: string }[]; device_owner: string; device_id: string; status: string; security_group_ids: string[] }
export interface SecurityGroupRule {
  id: string; security_group_id: string; direction: string; ethertype: string; protocol: string;
  port_range_min?: number; port_range_max?: number; icmp_type?: number; icmp_code?: number;
  remote_ip_prefix: string; remote_group_id: string; description: string;
}
export interface SecurityGroup { id: string; name: string; description: string; rules: SecurityGroupRule[]; created_at?: string }
export interface FloatingIp { id: string; floating_ip_address: string; floating_network_id: string; port_id: string; fixed_ip_address: string; status: string; created_at?: string }
export interface Volume {
  id: string; name: string; description: string; size_gib: number; status: string; availability_zone: string;
  fault?: { message: string }; created_at?: string; attachment?: { instance_id: string; host: string; device: string };
  source_snapshot_id: string; bootable: boolean; image_id: string;
}
export interface Snapshot { id: string; name: string; description: string; volume_id: string; size_gib: number; status: string; created_at?: string; fault?: { message: string } }
export interface ServerAction { request_id: string; action: string; user_id: string; started_at?: string; finished_at?: string; result: string; message: string }
