-- Identity's schema. Names are unique across the cloud (commands take a name or an id).
CREATE TABLE projects (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  email text NOT NULL DEFAULT '',
  enabled boolean NOT NULL DEFAULT true,
  password_hash text NOT NULL,
  -- Login throttling: consecutive failures and the end of the current lock.
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE role_assignments (
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'member', 'reader')),
  PRIMARY KEY (user_id, project_id, role)
);
CREATE INDEX role_assignments_project ON role_assignments(project_id);

-- Only a SHA-256 of the secret is kept: secrets are long random strings, so a slow hash
-- adds nothing, and the secret itself is shown once at creation.
CREATE TABLE access_keys (
  id text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  secret_sha256 bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_keys_user ON access_keys(user_id);

-- Token signing keys. Exactly one is active (signs new tokens); retired ones keep verifying
-- until every token they signed has expired.
CREATE TABLE signing_keys (
  id text PRIMARY KEY,
  public_key bytea NOT NULL,
  secret_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys((retired_at IS NULL)) WHERE retired_at IS NULL;

CREATE TABLE revocations (
  id bigserial PRIMARY KEY,
  token_id text,
  user_id uuid,
  issued_before_ms bigint NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  CHECK ((token_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX revocations_expires ON revocations(expires_at);

CREATE TABLE endpoints (
  service text NOT NULL,
  region text NOT NULL,
  url text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, region)
);
