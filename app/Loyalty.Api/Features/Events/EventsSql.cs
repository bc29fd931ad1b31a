namespace Loyalty.Api.Features.Events;

public static class EventsSql
{
    /// <summary>
    /// Appends the status-change event of one transaction, in the caller's database transaction, after the
    /// caller changed the row: sequence, new status, outcome and time are read from the row itself, so the
    /// event can never disagree with it. Parameters: @EventId, @TransactionId, @PreviousStatus.
    /// </summary>
    public const string AppendStatusChanged = """
        INSERT INTO events (event_id, bank_code, transaction_id, sequence, type, previous_status, new_status,
                            outcome_code, outcome_programme_code, outcome_reason, occurred_at)
        SELECT @EventId, t.bank_code, t.id, t.event_sequence, 'transaction.status_changed', @PreviousStatus,
               t.status, t.outcome_code, t.outcome_programme_code, t.outcome_reason, t.updated_at
        FROM transactions t
        WHERE t.id = @TransactionId;
        """;

    /// <summary>
    /// The set-based twin of <see cref="AppendStatusChanged"/>, for transactions a batch statement just
    /// changed together (export, sweep, handback). @Events is a JSON array of <c>{"e": eventId, "t":
    /// transactionId}</c>; every transaction came from @PreviousStatus.
    /// </summary>
    public const string AppendStatusChangedMany = """
        INSERT INTO events (event_id, bank_code, transaction_id, sequence, type, previous_status, new_status,
                            outcome_code, outcome_programme_code, outcome_reason, occurred_at)
        SELECT j.event_id, t.bank_code, t.id, t.event_sequence, 'transaction.status_changed', @PreviousStatus,
               t.status, t.outcome_code, t.outcome_programme_code, t.outcome_reason, t.updated_at
        FROM JSON_TABLE(@Events, '$[*]' COLUMNS (
               event_id CHAR(26) CHARACTER SET ascii PATH '$.e',
               transaction_id CHAR(26) CHARACTER SET ascii PATH '$.t')) j
        JOIN transactions t ON t.id = j.transaction_id
        """;

    private const string EventColumns = """
        SELECT e.id AS Id, e.event_id AS EventId, e.feed_position AS FeedPosition, e.sequence AS Sequence,
               e.transaction_id AS TransactionId, e.bank_code AS BankCode, t.bank_reference AS BankReference,
               t.programme_code AS ProgrammeCode, t.amount AS Amount, e.previous_status AS PreviousStatus,
               e.new_status AS NewStatus, e.outcome_code AS OutcomeCode,
               e.outcome_programme_code AS OutcomeProgrammeCode, e.outcome_reason AS OutcomeReason,
               e.occurred_at AS OccurredAt
        FROM events e
        JOIN transactions t ON t.id = e.transaction_id
        """;

    /// <summary>
    /// Claims sequenced events not yet sent to the bank queues, oldest first (the publisher runs alone).
    /// </summary>
    public const string ClaimUnpublished = """
        SELECT id FROM events
        WHERE published_at IS NULL AND feed_position IS NOT NULL AND bank_code IN @Banks
        ORDER BY id
        LIMIT @Limit
        FOR UPDATE
        """;

    public const string ByIds = EventColumns + " WHERE e.id IN @Ids ORDER BY e.id";

    public const string MarkPublished = "UPDATE events SET published_at = @Now WHERE id IN @Ids";

    public const string HasUnsequenced = """
        SELECT EXISTS (SELECT 1 FROM events WHERE bank_code = @BankCode AND feed_position IS NULL)
        """;

    /// <summary>Serialises the bank's sequencers and gives the last position handed out.</summary>
    public const string LockFeedPosition = """
        SELECT position FROM event_feed_positions WHERE bank_code = @BankCode FOR UPDATE
        """;

    public const string CreateFeedPosition = """
        INSERT IGNORE INTO event_feed_positions (bank_code, position) VALUES (@BankCode, 0)
        """;

    /// <summary>Committed events only (READ COMMITTED snapshot), in insertion order.</summary>
    public const string Unsequenced = """
        SELECT id FROM events WHERE bank_code = @BankCode AND feed_position IS NULL ORDER BY id LIMIT @Limit
        """;

    public const string AssignPosition = "UPDATE events SET feed_position = @Position WHERE id = @Id";

    public const string SaveFeedPosition = "UPDATE event_feed_positions SET position = @Position WHERE bank_code = @BankCode";

    public const string Feed = EventColumns + """
         WHERE e.bank_code = @BankCode AND e.feed_position > @After
        ORDER BY e.feed_position
        LIMIT @Limit
        """;
}
