-- The network service's schema. Names are unique per project; ids are UUIDs.
CREATE TABLE networks (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  name text NOT NULL,
  shared boolean NOT NULL DEFAULT false,
  external boolean NOT NULL DEFAULT false,
  mtu integer NOT NULL,
  segmentation_id integer NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);

-- Lists (pools, DNS servers, host routes) are small and always read whole: one text column
-- each, encoded by the domain.
CREATE TABLE subnets (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  network_id uuid NOT NULL REFERENCES networks(id),
  name text NOT NULL,
  cidr text NOT NULL,
  gateway_ip text NOT NULL DEFAULT '',
  gateway_mac text NOT NULL,
  allocation_pools text NOT NULL,
  dns_nameservers text NOT NULL DEFAULT '',
  host_routes text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);
CREATE INDEX subnets_network ON subnets(network_id);

CREATE TABLE ports (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  network_id uuid NOT NULL REFERENCES networks(id),
  name text NOT NULL DEFAULT '',
  mac_address text NOT NULL,
  device_owner text NOT NULL DEFAULT '',
  device_id text NOT NULL DEFAULT '',
  host text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'DOWN' CHECK (status IN ('DOWN', 'ACTIVE')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (network_id, mac_address)
);
CREATE INDEX ports_project ON ports(project_id);
CREATE INDEX ports_host ON ports(host);
CREATE INDEX ports_device ON ports(device_id);
-- Port names are optional, but unique within a project when given (commands take names).
CREATE UNIQUE INDEX ports_project_name ON ports(project_id, name) WHERE name <> '';

CREATE TABLE security_groups (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);

CREATE TABLE security_group_rules (
  id uuid PRIMARY KEY,
  security_group_id uuid NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
  project_id text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('ingress', 'egress')),
  ethertype text NOT NULL CHECK (ethertype IN ('IPv4', 'IPv6')),
  protocol text NOT NULL,
  ip_protocol integer NOT NULL,
  port_range_min integer,
  port_range_max integer,
  icmp_type integer,
  icmp_code integer,
  remote_ip_prefix text NOT NULL DEFAULT '',
  remote_group_id uuid REFERENCES security_groups(id),
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_group_rules_group ON security_group_rules(security_group_id);
CREATE INDEX security_group_rules_remote ON security_group_rules(remote_group_id);

CREATE TABLE port_security_groups (
  port_id uuid NOT NULL REFERENCES ports(id) ON DELETE CASCADE,
  security_group_id uuid NOT NULL REFERENCES security_groups(id),
  PRIMARY KEY (port_id, security_group_id)
);
CREATE INDEX port_security_groups_group ON port_security_groups(security_group_id);

CREATE TABLE floating_ips (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  network_id uuid NOT NULL REFERENCES networks(id),
  subnet_id uuid NOT NULL REFERENCES subnets(id),
  address inet NOT NULL,
  mac_address text NOT NULL,
  port_id uuid REFERENCES ports(id),
  fixed_ip_address text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX floating_ips_project ON floating_ips(project_id);
CREATE INDEX floating_ips_port ON floating_ips(port_id);
-- One floating IP per fixed address of a port.
CREATE UNIQUE INDEX floating_ips_fixed ON floating_ips(port_id, fixed_ip_address) WHERE port_id IS NOT NULL;

-- Every address handed out, by a port or a floating IP. The primary key is what makes
-- "never twice" hold even if two allocations raced past the subnet lock.
CREATE TABLE ip_allocations (
  subnet_id uuid NOT NULL REFERENCES subnets(id),
  address inet NOT NULL,
  port_id uuid REFERENCES ports(id) ON DELETE CASCADE,
  floating_ip_id uuid REFERENCES floating_ips(id) ON DELETE CASCADE,
  PRIMARY KEY (subnet_id, address),
  CHECK ((port_id IS NULL) <> (floating_ip_id IS NULL))
);
CREATE INDEX ip_allocations_port ON ip_allocations(port_id);

-- Projects whose limits differ from the service defaults; NULL: the default.
CREATE TABLE quotas (
  project_id text PRIMARY KEY,
  networks integer,
  subnets integer,
  ports integer,
  security_groups integer,
  security_group_rules integer,
  floating_ips integer
);
