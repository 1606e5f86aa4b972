-- One attachment at a time (no multi-attach): the instance a volume is reserved for,
-- attaching to, attached to or detaching from, kept on the volume's row. Empty when available.
ALTER TABLE volumes
  ADD COLUMN attached_instance_id text NOT NULL DEFAULT '',
  ADD COLUMN attached_host text NOT NULL DEFAULT '',
  ADD COLUMN attached_device text NOT NULL DEFAULT '',
  ADD COLUMN attached_at timestamptz;
CREATE INDEX volumes_attached_instance ON volumes (attached_instance_id) WHERE attached_instance_id <> '';
