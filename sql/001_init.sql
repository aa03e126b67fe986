-- 001_init: people, rooms, membership, messages and the audit log.
-- Applied by crm-migrate as the database owner, inside one transaction.

CREATE TYPE user_role AS ENUM ('ADMIN', 'STAFF', 'PATIENT');

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role          user_role NOT NULL,
    password_hash text NOT NULL,           -- Argon2id, libsodium's string form
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One account per address whatever its case; also serves login by email.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- users(search): prefix search on name.
CREATE INDEX users_name_prefix ON users (lower(display_name) text_pattern_ops);
CREATE INDEX users_email_prefix ON users (lower(email) text_pattern_ops);

CREATE TABLE rooms (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE room_members (
    room_id     bigint NOT NULL REFERENCES rooms (id),
    user_id     bigint NOT NULL REFERENCES users (id),
    -- Copied from users by a trigger so that "one patient per room" is a
    -- constraint the database enforces, also when two requests race.
    member_role user_role NOT NULL,
    added_by    bigint REFERENCES users (id),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, user_id)
);
-- rooms of a member (the primary key serves members of a room).
CREATE INDEX room_members_by_user ON room_members (user_id, room_id);
CREATE UNIQUE INDEX room_members_one_patient ON room_members (room_id)
    WHERE member_role = 'PATIENT';

CREATE FUNCTION room_members_set_role() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT role INTO STRICT NEW.member_role FROM users WHERE id = NEW.user_id;
    RETURN NEW;
EXCEPTION WHEN no_data_found THEN
    RAISE foreign_key_violation USING MESSAGE = 'unknown user';
END $$;
CREATE TRIGGER room_members_role BEFORE INSERT ON room_members
    FOR EACH ROW EXECUTE FUNCTION room_members_set_role();

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id         bigint NOT NULL REFERENCES rooms (id),
    sender_id       bigint NOT NULL REFERENCES users (id),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    -- The Redis stream entry ID <ms>-<seq>: the message's position and its only clock.
    stream_ms       bigint NOT NULL,
    stream_seq      bigint NOT NULL,
    created_at      timestamptz NOT NULL,  -- from stream_ms: when it was accepted
    persisted_at    timestamptz NOT NULL DEFAULT now(),
    -- Insert-or-ignore key of crm-worker: a redelivered entry is stored once.
    CONSTRAINT messages_sender_key UNIQUE (sender_id, idempotency_key)
);
-- History by room and position (both directions), and lastMessage.
CREATE UNIQUE INDEX messages_room_position ON messages (room_id, stream_ms, stream_seq);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id   text NOT NULL UNIQUE,      -- the audit stream entry: stored once
    at          timestamptz NOT NULL,
    actor_id    bigint,                    -- NULL for a failed login of an unknown email
    action      text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    target      text,
    client_addr inet,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Append-only even for a role that was granted too much by mistake.
CREATE FUNCTION audit_log_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE insufficient_privilege USING MESSAGE = 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_forbid_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_forbid_change();

-- The application's role: reads and inserts, nothing more. Its password (if any)
-- is set by the operator; in development the cluster trusts loopback.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_app') THEN
        CREATE ROLE crm_app LOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public TO crm_app;
GRANT SELECT, INSERT ON users, rooms, room_members, messages TO crm_app;
GRANT SELECT, INSERT ON audit_log TO crm_app;
