namespace Loyalty.Api.Features.Transactions;

public static class TransactionsSql
{
    private const string Columns = """
        SELECT id AS TransactionId, bank_reference AS BankReference, payload_hash AS PayloadHash,
               programme_code AS ProgrammeCode, member_id AS MemberId, given_name AS GivenName, surname AS Surname,
               amount AS Amount, status AS Status, outcome_code AS OutcomeCode,
               outcome_programme_code AS OutcomeProgrammeCode, outcome_reason AS OutcomeReason, attempts AS Attempts,
               expected_by AS ExpectedBy, requested_at AS RequestedAt, created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM transactions
        """;

    public const string ById = Columns + " WHERE id = @TransactionId AND bank_code = @BankCode";

    public const string ByReference = Columns + " WHERE bank_code = @BankCode AND bank_reference = @BankReference";

    /// <summary>
    /// Cancels only while pending and unclaimed, in one conditional statement: a batch claiming the row at the
    /// same moment takes the same row lock, and whichever commits first wins.
    /// </summary>
    public const string Cancel = """
        UPDATE transactions
        SET status = 'cancelled', event_sequence = event_sequence + 1, outcome_code = 'CANCELLED',
            outcome_programme_code = NULL, outcome_reason = NULL, updated_at = @Now
        WHERE id = @TransactionId AND bank_code = @BankCode AND status = 'pending' AND batch_id IS NULL
        """;
}
