-- FASTQ uploads (issue 6). storage_upload was unused until now; it is recreated with the
-- states of tbseq's single-use upload links for the local file store:
-- ISSUED (link handed out, or given back after a broken upload) → RECEIVING (bytes arriving)
-- → RECEIVED (complete; size and hashes known).
DROP TABLE storage_upload;
CREATE TABLE storage_upload (
    id INTEGER PRIMARY KEY,
    object_key TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES auth_user(id) ON DELETE CASCADE,
    package_id BIGINT NOT NULL REFERENCES submission_package(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'ISSUED' CHECK (state IN ('ISSUED', 'RECEIVING', 'RECEIVED')),
    size BIGINT,
    md5 TEXT,
    sha256 TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    error TEXT
);
CREATE INDEX storage_upload_user_id_idx ON storage_upload (user_id);
CREATE INDEX storage_upload_package_id_idx ON storage_upload (package_id);
CREATE INDEX submission_packagesequencingdata_validation_state_idx
    ON submission_packagesequencingdata (validation_state);
