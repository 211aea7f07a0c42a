-- Schema for the MariaDB capture (scripts/capture-db-fixtures.sh).
-- One account per application so processlist and deadlock dumps name the app.
CREATE DATABASE shop;
USE shop;

CREATE USER 'web'@'%';            -- checkout (row-lock convoy, deadlock)
CREATE USER 'purge_batch'@'%';    -- trash purge batch
CREATE USER 'image_save'@'%';     -- image-save requests blocked by the purge
CREATE USER 'session_store'@'%';  -- session save/restore (locks every session row)
CREATE USER 'auth'@'%';           -- logins creating sessions
GRANT ALL ON shop.* TO 'web'@'%', 'purge_batch'@'%', 'image_save'@'%', 'session_store'@'%', 'auth'@'%';

CREATE TABLE items (
    id    INT PRIMARY KEY,
    name  VARCHAR(64) NOT NULL,
    stock INT NOT NULL,
    price INT NOT NULL
) ENGINE=InnoDB;
INSERT INTO items SELECT seq, CONCAT('item-', seq), 1000, 500 FROM seq_1_to_100;

CREATE TABLE photos (
    id          INT PRIMARY KEY,
    customer_id INT NOT NULL,
    path        VARCHAR(255) NOT NULL,
    caption     VARCHAR(255),
    trashed_at  DATETIME NULL
) ENGINE=InnoDB;
INSERT INTO photos
SELECT seq, seq % 500, CONCAT('/photos/', seq, '.jpg'), NULL,
       IF(seq <= 6000, NOW() - INTERVAL 45 DAY, NULL)
FROM seq_1_to_8000;

CREATE TABLE sessions (
    id         VARCHAR(64) PRIMARY KEY,
    user_id    INT NOT NULL,
    data       TEXT NOT NULL,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;
INSERT INTO sessions (id, user_id, data) SELECT CONCAT('sess-', seq), seq, '{}' FROM seq_1_to_50;

ANALYZE TABLE items, photos, sessions;
