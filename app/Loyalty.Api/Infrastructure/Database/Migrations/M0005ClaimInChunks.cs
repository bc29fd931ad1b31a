using FluentMigrator;

namespace Loyalty.Api.Infrastructure.Database.Migrations;

/// <summary>
/// A batch is 'claiming' while its rows are claimed a chunk per transaction (so a claim never holds a programme's
/// rows, or the gaps between them, for its whole duration), then 'claimed' once they are numbered.
/// </summary>
[Migration(5, "Batches: the claiming state")]
public sealed class M0005ClaimInChunks : ForwardOnlyMigration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE batches
          DROP CONSTRAINT ck_batches_status,
          ADD CONSTRAINT ck_batches_status CHECK (status IN ('claiming','claimed','submitted'))
        """);
}
