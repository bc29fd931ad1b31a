using Loyalty.Api.Features.Events;

namespace Loyalty.Api.Features.Accruals;

public static class AccrualsSql
{
    /// <summary>
    /// The transaction and its creation event in one round trip and one database transaction. A reused
    /// bank reference fails the first INSERT on the unique key (bank_code, bank_reference), which stops
    /// the batch before anything is written; the caller rolls back and answers from the existing row.
    /// </summary>
    public const string Create = """
        START TRANSACTION;
        INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id,
                                  given_name, surname, amount, requested_at, status, attempts, event_sequence,
                                  created_at, updated_at)
        VALUES (@TransactionId, @BankCode, @BankReference, @PayloadHash, @ProgrammeCode, @MemberId,
                @GivenName, @Surname, @Amount, @RequestedAt, 'pending', 0, 1, @Now, @Now);
        """ + EventsSql.AppendStatusChanged + """

        COMMIT;
        """;

    public const string Rollback = "ROLLBACK";
}
