-- SigV4 (the EC2 API) needs each access key's secret itself, so new keys keep it sealed
-- under identity's credential key ring (domain/credential_keys.h), naming the ring key that
-- sealed it. Keys made before this keep only their SHA-256: they still log in with
-- Authenticate, but must be re-issued to sign EC2 requests (docs/identity.md).
ALTER TABLE access_keys ADD COLUMN secret_key_id text;
ALTER TABLE access_keys ADD COLUMN secret_nonce bytea;
ALTER TABLE access_keys ADD COLUMN secret_sealed bytea;
ALTER TABLE access_keys ADD CONSTRAINT access_keys_sealed_all_or_none
  CHECK ((secret_key_id IS NULL) = (secret_nonce IS NULL) AND (secret_nonce IS NULL) = (secret_sealed IS NULL));
