-- Volume snapshots. With the qcow2 backend a snapshot lives inside its volume's file (an
-- internal snapshot named snapshot-<id>), so a volume with snapshots cannot be deleted.
CREATE TABLE snapshots (
  id uuid PRIMARY KEY,
  project_id text NOT NULL,
  user_id text NOT NULL,
  volume_id uuid NOT NULL REFERENCES volumes(id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  size_gib integer NOT NULL,
  status text NOT NULL,             -- creating, available, deleting, error, error_deleting
  fault_message text NOT NULL DEFAULT '',
  fault_at timestamptz,
  request_id text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX snapshots_project_name ON snapshots (project_id, name);
CREATE UNIQUE INDEX snapshots_project_request ON snapshots (project_id, request_id) WHERE request_id <> '';
CREATE INDEX snapshots_volume ON snapshots (volume_id);

ALTER TABLE volumes ADD COLUMN source_snapshot_id text NOT NULL DEFAULT '';
ALTER TABLE quotas ADD COLUMN snapshots integer;
