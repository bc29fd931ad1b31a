using Loyalty.Api.Domain.Events;
using static Loyalty.Api.Domain.Transactions.TransactionStatus;

namespace Loyalty.Bench;

/// <summary>
/// The bench's own statements: seeding, and the same work by the shortest path where the product's statement does
/// more than the bench needs (submit in one statement; settle by row ranges, where the product looks rows up by the
/// references the file gives). Everything else the baselines run is the product's own SQL.
/// </summary>
internal static class RawSql
{
    /// <summary>A file sequence for the twin's batch no other run of the bench on this database has used.</summary>
    public static int NextSequence() => 1_000_000_000 + (int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000_000);

    public static string Seed(int rows) => $"""
        INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id, given_name,
                                  surname, amount, requested_at, status, attempts, event_sequence, created_at, updated_at)
        SELECT CONCAT('01BEN', @Run, LPAD(seq, 13, '0')), 'HARB', CONCAT('bench-', @Run, '-', seq), UNHEX(SHA2(seq, 256)),
               @ProgrammeCode, '0047182902', 'Jörg', 'Müller', 12500, UTC_TIMESTAMP(6), '{Pending}', 0, 1,
               UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(6)
        FROM seq_1_to_{rows}
        """;

    public const string PendingRows = $"""
        SELECT id, member_id, given_name, surname, amount, requested_at, bank_code FROM transactions
        WHERE programme_code = @ProgrammeCode AND status = '{Pending}' AND batch_id IS NULL ORDER BY created_at, id
        """;

    public const string LastSubmittedFile = $"""
        SELECT file_name FROM batches WHERE programme_code = @ProgrammeCode AND status = '{Submitted}' ORDER BY id DESC LIMIT 1
        """;

    public const string LastSubmittedBatch = $"""
        SELECT id, row_count FROM batches WHERE programme_code = @ProgrammeCode AND status = '{Submitted}' ORDER BY id DESC LIMIT 1
        """;

    private const string InsertEvents = """
        INSERT INTO events (event_id, bank_code, transaction_id, sequence, type, previous_status, new_status,
                            outcome_code, outcome_programme_code, outcome_reason, occurred_at)
        """;

    /// <summary>Event ids made in SQL: a 16-character prefix and the row's number in its batch.</summary>
    private const string EventsOfBatch = $"""
        SELECT CONCAT(@EventPrefix, LPAD(r.row_sequence, 10, '0')), t.bank_code, t.id, t.event_sequence, '{EventRow.StatusChanged}',
               @PreviousStatus, t.status, t.outcome_code, t.outcome_programme_code, t.outcome_reason, t.updated_at
        FROM batch_rows r JOIN transactions t ON t.id = r.transaction_id
        WHERE r.batch_id = @BatchId
        """;

    public const string Submit = $"""
        UPDATE transactions
        SET status = '{Submitted}', attempts = attempts + 1, event_sequence = event_sequence + 1, dispatched_at = @Now,
            expected_by = @ExpectedBy, outcome_code = NULL, outcome_programme_code = NULL, outcome_reason = NULL, updated_at = @Now
        WHERE batch_id = @BatchId AND status = '{Pending}';
        {InsertEvents}
        {EventsOfBatch}
        """;

    private const string InRange = "AND r.row_sequence > @After AND r.row_sequence <= @Until";

    /// <summary>A range of the batch's rows and their transactions, locked, as the product reads them to decide.</summary>
    public const string BatchItems = $"""
        SELECT r.row_sequence, t.id, t.member_id, t.amount, t.status, t.batch_id, t.attempts, t.outcome_code,
               t.outcome_programme_code
        FROM batch_rows r JOIN transactions t ON t.id = r.transaction_id
        WHERE r.batch_id = @BatchId {InRange}
        FOR UPDATE
        """;

    /// <summary>A range of the batch's rows credited, with their events.</summary>
    public const string Settle = $"""
        UPDATE transactions t JOIN batch_rows r ON t.id = r.transaction_id
        SET t.status = '{Fulfilled}', t.outcome_code = @OutcomeCode, t.outcome_programme_code = @ProgrammeOutcomeCode,
            t.outcome_reason = @Reason, t.event_sequence = t.event_sequence + 1, t.updated_at = @Now
        WHERE r.batch_id = @BatchId {InRange} AND t.status = '{Submitted}';
        {InsertEvents}
        {EventsOfBatch} {InRange}
        """;
}
