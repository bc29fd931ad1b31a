using FluentMigrator;

namespace Loyalty.Api.Infrastructure.Database.Migrations;

/// <summary>
/// Catalogue, banks, transactions and the event outbox. Raw DDL because the column types, collations and
/// keys are the point here (binary collation for ids and references, DATETIME(6) for UTC instants).
/// </summary>
[Migration(1, "Catalogue, banks, transactions and events")]
public sealed class M0001Schema : ForwardOnlyMigration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE programmes (
              code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
              name VARCHAR(100) NOT NULL,
              type VARCHAR(16) NOT NULL,
              region VARCHAR(64) NOT NULL,
              currency VARCHAR(64) NOT NULL,
              description VARCHAR(500) NOT NULL,
              min_amount BIGINT NOT NULL,
              max_amount BIGINT NOT NULL,
              amount_multiple BIGINT NOT NULL,
              promise_days INT NOT NULL,
              cutoff_utc TIME NOT NULL,
              enrolment_url VARCHAR(300) NOT NULL,
              name_rule VARCHAR(32) NOT NULL,
              member_id_normalisation VARCHAR(32) NOT NULL,
              member_id_pattern VARCHAR(200) NOT NULL,
              member_id_check VARCHAR(16) NOT NULL,
              member_id_hint VARCHAR(200) NOT NULL,
              file_kind VARCHAR(32) NOT NULL,
              file_encoding VARCHAR(32) NOT NULL,
              active BOOLEAN NOT NULL DEFAULT TRUE,
              CONSTRAINT ck_programmes_amounts CHECK (min_amount > 0 AND min_amount <= max_amount AND amount_multiple > 0)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """);
        Execute.Sql("""
            CREATE TABLE banks (
              code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
              name VARCHAR(100) NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """);
        Execute.Sql("""
            CREATE TABLE bank_programmes (
              bank_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              programme_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              PRIMARY KEY (bank_code, programme_code),
              CONSTRAINT fk_bank_programmes_bank FOREIGN KEY (bank_code) REFERENCES banks (code),
              CONSTRAINT fk_bank_programmes_programme FOREIGN KEY (programme_code) REFERENCES programmes (code)
            ) ENGINE=InnoDB
            """);
        Execute.Sql("""
            CREATE TABLE bank_clients (
              client_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
              bank_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              CONSTRAINT fk_bank_clients_bank FOREIGN KEY (bank_code) REFERENCES banks (code)
            ) ENGINE=InnoDB
            """);
        Execute.Sql("""
            CREATE TABLE transactions (
              id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
              bank_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              bank_reference VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              payload_hash BINARY(32) NOT NULL,
              programme_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              member_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              given_name VARCHAR(64) COLLATE utf8mb4_bin NULL,
              surname VARCHAR(64) COLLATE utf8mb4_bin NULL,
              amount BIGINT NOT NULL,
              requested_at DATETIME(6) NOT NULL,
              status VARCHAR(16) CHARACTER SET ascii NOT NULL,
              attempts INT NOT NULL DEFAULT 0,
              event_sequence INT NOT NULL,
              outcome_code VARCHAR(32) CHARACTER SET ascii NULL,
              outcome_programme_code VARCHAR(32) NULL,
              outcome_reason VARCHAR(200) NULL,
              dispatched_at DATETIME(6) NULL,
              expected_by DATE NULL,
              created_at DATETIME(6) NOT NULL,
              updated_at DATETIME(6) NOT NULL,
              UNIQUE KEY ux_transactions_bank_reference (bank_code, bank_reference),
              KEY ix_transactions_programme_status (programme_code, status, created_at, id),
              CONSTRAINT fk_transactions_bank FOREIGN KEY (bank_code) REFERENCES banks (code),
              CONSTRAINT fk_transactions_programme FOREIGN KEY (programme_code) REFERENCES programmes (code),
              CONSTRAINT ck_transactions_amount CHECK (amount > 0),
              CONSTRAINT ck_transactions_status CHECK (status IN ('pending','submitted','fulfilled','rejected','cancelled','expired'))
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """);
        // One row per bank: the last feed position handed out. Sequencing a bank's events locks its row, so
        // positions are assigned by one sequencer at a time and only ever grow.
        Execute.Sql("""
            CREATE TABLE event_feed_positions (
              bank_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
              position BIGINT NOT NULL DEFAULT 0,
              CONSTRAINT fk_event_feed_positions_bank FOREIGN KEY (bank_code) REFERENCES banks (code)
            ) ENGINE=InnoDB
            """);
        // The outbox. Writers insert with no feed position (no shared counter on the write path); the feed
        // sequences committed events before it reads (EventFeed). id is the insertion order.
        Execute.Sql("""
            CREATE TABLE events (
              id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
              event_id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              bank_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              feed_position BIGINT NULL,
              transaction_id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
              sequence INT NOT NULL,
              type VARCHAR(64) CHARACTER SET ascii NOT NULL,
              previous_status VARCHAR(16) CHARACTER SET ascii NULL,
              new_status VARCHAR(16) CHARACTER SET ascii NOT NULL,
              outcome_code VARCHAR(32) CHARACTER SET ascii NULL,
              outcome_programme_code VARCHAR(32) NULL,
              outcome_reason VARCHAR(200) NULL,
              occurred_at DATETIME(6) NOT NULL,
              UNIQUE KEY ux_events_event_id (event_id),
              UNIQUE KEY ux_events_feed (bank_code, feed_position),
              UNIQUE KEY ux_events_transaction_sequence (transaction_id, sequence),
              CONSTRAINT fk_events_transaction FOREIGN KEY (transaction_id) REFERENCES transactions (id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """);
    }
}
