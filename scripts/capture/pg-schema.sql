-- Schema for the PostgreSQL capture (scripts/capture-db-fixtures.sh).
-- One role per application so the log prefix (%u) names the app, as on a
-- real shared database.
CREATE ROLE web LOGIN;            -- checkout (row-lock convoy, deadlock)
CREATE ROLE purge_batch LOGIN;    -- trash purge batch
CREATE ROLE image_save LOGIN;     -- image-save requests blocked by the purge
CREATE ROLE session_store LOGIN;  -- session save/restore (exclusive table lock)
CREATE ROLE auth LOGIN;           -- logins creating sessions

-- items: the stock row every checkout locks (booth-payment-spike)
CREATE TABLE items (
    id    integer PRIMARY KEY,
    name  text    NOT NULL,
    stock integer NOT NULL,
    price integer NOT NULL
);
INSERT INTO items SELECT g, 'item-' || g, 1000, 500 FROM generate_series(1, 100) g;

-- photos: trashed rows (trashed_at set) are purged after 30 days
-- (penguin-karte-trash-purge)
CREATE TABLE photos (
    id          integer PRIMARY KEY,
    customer_id integer NOT NULL,
    path        text    NOT NULL,
    caption     text,
    trashed_at  timestamptz
);
INSERT INTO photos
SELECT g, g % 500, '/photos/' || g || '.jpg', NULL,
       CASE WHEN g <= 6000 THEN now() - interval '45 days' END
FROM generate_series(1, 8000) g;

-- sessions: saved HTTP sessions (btob-session-restore, cosminexus)
CREATE TABLE sessions (
    id         text        PRIMARY KEY,
    user_id    integer     NOT NULL,
    data       text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sessions (id, user_id, data) SELECT 'sess-' || g, g, '{}' FROM generate_series(1, 50) g;

GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC;
ANALYZE;
