-- Sharing is an offer: a membership is pending until the receiving project accepts it, and it
-- may reject it. Memberships made before this migration were in effect accepted (the image was
-- in the member's list at once), so they stay accepted; new ones start pending.
ALTER TABLE image_members
  ADD COLUMN status text NOT NULL DEFAULT 'accepted' CHECK (status IN ('pending', 'accepted', 'rejected')),
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE image_members ALTER COLUMN status SET DEFAULT 'pending';

-- The API's min_disk and min_ram are uint32: integer could not hold the upper half.
ALTER TABLE images ALTER COLUMN min_disk TYPE bigint, ALTER COLUMN min_ram TYPE bigint;
