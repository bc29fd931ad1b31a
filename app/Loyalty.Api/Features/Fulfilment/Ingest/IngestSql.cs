using Loyalty.Api.Domain.Transactions;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

public static class IngestSql
{
    public const string Seen = "SELECT EXISTS (SELECT 1 FROM handback_files WHERE s3_key_sha256 = @KeySha256 AND s3_etag = @ETag)";

    /// <summary>The digest of the file already applied for this sequence, if any.</summary>
    public const string AppliedDigest = """
        SELECT file_sha256 FROM handback_files
        WHERE programme_code = @ProgrammeCode AND file_sequence = @FileSequence AND outcome = 'applied'
        """;

    public const string Batch = """
        SELECT id AS Id, status AS Status FROM batches WHERE programme_code = @ProgrammeCode AND file_sequence = @FileSequence
        """;

    public const string BatchRowCount = "SELECT COUNT(*) FROM batch_rows WHERE batch_id = @BatchId";

    private const string ItemColumns = """
        SELECT r.row_sequence AS RowSequence, t.id AS TransactionId, t.member_id AS MemberId, t.amount AS Amount,
               t.status AS Status, t.batch_id AS BatchId, t.attempts AS Attempts, t.outcome_code AS OutcomeCode,
               t.outcome_programme_code AS OutcomeProgrammeCode
        """;

    /// <summary>
    /// The batch's rows with the transaction ids in @Ids (a JSON array of distinct ids), and their transactions, locked:
    /// nothing else changes them while the file applies.
    /// </summary>
    public const string ItemsById = $"""
        {ItemColumns}
        FROM JSON_TABLE(@Ids, '$[*]' COLUMNS (id CHAR(26) CHARACTER SET ascii PATH '$')) j
        JOIN batch_rows r ON r.batch_id = @BatchId AND r.transaction_id = j.id
        JOIN transactions t ON t.id = r.transaction_id
        FOR UPDATE
        """;

    /// <summary>As <see cref="ItemsById"/>, by the row sequences in @Sequences.</summary>
    public const string ItemsBySequence = $"""
        {ItemColumns}
        FROM JSON_TABLE(@Sequences, '$[*]' COLUMNS (sequence INT PATH '$')) j
        JOIN batch_rows r ON r.batch_id = @BatchId AND r.row_sequence = j.sequence
        JOIN transactions t ON t.id = r.transaction_id
        FOR UPDATE
        """;

    public const string Record = """
        INSERT INTO handback_files (programme_code, s3_key, s3_key_sha256, s3_etag, file_sequence, file_sha256, outcome, batch_id,
                                    row_count, applied_count, anomaly_count, error, report_key, processed_at)
        VALUES (@ProgrammeCode, @Key, @KeySha256, @ETag, @FileSequence, @Sha256, @Outcome, @BatchId,
                @RowCount, @AppliedCount, @AnomalyCount, @Error, @ReportKey, @Now)
        """;

    /// <summary>IGNORE: two instances may quarantine the same object at once; the first record stands.</summary>
    public const string Quarantine = """
        INSERT IGNORE INTO handback_files (programme_code, s3_key, s3_key_sha256, s3_etag, outcome, error, processed_at)
        VALUES (@ProgrammeCode, @Key, @KeySha256, @ETag, 'quarantined', @Error, @Now)
        """;

    /// <summary>Submitted long enough ago with no usable row (DOMAIN.md §2), oldest first.</summary>
    public const string Expirable = $"""
        SELECT id FROM transactions WHERE status = '{TransactionStatus.Submitted}' AND dispatched_at <= @Threshold
        ORDER BY dispatched_at, id LIMIT @Limit FOR UPDATE SKIP LOCKED
        """;
}
