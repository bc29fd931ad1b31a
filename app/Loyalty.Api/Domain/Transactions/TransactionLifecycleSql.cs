using Loyalty.Api.Domain.Events;
using Loyalty.Core;
using static Loyalty.Api.Domain.Transactions.TransactionStatus;

namespace Loyalty.Api.Domain.Transactions;

/// <summary>
/// The statement batches of <see cref="TransactionLifecycle"/>. Each changes the rows, bumps their
/// <c>event_sequence</c> and appends one event per changed row; the event insert runs only when the change
/// touched exactly the rows expected (<c>ROW_COUNT()</c> is still the UPDATE's then), and the batch ends by
/// returning how many events it wrote. Sequence, new status, outcome and time are read from the changed row,
/// so an event can never disagree with it.
/// </summary>
internal static class TransactionLifecycleSql
{
    private const string InsertEvent = """
        INSERT INTO events (event_id, bank_code, transaction_id, sequence, type, previous_status, new_status,
                            outcome_code, outcome_programme_code, outcome_reason, occurred_at)
        """;

    private const string EventFromRow = $"""
        t.bank_code, t.id, t.event_sequence, '{EventRow.StatusChanged}', @PreviousStatus,
               t.status, t.outcome_code, t.outcome_programme_code, t.outcome_reason, t.updated_at
        """;

    private const string EventsWritten = "SELECT ROW_COUNT();";

    /// <summary>The new row and its creation event; a reused (bank, reference) fails the INSERT before anything is written.</summary>
    public const string Create = $"""
        START TRANSACTION;
        INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id,
                                  given_name, surname, amount, requested_at, status, attempts, event_sequence,
                                  created_at, updated_at)
        VALUES (@TransactionId, @BankCode, @BankReference, @PayloadHash, @ProgrammeCode, @MemberId,
                @GivenName, @Surname, @Amount, @RequestedAt, '{Pending}', 0, 1, @Now, @Now);
        {InsertEvent}
        SELECT @EventId, {EventFromRow}
        FROM transactions t WHERE t.id = @TransactionId;
        COMMIT;
        """;

    public const string Rollback = "ROLLBACK";

    /// <summary>
    /// Only while pending and unclaimed: a batch claiming the row at the same moment takes the same row lock,
    /// and whichever commits first wins.
    /// </summary>
    public const string Cancel = $"""
        UPDATE transactions
        SET status = '{Cancelled}', event_sequence = event_sequence + 1, outcome_code = 'CANCELLED',
            outcome_programme_code = NULL, outcome_reason = NULL, updated_at = @Now
        WHERE id = @TransactionId AND bank_code = @BankCode AND status = '{Pending}' AND batch_id IS NULL;
        {InsertEvent}
        SELECT @EventId, {EventFromRow}
        FROM transactions t WHERE t.id = @TransactionId AND ROW_COUNT() = 1;
        {EventsWritten}
        """;

    public const string CancelState = """
        SELECT status AS Status, batch_id AS BatchId FROM transactions WHERE id = @TransactionId AND bank_code = @BankCode
        """;

    /// <summary>@Rows: a JSON array of <c>{"e": eventId, "t": transactionId}</c>.</summary>
    private const string Keys = """
        JSON_TABLE(@Rows, '$[*]' COLUMNS (
               event_id CHAR(26) CHARACTER SET ascii PATH '$.e',
               id CHAR(26) CHARACTER SET ascii PATH '$.t')) j
        """;

    /// <summary>@Rows as <see cref="Keys"/>, plus each row's new status, outcome code, programme code and reason.</summary>
    private const string Settlements = """
        JSON_TABLE(@Rows, '$[*]' COLUMNS (
               event_id CHAR(26) CHARACTER SET ascii PATH '$.e',
               id CHAR(26) CHARACTER SET ascii PATH '$.t',
               status VARCHAR(16) CHARACTER SET ascii PATH '$.status',
               code VARCHAR(32) CHARACTER SET ascii PATH '$.code',
               pcode VARCHAR(32) PATH '$.pcode',
               reason VARCHAR(200) PATH '$.reason')) j
        """;

    private const string EventsOf = $"""
        {InsertEvent}
        SELECT j.event_id, {EventFromRow}
        """;

    private const string WhenAllChanged = "WHERE ROW_COUNT() = JSON_LENGTH(@Rows);";

    /// <summary>
    /// A range of a batch's claimed rows: pending to submitted, one more attempt, the promise date set; each event's id
    /// is @EventPrefix and the row's number.
    /// </summary>
    public const string Submit = $"""
        UPDATE transactions t JOIN batch_rows r ON t.id = r.transaction_id
        SET t.status = '{Submitted}', t.attempts = t.attempts + 1, t.event_sequence = t.event_sequence + 1,
            t.dispatched_at = @Now, t.expected_by = @ExpectedBy, t.outcome_code = NULL,
            t.outcome_programme_code = NULL, t.outcome_reason = NULL, t.updated_at = @Now
        WHERE r.batch_id = @BatchId AND r.row_sequence > @After AND r.row_sequence <= @Until
          AND t.status = '{Pending}' AND t.batch_id = @BatchId;
        {InsertEvent}
        SELECT CONCAT(@EventPrefix, LPAD(r.row_sequence, 10, '0')), {EventFromRow}
        FROM batch_rows r JOIN transactions t ON t.id = r.transaction_id
        WHERE r.batch_id = @BatchId AND r.row_sequence > @After AND r.row_sequence <= @Until
          AND ROW_COUNT() = @Until - @After;
        {EventsWritten}
        """;

    /// <summary>
    /// Handback outcomes for submitted rows of the batch. A row sent back to pending leaves the batch, for the
    /// next one to claim.
    /// </summary>
    public const string Settle = $"""
        UPDATE transactions t JOIN {Settlements} ON t.id = j.id
        SET t.status = j.status, t.outcome_code = j.code, t.outcome_programme_code = j.pcode,
            t.outcome_reason = j.reason, t.event_sequence = t.event_sequence + 1, t.updated_at = @Now,
            t.batch_id = IF(j.status = '{Pending}', NULL, t.batch_id)
        WHERE t.status = '{Submitted}' AND t.batch_id = @BatchId;
        {EventsOf}
        FROM {Settlements} JOIN transactions t ON t.id = j.id
        {WhenAllChanged}
        {EventsWritten}
        """;

    /// <summary>Submitted rows no handback settled in time (DOMAIN.md §2).</summary>
    public const string Expire = $"""
        UPDATE transactions t JOIN {Keys} ON t.id = j.id
        SET t.status = '{Expired}', t.outcome_code = 'EXPIRED', t.outcome_programme_code = NULL,
            t.outcome_reason = NULL, t.event_sequence = t.event_sequence + 1, t.updated_at = @Now
        WHERE t.status = '{Submitted}';
        {EventsOf}
        FROM {Keys} JOIN transactions t ON t.id = j.id
        {WhenAllChanged}
        {EventsWritten}
        """;
}
