-- Deleting a project revokes the tokens scoped to it, and no others: a revocation now names a
-- token, a user or a project (exactly one). The old two-way check had a generated name.
ALTER TABLE revocations ADD COLUMN project_id uuid;
DO $$
DECLARE c text;
BEGIN
  FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'revocations'::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE revocations DROP CONSTRAINT %I', c);
  END LOOP;
END $$;
ALTER TABLE revocations ADD CONSTRAINT revocations_one_subject
  CHECK (num_nonnulls(token_id, user_id, project_id) = 1);
