using Loyalty.Core;

namespace Loyalty.Api.Domain.Transactions;

/// <summary>Reads of one bank's transactions, shared by the features that answer with a <see cref="TransactionView"/>.</summary>
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
}
