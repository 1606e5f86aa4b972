-- The tokens each access key issued (and their renewals), so that they stay in the key's
-- project and are revoked with the key, as Keystone does for application credentials.
-- Rows outlive nothing: a key's rows go when the key is deleted (after revoking the live
-- ones), and expired rows are dropped whenever the key issues another token.
CREATE TABLE access_key_tokens (
  token_id text PRIMARY KEY,
  access_key_id text NOT NULL,
  expires_at bigint NOT NULL  -- unix seconds
);
CREATE INDEX access_key_tokens_key ON access_key_tokens(access_key_id);
