-- The compute service's schema. Ids are UUIDs; project and user ids are identity's (text).

CREATE TABLE flavors (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  vcpus integer NOT NULL CHECK (vcpus >= 1),
  ram_mib integer NOT NULL CHECK (ram_mib >= 1),
  disk_gib integer NOT NULL CHECK (disk_gib >= 0),
  ephemeral_gib integer NOT NULL DEFAULT 0 CHECK (ephemeral_gib >= 0),
  swap_mib integer NOT NULL DEFAULT 0 CHECK (swap_mib >= 0),
  is_public boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '',
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A deleted flavor's name may be used again; instances keep their own copy of the sizes.
CREATE UNIQUE INDEX flavors_name ON flavors(name) WHERE NOT deleted;

CREATE TABLE flavor_access (
  flavor_id uuid NOT NULL REFERENCES flavors(id),
  project_id text NOT NULL,
  PRIMARY KEY (flavor_id, project_id)
);

-- Key pairs belong to a user (as in Nova); project_id is where they were made, for quotas.
CREATE TABLE key_pairs (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  project_id text NOT NULL,
  name text NOT NULL,
  type text NOT NULL,
  public_key text NOT NULL,
  fingerprint_md5 text NOT NULL,
  fingerprint_sha256 text NOT NULL,
  bits integer NOT NULL,
  request_id text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, name)
);

CREATE TABLE server_groups (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  policy text NOT NULL,
  request_id text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);

-- One row per hypervisor host, upserted by its agent's RegisterHost.
CREATE TABLE hosts (
  name text PRIMARY KEY,
  availability_zone text NOT NULL,
  hypervisor_type text NOT NULL DEFAULT '',
  architecture text NOT NULL DEFAULT '',
  agent_version text NOT NULL DEFAULT '',
  vcpus integer NOT NULL,
  ram_mib bigint NOT NULL,
  disk_gib bigint NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text NOT NULL DEFAULT '',
  last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE instances (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  hostname text NOT NULL,
  vm_state text NOT NULL,
  task_state text NOT NULL,
  power_state text NOT NULL DEFAULT 'nostate',
  host text NOT NULL DEFAULT '',          -- '' : not placed (or its host cleaned up after a failure)
  availability_zone text NOT NULL DEFAULT '',
  -- The flavor as it was at creation.
  flavor_id text NOT NULL,
  flavor_name text NOT NULL,
  vcpus integer NOT NULL,
  ram_mib integer NOT NULL,
  disk_gib integer NOT NULL,
  ephemeral_gib integer NOT NULL,
  swap_mib integer NOT NULL,
  -- The image as it was at creation (JSON: the agent's ImageRefs, properties).
  image_id text NOT NULL,
  image_json text NOT NULL,
  key_name text NOT NULL DEFAULT '',
  public_key text NOT NULL DEFAULT '',
  has_user_data boolean NOT NULL DEFAULT false,
  user_data bytea NOT NULL DEFAULT '',
  metadata_json text NOT NULL DEFAULT '{}',
  security_groups_json text NOT NULL DEFAULT '[]',  -- [{"id":..,"name":..}]
  nics_json text NOT NULL DEFAULT '[]',             -- requested NICs: [{"network_id":..,"port_id":..,"fixed_ip":..}]
  server_group_id text NOT NULL DEFAULT '',
  reservation_id text NOT NULL,
  request_id text NOT NULL DEFAULT '',
  -- Desired state and the agent's progress.
  desired_power text NOT NULL DEFAULT 'running',
  reboot_generation bigint NOT NULL DEFAULT 0,
  reboot_hard boolean NOT NULL DEFAULT false,
  spawned boolean NOT NULL DEFAULT false,        -- the agent reported the domain spawned
  cleanup boolean NOT NULL DEFAULT false,        -- the host must remove the domain (deleted or failed build)
  agent_cleaned boolean NOT NULL DEFAULT false,  -- the agent reported it removed
  spawn_started_at timestamptz,
  snapshot_image_id text NOT NULL DEFAULT '',
  snapshot_generation bigint NOT NULL DEFAULT 0,
  fault_message text NOT NULL DEFAULT '',
  fault_code integer NOT NULL DEFAULT 0,
  fault_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  launched_at timestamptz,
  deleted_at timestamptz
);
CREATE INDEX instances_project ON instances(project_id);
CREATE INDEX instances_host ON instances(host);
CREATE INDEX instances_request ON instances(project_id, request_id) WHERE request_id <> '';
-- Names identify servers in commands: unique among a project's servers that are not deleted.
CREATE UNIQUE INDEX instances_project_name ON instances(project_id, name) WHERE vm_state <> 'DELETED';
-- The instances the build/delete pass has work on.
CREATE INDEX instances_busy ON instances(task_state) WHERE task_state <> 'none';

-- What an instance holds on its host; the scheduler sums these under the host's row lock.
CREATE TABLE claims (
  instance_id uuid PRIMARY KEY REFERENCES instances(id),
  host text NOT NULL REFERENCES hosts(name),
  vcpus integer NOT NULL,
  ram_mib bigint NOT NULL,
  disk_gib bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_host ON claims(host);

-- The instance's ports in NIC order, with what the agent needs of them.
CREATE TABLE instance_ports (
  instance_id uuid NOT NULL REFERENCES instances(id),
  position integer NOT NULL,
  port_id uuid NOT NULL,
  created_by_compute boolean NOT NULL,  -- false: the user's port, unbound (not deleted) at the end
  network_id text NOT NULL,
  network_name text NOT NULL DEFAULT '',
  mac_address text NOT NULL,
  mtu integer NOT NULL DEFAULT 0,
  fixed_ips_json text NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'DOWN',
  PRIMARY KEY (instance_id, port_id)
);
CREATE UNIQUE INDEX instance_ports_port ON instance_ports(port_id);

-- Per-project limits set by an admin; absent: the configured defaults.
CREATE TABLE quotas (
  project_id text PRIMARY KEY,
  instances integer,
  cores integer,
  ram_mib integer,
  key_pairs integer,
  server_groups integer
);

CREATE TABLE instance_actions (
  id bigserial PRIMARY KEY,
  instance_id uuid NOT NULL,
  request_id text NOT NULL DEFAULT '',
  action text NOT NULL,
  user_id text NOT NULL,
  project_id text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  result text NOT NULL DEFAULT 'pending',
  message text NOT NULL DEFAULT ''
);
CREATE INDEX instance_actions_instance ON instance_actions(instance_id, id);

-- The tail of each instance's serial console, as its agent last reported it.
CREATE TABLE console_logs (
  instance_id uuid PRIMARY KEY,
  tail bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
