-- Jobs (analyses run by the worker pool) and their results, cached by (model hash, options).
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    workspace TEXT NOT NULL REFERENCES workspaces (name),
    kind TEXT NOT NULL,
    model_hash TEXT NOT NULL,
    options TEXT NOT NULL,
    cache_key TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT
);
CREATE TABLE results (
    cache_key TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    created_at TEXT NOT NULL
);
