-- The image service's schema. Rows of deleted images stay (status 'deleted') so that events
-- and audits can still name them; every query for live images filters them out.
CREATE TABLE images (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  owner uuid NOT NULL,  -- project id (identity's; no foreign key across services)
  status text NOT NULL CHECK (status IN ('queued', 'saving', 'active', 'killed', 'deleted')),
  visibility text NOT NULL CHECK (visibility IN ('public', 'private', 'shared')),
  disk_format text NOT NULL,
  container_format text NOT NULL,
  size bigint NOT NULL DEFAULT 0,   -- declared while saving, stored once active
  sha256 text NOT NULL DEFAULT '',
  min_disk integer NOT NULL DEFAULT 0,
  min_ram integer NOT NULL DEFAULT 0,
  protected boolean NOT NULL DEFAULT false,
  kernel_id uuid,
  ramdisk_id uuid,
  properties jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at timestamptz
);
-- A name is unique among a project's live images (a killed one may be retried under its name).
CREATE UNIQUE INDEX images_owner_name ON images (owner, name) WHERE status NOT IN ('deleted', 'killed');
CREATE INDEX images_page ON images (created_at, id) WHERE status <> 'deleted';
CREATE INDEX images_public ON images (visibility) WHERE visibility = 'public' AND status <> 'deleted';
CREATE INDEX images_saving ON images (status) WHERE status = 'saving';

CREATE TABLE image_members (
  image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  project_id uuid NOT NULL,
  PRIMARY KEY (image_id, project_id)
);
CREATE INDEX image_members_project ON image_members (project_id);
