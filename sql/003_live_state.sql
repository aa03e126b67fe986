-- Live state (issue 15): each member's read position in a room. Typing and
-- presence are never stored (Redis Pub/Sub and keys with expiry).
--
-- A position is a stream entry ID, as messages keep it (stream_ms, stream_seq);
-- it only moves forward (markRead's upsert compares), so a late or replayed
-- request cannot move a member back.
CREATE TABLE read_positions (
    room_id    bigint NOT NULL REFERENCES rooms (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    stream_ms  bigint NOT NULL,
    stream_seq bigint NOT NULL,
    read_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, user_id)
);
-- A user's positions over their inbox page (the key serves a room's receipts).
CREATE INDEX read_positions_by_user ON read_positions (user_id, room_id);

-- crm-pushd reads positions for the live inbox; crm-api writes them (markRead),
-- never moving a row to another room or user.
GRANT SELECT, INSERT ON read_positions TO crm_app;
GRANT UPDATE (stream_ms, stream_seq, read_at) ON read_positions TO crm_app;
