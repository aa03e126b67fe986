-- 004_inbox_perf: the inbox's reads on a clinic-sized database (issue 14's
-- targets), and an updatedAt that internal notes do not move for patients.

-- What a patient sees of a room's last change: moved by everything except
-- internal notes (crm-worker moves both on persist, public_updated_at only for
-- messages that are not notes; crm-api's conversation changes move both). A
-- note must not reorder a patient's inbox nor tell them staff wrote something.
ALTER TABLE rooms ADD COLUMN public_updated_at timestamptz;
-- Existing rooms: their last change, unless that was a note; then their newest
-- message that is not one (or their creation).
UPDATE rooms r SET public_updated_at = CASE
    WHEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = r.id AND m.internal
                     AND m.created_at >= r.updated_at - interval '1 millisecond')
    THEN r.updated_at
    ELSE greatest(r.created_at, coalesce((SELECT max(created_at) FROM messages m
                                           WHERE m.room_id = r.id AND NOT m.internal), r.created_at))
    END;
ALTER TABLE rooms ALTER COLUMN public_updated_at SET DEFAULT now(),
                  ALTER COLUMN public_updated_at SET NOT NULL;
GRANT UPDATE (public_updated_at) ON rooms TO crm_app;

-- A patient's inbox: keyset paging on what they see.
CREATE INDEX rooms_by_patient_public ON rooms (patient_id, public_updated_at DESC, id DESC);
-- Staff's inbox, its second half: unassigned conversations (the room has a
-- patient), newest first; the first half is the caller's rooms.
DROP INDEX rooms_unassigned;
CREATE INDEX rooms_unassigned ON rooms (updated_at DESC, id DESC)
    WHERE assignee_id IS NULL AND patient_id IS NOT NULL;

-- patients(search): name and email prefixes in byte order (COLLATE "C": a
-- LIKE prefix is a range of the index whatever the database's collation),
-- patients only, so that the first page by name is read in index order.
CREATE INDEX users_patient_name ON users ((lower(display_name) COLLATE "C"), id) WHERE role = 'PATIENT';
CREATE INDEX users_patient_email ON users ((lower(email) COLLATE "C")) WHERE role = 'PATIENT';

-- searchMessages: the tsvector stored (ts_rank then reads it instead of parsing
-- every matching body again), indexed without GIN's pending list (a search
-- would otherwise scan up to gin_pending_list_limit of unsorted entries and
-- recheck each row found there; crm-worker's batched inserts pay instead).
-- The statement's expression is this column, exactly.
ALTER TABLE messages ADD COLUMN body_tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED;
CREATE INDEX messages_tsv ON messages USING gin (body_tsv) WITH (fastupdate = off);
DROP INDEX messages_fts;

-- crm-api's statements are many small ones side by side: a parallel worker (a
-- process started per query) or a JIT compile costs more CPU than it saves
-- when every core already serves a request, and makes a rare large search
-- slower for everyone else. The role's sessions run without both.
ALTER ROLE crm_app SET max_parallel_workers_per_gather = 0;
ALTER ROLE crm_app SET jit = off;
