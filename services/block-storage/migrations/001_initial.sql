-- Volumes of projects. A row exists from `creating` until its storage is removed; the
-- status is one of domain/volume_state.h's names.
CREATE TABLE volumes (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  size_gib integer NOT NULL CHECK (size_gib >= 1),
  availability_zone text NOT NULL,
  status text NOT NULL,
  backend text NOT NULL,
  fault_message text NOT NULL DEFAULT '',
  fault_at timestamptz,
  request_id text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Names are unique within a project, so a name is a reference as good as the id.
CREATE UNIQUE INDEX volumes_project_name ON volumes (project_id, name);
CREATE UNIQUE INDEX volumes_project_request ON volumes (project_id, request_id) WHERE request_id <> '';
CREATE INDEX volumes_status ON volumes (status);

-- Per-project overrides; NULL: the service's default. A project's row is also what its
-- quota-checked creations lock (FOR UPDATE), so it is inserted on first use.
CREATE TABLE quotas (
  project_id text PRIMARY KEY,
  volumes integer,
  gigabytes integer
);
