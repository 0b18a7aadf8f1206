-- Prefix searches (`inv*`, `ka*`) read one doclist from a prefix index instead of merging the
-- doclists of every term that starts so (497 ms for `ka*` over 100 k requests without one). The
-- full-text tables are rebuilt with indexes for two- and three-character prefixes: two is the
-- shortest prefix a search accepts (`MIN_PREFIX_CHARS`); a longer prefix matches few enough
-- terms to merge. The triggers that keep the tables current name them, not their definitions,
-- and carry on unchanged.
DROP TABLE requests_fts;
CREATE VIRTUAL TABLE requests_fts USING fts5 (
    title, body, tags,
    content = 'requests', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO requests_fts (requests_fts) VALUES ('rebuild');

DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body,
    content = 'messages', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
