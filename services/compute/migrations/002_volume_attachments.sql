-- Volumes of the block-storage service on an instance. A row exists from the attach request
-- until the disk is off the domain (or the instance is gone); block-storage keeps the
-- volume's side (reserved .. in-use .. detaching). status: attaching, attached, detaching.
CREATE TABLE volume_attachments (
  volume_id uuid PRIMARY KEY,            -- one attachment per volume
  instance_id uuid NOT NULL REFERENCES instances(id),
  device text NOT NULL,                  -- /dev/vdb ...
  status text NOT NULL,
  connection_driver text NOT NULL,       -- how the host reaches it: "file"
  connection_path text NOT NULL,
  connection_format text NOT NULL,
  delete_on_termination boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX volume_attachments_device ON volume_attachments (instance_id, device);
