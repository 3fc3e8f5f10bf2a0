-- Workspaces, who may do what in each, and the file sets uploaded to them (model versions,
-- imports, evidence), each stored once per content hash.
CREATE TABLE workspaces (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE members (
    workspace TEXT NOT NULL REFERENCES workspaces (name),
    account TEXT NOT NULL REFERENCES accounts (name),
    role TEXT NOT NULL,
    PRIMARY KEY (workspace, account)
);
CREATE TABLE file_sets (
    workspace TEXT NOT NULL REFERENCES workspaces (name),
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    files BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (workspace, kind, hash)
);
CREATE TABLE files (
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    path TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (workspace, kind, hash, path),
    FOREIGN KEY (workspace, kind, hash) REFERENCES file_sets (workspace, kind, hash)
);
