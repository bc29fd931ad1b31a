using Loyalty.Api.Domain.Transactions;

namespace Loyalty.Api.Features.Fulfilment.Export;

public static class ExportSql
{
    /// <summary>A batch still claiming its rows, or claimed with its file never confirmed: finished before anything new.</summary>
    public const string OpenBatch = $"""
        SELECT id AS Id, programme_code AS ProgrammeCode, file_sequence AS FileSequence, cutoff_at AS CutoffAt,
               file_name AS FileName, status AS Status, row_count AS RowCount, amount_sum AS AmountSum
        FROM batches WHERE programme_code = @ProgrammeCode AND status IN ('{BatchStatus.Claiming}', '{BatchStatus.Claimed}')
        """;

    /// <summary>
    /// The programme's file counter, locked (making its row on first use). The upsert locks exclusively from the start,
    /// as <see cref="Domain.Events.EventsSql.LockFeedPosition"/> does: INSERT IGNORE's shared lock deadlocks two callers.
    /// </summary>
    public const string LockCounter = """
        INSERT INTO programme_exports (programme_code) VALUES (@ProgrammeCode) ON DUPLICATE KEY UPDATE programme_code = programme_code;
        SELECT last_sequence AS LastSequence, last_cutoff_at AS LastCutoffAt
        FROM programme_exports WHERE programme_code = @ProgrammeCode FOR UPDATE;
        """;

    public const string CreateBatch = $"""
        INSERT INTO batches (programme_code, file_sequence, cutoff_at, file_name, status, row_count, amount_sum, created_at)
        VALUES (@ProgrammeCode, @FileSequence, @CutoffAt, @FileName, '{BatchStatus.Claiming}', 0, 0, @Now);
        SELECT LAST_INSERT_ID();
        """;

    public const string UseSequence = "UPDATE programme_exports SET last_sequence = @FileSequence WHERE programme_code = @ProgrammeCode";

    public const string ClaimedRows = "SELECT COUNT(*) FROM transactions WHERE batch_id = @BatchId";

    /// <summary>
    /// The claimable rows: pending, unclaimed, created before the cutoff, after the last row the claim took (none at first);
    /// in the claim's order, DOMAIN.md §1's row order. Cancel conditions on the same columns, so a row is either claimed here
    /// or cancelled there, never both.
    /// </summary>
    private const string Claimable = $"""
        WHERE programme_code = @ProgrammeCode AND status = '{TransactionStatus.Pending}' AND batch_id IS NULL AND created_at < @CutoffAt
          AND (@AfterId IS NULL OR created_at > @AfterCreatedAt OR (created_at = @AfterCreatedAt AND id > @AfterId))
        """;

    /// <summary>
    /// Where the next chunk ends: its last row, or none when fewer rows than a chunk are left. Found before the chunk is
    /// claimed, so each chunk starts where the last one ended instead of walking past every row claimed before it.
    /// </summary>
    public const string ChunkEnd = $"""
        SELECT created_at AS CreatedAt, id AS Id FROM transactions
        {Claimable}
        ORDER BY created_at, id
        LIMIT 1 OFFSET @Offset
        """;

    /// <summary>One chunk of the claim: the claimable rows up to and including its end (all that are left without one).</summary>
    public const string Claim = $"""
        UPDATE transactions SET batch_id = @BatchId
        {Claimable}
          AND (@EndId IS NULL OR created_at < @EndCreatedAt OR (created_at = @EndCreatedAt AND id <= @EndId))
        ORDER BY created_at, id
        LIMIT @Limit
        """;

    /// <summary>Row order of DOMAIN.md §1: created time, then id. The batch is claimed once its rows are numbered.</summary>
    public const string NumberRows = $"""
        INSERT INTO batch_rows (batch_id, row_sequence, transaction_id)
        SELECT @BatchId, ROW_NUMBER() OVER (ORDER BY created_at, id), id FROM transactions WHERE batch_id = @BatchId;
        UPDATE batches b
        JOIN (SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM transactions WHERE batch_id = @BatchId) s
        SET b.row_count = s.n, b.amount_sum = s.total, b.status = '{BatchStatus.Claimed}'
        WHERE b.id = @BatchId;
        """;

    /// <summary>An upsert: after an empty claim was rolled back, the programme's row may not exist yet.</summary>
    public const string SaveCutoff = """
        INSERT INTO programme_exports (programme_code, last_cutoff_at) VALUES (@ProgrammeCode, @CutoffAt)
        ON DUPLICATE KEY UPDATE last_cutoff_at = GREATEST(COALESCE(last_cutoff_at, VALUES(last_cutoff_at)), VALUES(last_cutoff_at))
        """;

    /// <summary>The file's rows, streamed in row order.</summary>
    public const string Lines = """
        SELECT r.row_sequence AS RowSequence, t.id AS TransactionId, t.member_id AS MemberId, t.given_name AS GivenName,
               t.surname AS Surname, t.amount AS Amount, t.requested_at AS RequestedAt, t.bank_code AS BankCode
        FROM batch_rows r JOIN transactions t ON t.id = r.transaction_id
        WHERE r.batch_id = @BatchId
        ORDER BY r.row_sequence
        """;

    public const string CloseBatch = $"""
        UPDATE batches SET status = '{BatchStatus.Submitted}', submitted_at = @Now, file_sha256 = @Sha256 WHERE id = @BatchId
        """;
}
