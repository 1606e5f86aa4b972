-- The cloud's own processes get roles of their own instead of admin: "service" for services
-- calling each other, "agent" for hypervisor agents. An agent user names the host it is
-- confined to; its tokens carry that host (docs/identity.md, "Who may call what").
ALTER TABLE role_assignments DROP CONSTRAINT IF EXISTS role_assignments_role_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_role_check
  CHECK (role IN ('admin', 'member', 'reader', 'service', 'agent'));
ALTER TABLE users ADD COLUMN host text NOT NULL DEFAULT '';
