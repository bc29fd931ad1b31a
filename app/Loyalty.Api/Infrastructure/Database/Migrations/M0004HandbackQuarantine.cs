using FluentMigrator;

namespace Loyalty.Api.Infrastructure.Database.Migrations;

/// <summary>
/// Every inbound object can be recorded, so none is handled twice or stops the others: keys up to S3's 1,024
/// bytes, known by the SHA-256 of the key (a prefix index made two long keys with the same content collide),
/// and a <c>quarantined</c> outcome for an object that could not be read, named or sized, with no programme or
/// digest where none could be told.
/// </summary>
[Migration(4, "Handback files: any S3 key, and quarantined objects")]
public sealed class M0004HandbackQuarantine : ForwardOnlyMigration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE handback_files
              MODIFY s3_key VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
              ADD COLUMN s3_key_sha256 BINARY(32) NULL AFTER s3_key,
              MODIFY programme_code CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NULL,
              MODIFY file_sha256 BINARY(32) NULL
            """);
        Execute.Sql("UPDATE handback_files SET s3_key_sha256 = UNHEX(SHA2(s3_key, 256))");
        Execute.Sql("""
            ALTER TABLE handback_files
              MODIFY s3_key_sha256 BINARY(32) NOT NULL,
              DROP INDEX ux_handback_files_key_etag,
              ADD UNIQUE KEY ux_handback_files_object (s3_key_sha256, s3_etag),
              DROP CONSTRAINT ck_handback_files_outcome,
              ADD CONSTRAINT ck_handback_files_outcome CHECK (outcome IN ('applied','duplicate','refused','quarantined'))
            """);
    }
}
