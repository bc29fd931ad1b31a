using FluentMigrator;

namespace Loyalty.Api.Infrastructure.Database.Migrations;

/// <summary>
/// Batches (accrual files), their rows, handback files and the publisher's mark on events. A transaction
/// belongs to at most one open batch (<c>batch_id</c>); the rows of every batch ever built are kept, so a
/// handback row is always checked against the file it answers.
/// </summary>
[Migration(3, "Fulfilment: batches, handback files, event publishing")]
public sealed class M0003Fulfilment : ForwardOnlyMigration
{
    public override void Up()
    {
        // One row per programme: the export lock's data. last_cutoff_at stops a second scheduled export for
        // the same cutoff; last_sequence is the file counter (never reused, not consumed by empty batches).
        Execute.Sql("""
            CREATE TABLE programme_exports (
              programme_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
              last_sequence INT NOT NULL DEFAULT 0,
              last_cutoff_at DATETIME(6) NULL,
              CONSTRAINT fk_programme_exports_programme FOREIGN KEY (programme_code) REFERENCES programmes (code)
            ) ENGINE=InnoDB
            """);
        // status: 'claimed' (rows taken, file not yet confirmed in S3: resumed with the same sequence and
        // rows after a crash) then 'submitted' (file in S3, rows submitted).
        Execute.Sql("""
            CREATE TABLE batches (
              id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
              programme_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              file_sequence INT NOT NULL,
              cutoff_at DATETIME(6) NOT NULL,
              file_name VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              status VARCHAR(16) CHARACTER SET ascii NOT NULL,
              row_count INT NOT NULL,
              amount_sum BIGINT NOT NULL,
              file_sha256 BINARY(32) NULL,
              created_at DATETIME(6) NOT NULL,
              submitted_at DATETIME(6) NULL,
              UNIQUE KEY ux_batches_programme_sequence (programme_code, file_sequence),
              KEY ix_batches_status (status, programme_code),
              CONSTRAINT fk_batches_programme FOREIGN KEY (programme_code) REFERENCES programmes (code),
              CONSTRAINT ck_batches_status CHECK (status IN ('claimed','submitted'))
            ) ENGINE=InnoDB
            """);
        Execute.Sql("""
            CREATE TABLE batch_rows (
              batch_id BIGINT NOT NULL,
              row_sequence INT NOT NULL,
              transaction_id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              PRIMARY KEY (batch_id, row_sequence),
              UNIQUE KEY ux_batch_rows_transaction (batch_id, transaction_id),
              KEY ix_batch_rows_transaction (transaction_id),
              CONSTRAINT fk_batch_rows_batch FOREIGN KEY (batch_id) REFERENCES batches (id),
              CONSTRAINT fk_batch_rows_transaction FOREIGN KEY (transaction_id) REFERENCES transactions (id)
            ) ENGINE=InnoDB
            """);
        // The open claim: set when a batch takes the row, cleared when a PROGRAMME_ERROR sends it back to
        // pending. Cancel and claim both condition on it, so exactly one of them wins. The claim finds its
        // rows by ix_transactions_programme_status; batch_id stays out of that index so that claiming a
        // million rows does not rewrite a million index entries.
        Execute.Sql("""
            ALTER TABLE transactions
              ADD COLUMN batch_id BIGINT NULL AFTER status,
              ADD KEY ix_transactions_dispatched (status, dispatched_at),
              ADD CONSTRAINT fk_transactions_batch FOREIGN KEY (batch_id) REFERENCES batches (id)
            """);
        // One row per handback file seen. (programme, sequence, sha256) is what re-delivery is judged by;
        // s3_key + etag lets the periodic listing skip files it has already handled without downloading them.
        Execute.Sql("""
            CREATE TABLE handback_files (
              id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
              programme_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              s3_key VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
              s3_etag VARCHAR(128) CHARACTER SET ascii NOT NULL,
              file_sequence INT NULL,
              file_sha256 BINARY(32) NOT NULL,
              outcome VARCHAR(16) CHARACTER SET ascii NOT NULL,
              batch_id BIGINT NULL,
              row_count INT NOT NULL DEFAULT 0,
              applied_count INT NOT NULL DEFAULT 0,
              anomaly_count INT NOT NULL DEFAULT 0,
              error VARCHAR(1000) NULL,
              report_key VARCHAR(600) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
              processed_at DATETIME(6) NOT NULL,
              UNIQUE KEY ux_handback_files_key_etag (s3_key(255), s3_etag),
              KEY ix_handback_files_sequence (programme_code, file_sequence, outcome),
              CONSTRAINT fk_handback_files_batch FOREIGN KEY (batch_id) REFERENCES batches (id),
              CONSTRAINT ck_handback_files_outcome CHECK (outcome IN ('applied','duplicate','refused'))
            ) ENGINE=InnoDB
            """);
        Execute.Sql("""
            ALTER TABLE events
              ADD COLUMN published_at DATETIME(6) NULL,
              ADD KEY ix_events_unpublished (published_at, id)
            """);
    }
}
