-- 002_inbox: conversations (status, assignee, patient, tags), internal notes,
-- patient records, full-text search of messages, and the patient an audit
-- record touched. Additive: existing rows keep their meaning.

CREATE TYPE conversation_status AS ENUM ('OPEN', 'PENDING', 'RESOLVED');

ALTER TABLE rooms
    ADD COLUMN status      conversation_status NOT NULL DEFAULT 'OPEN',
    ADD COLUMN assignee_id bigint REFERENCES users (id),
    ADD COLUMN patient_id  bigint REFERENCES users (id),
    ADD COLUMN tags        text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
    ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now(),
    -- startConversation's idempotency key, scoped to the patient: one room per
    -- (patient, key) even when two requests race.
    ADD COLUMN start_key   text CHECK (length(start_key) BETWEEN 1 AND 128);
CREATE UNIQUE INDEX rooms_start_key ON rooms (patient_id, start_key) WHERE start_key IS NOT NULL;

-- An existing room's patient is its one PATIENT member, if any; its last change
-- is its newest message (or its creation).
UPDATE rooms r SET patient_id = m.user_id
  FROM room_members m WHERE m.room_id = r.id AND m.member_role = 'PATIENT';
UPDATE rooms r SET updated_at = greatest(r.created_at,
    coalesce((SELECT max(created_at) FROM messages WHERE room_id = r.id), r.created_at));

-- A room's patient follows its membership whatever the path that adds one
-- (createRoom, addMembers, startConversation); a room holds at most one.
CREATE FUNCTION room_members_set_patient() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.member_role = 'PATIENT' THEN
        UPDATE rooms SET patient_id = NEW.user_id WHERE id = NEW.room_id AND patient_id IS NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER room_members_patient AFTER INSERT ON room_members
    FOR EACH ROW EXECUTE FUNCTION room_members_set_patient();

-- inbox: keyset paging newest first, overall (unassigned) and by assignee/patient.
CREATE INDEX rooms_updated ON rooms (updated_at DESC, id DESC);
CREATE INDEX rooms_unassigned ON rooms (updated_at DESC, id DESC) WHERE assignee_id IS NULL;
CREATE INDEX rooms_by_assignee ON rooms (assignee_id, updated_at DESC, id DESC);
CREATE INDEX rooms_by_patient ON rooms (patient_id, updated_at DESC, id DESC);
CREATE INDEX rooms_tags ON rooms USING gin (tags);

-- A staff-only note; stored like any message and keeps its place in the order.
ALTER TABLE messages ADD COLUMN internal boolean NOT NULL DEFAULT false;
-- searchMessages: websearch_to_tsquery('simple', ...) against this expression.
CREATE INDEX messages_fts ON messages USING gin (to_tsvector('simple', body));

CREATE TABLE patient_profiles (
    user_id       bigint PRIMARY KEY REFERENCES users (id),
    mrn           text CHECK (length(mrn) BETWEEN 1 AND 64),
    date_of_birth date,
    phone         text CHECK (length(phone) BETWEEN 2 AND 16),
    staff_notes   text CHECK (length(staff_notes) <= 10000),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- A record number names one patient.
CREATE UNIQUE INDEX patient_profiles_mrn_key ON patient_profiles (mrn);
CREATE INDEX patient_profiles_dob ON patient_profiles (date_of_birth);

-- "Who read this patient's data" is one indexed query.
ALTER TABLE audit_log ADD COLUMN patient_id bigint;
CREATE INDEX audit_log_patient ON audit_log (patient_id, id) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_target ON audit_log (target, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

GRANT SELECT, INSERT ON patient_profiles TO crm_app;
GRANT UPDATE (mrn, date_of_birth, phone, staff_notes, updated_at) ON patient_profiles TO crm_app;
GRANT UPDATE (status, assignee_id, patient_id, tags, updated_at) ON rooms TO crm_app;
