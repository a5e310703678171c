-- The invitation mail of each person drawn for a workshop, so that the console says "invité"
-- only once it has left the outbox ("invitation en file" before, "non remise" when it failed).
-- Selections invited before this column existed keep NULL (and read as sent, as they were).
ALTER TABLE workshop_selections ADD COLUMN invitation_mail_id uuid;
ALTER TABLE workshop_selections ADD CONSTRAINT workshop_selections_invitation_mail
    FOREIGN KEY (tenant_id, invitation_mail_id) REFERENCES mail_outbox (tenant_id, id)
    ON DELETE SET NULL (invitation_mail_id);
