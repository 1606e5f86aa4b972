-- Project ids are case-insensitive UUIDs. SetQuota once stored them as given, so an upper-case
-- id made a row of its own that no project read while the real project kept its quota. Where
-- both spellings exist the real (lower-case) row stays; the others are folded to lower case;
-- and no other spelling gets in again.
DELETE FROM quotas q
 WHERE q.project_id <> lower(q.project_id)
   AND EXISTS (SELECT 1 FROM quotas l WHERE l.project_id = lower(q.project_id));
UPDATE quotas SET project_id = lower(project_id) WHERE project_id <> lower(project_id);
ALTER TABLE quotas ADD CONSTRAINT quotas_project_id_lower CHECK (project_id = lower(project_id));
