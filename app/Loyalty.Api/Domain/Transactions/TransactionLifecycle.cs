using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Loyalty.Core;
using MySqlConnector;

namespace Loyalty.Api.Domain.Transactions;

/// <summary>A bank's accrual request as it is stored: a new pending transaction.</summary>
public sealed record NewTransaction(
    string TransactionId, string BankCode, string BankReference, byte[] PayloadHash, string ProgrammeCode,
    string MemberId, string? GivenName, string? Surname, long Amount, DateTime RequestedAt);

/// <summary>What a handback row does to a submitted transaction: its new status and the outcome recorded with it.</summary>
public sealed record Settlement(string TransactionId, string NewStatus, string OutcomeCode, string? ProgrammeCode, string? Reason);

/// <summary>What a cancel found: the transaction cancelled (now or before), or why it could not be.</summary>
public enum CancelOutcome
{
    Cancelled,

    /// <summary>No such transaction of this bank.</summary>
    NotFound,

    /// <summary>Still pending, but claimed into an accrual file that is being sent: it becomes submitted, not cancelled.</summary>
    BeingSubmitted,

    /// <summary>Past pending: submitted or settled.</summary>
    NotPending,
}

/// <param name="BatchId">Set once an export has claimed the row for a file.</param>
internal sealed record CancelState(string Status, long? BatchId)
{
    public bool Claimed => BatchId is not null;
}

/// <summary>
/// The only code that writes a transaction's status (DOMAIN.md §2). Every transition changes its rows, bumps
/// their event sequence and appends their status-change events in one statement batch, inside a database
/// transaction, so the event feed carries each change exactly once. Set-based transitions run in chunks of
/// <see cref="ChunkSize"/> rows the caller holds locked; a chunk that cannot change every row it was given
/// writes no events and throws, and the caller's transaction rolls back.
/// </summary>
public static class TransactionLifecycle
{
    public const int ChunkSize = 1000;
    private const int ReasonLength = 200;

    /// <summary>
    /// Stores the transaction as pending with its first event, in one round trip. Returns false, having
    /// written nothing, when the bank already used the reference (the caller answers from the stored row).
    /// No cancellation: a request whose caller hung up still completes, so its retry finds it stored.
    /// </summary>
    public static async Task<bool> CreateAsync(MySqlConnection connection, NewTransaction transaction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(TransactionLifecycleSql.Create, new
            {
                transaction.TransactionId,
                transaction.BankCode,
                transaction.BankReference,
                transaction.PayloadHash,
                transaction.ProgrammeCode,
                transaction.MemberId,
                transaction.GivenName,
                transaction.Surname,
                transaction.Amount,
                transaction.RequestedAt,
                Now = now.UtcDateTime,
                EventId = Ulid.NewUlid(now).ToString(),
                PreviousStatus = (string?)null,
            }));
            return true;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // The batch stopped at the INSERT inside its own START TRANSACTION: end that transaction.
            await connection.ExecuteAsync(new CommandDefinition(TransactionLifecycleSql.Rollback));
            return false;
        }
    }

    /// <summary>
    /// Pending and not yet claimed by a batch to cancelled. Returns what the cancel found, whether or not this call
    /// made the change: the caller answers from the row either way.
    /// </summary>
    /// <remarks>
    /// A plain read first: a row already claimed or settled is answered without queueing behind the locks of the
    /// export holding it. Only a row that looks cancellable is updated, under READ COMMITTED, so it waits at most for
    /// the claim chunk that may be taking it at this moment.
    /// </remarks>
    public static async Task<CancelOutcome> CancelAsync(MySqlConnection connection, string transactionId, string bankCode,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var before = await CancelStateAsync(connection, transactionId, bankCode, cancellationToken);
        if (before is not { Status: TransactionStatus.Pending, Claimed: false })
        {
            return Outcome(before);
        }

        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        var cancelled = await connection.ExecuteScalarAsync<long>(new CommandDefinition(TransactionLifecycleSql.Cancel, new
        {
            TransactionId = transactionId,
            BankCode = bankCode,
            Now = now.UtcDateTime,
            EventId = Ulid.NewUlid(now).ToString(),
            PreviousStatus = TransactionStatus.Pending,
        }, transaction, cancellationToken: cancellationToken)) == 1;
        await transaction.CommitAsync(cancellationToken);
        return cancelled ? CancelOutcome.Cancelled : Outcome(await CancelStateAsync(connection, transactionId, bankCode, cancellationToken));

        static CancelOutcome Outcome(CancelState? state) => state switch
        {
            null => CancelOutcome.NotFound,
            { Status: TransactionStatus.Cancelled } => CancelOutcome.Cancelled,
            { Status: TransactionStatus.Pending, Claimed: true } => CancelOutcome.BeingSubmitted,
            _ => CancelOutcome.NotPending,
        };
    }

    private static Task<CancelState?> CancelStateAsync(MySqlConnection connection, string transactionId, string bankCode, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<CancelState>(new CommandDefinition(TransactionLifecycleSql.CancelState,
            new { TransactionId = transactionId, BankCode = bankCode }, cancellationToken: cancellationToken));

    /// <summary>
    /// Every row the batch claimed (numbered 1 to <paramref name="rowCount"/>), pending to submitted with one more attempt
    /// and <paramref name="expectedBy"/> as its promise, a range of row numbers per statement batch.
    /// </summary>
    /// <remarks>Set-based: nothing travels but the range; each event's id is <see cref="BatchEventIdPrefix"/> and the row's number.</remarks>
    public static async Task SubmitBatchAsync(MySqlTransaction transaction, long batchId, int rowCount, DateOnly expectedBy,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var eventPrefix = BatchEventIdPrefix(now);
        for (var after = 0; after < rowCount; after += ChunkSize)
        {
            var until = Math.Min(after + ChunkSize, rowCount);
            await RunAsync(transaction, TransactionLifecycleSql.Submit, until - after, new
            {
                BatchId = batchId,
                After = after,
                Until = until,
                EventPrefix = eventPrefix,
                ExpectedBy = expectedBy.ToDateTime(TimeOnly.MinValue),
                Now = now.UtcDateTime,
                PreviousStatus = TransactionStatus.Pending,
            }, cancellationToken);
        }
    }

    /// <summary>
    /// The first 16 characters of a batch's event ids: the ULID time of <paramref name="now"/> and six random characters,
    /// drawn once per batch. The row's number in ten digits completes a valid ULID, unique within the batch.
    /// </summary>
    public static string BatchEventIdPrefix(DateTimeOffset now) => Ulid.NewUlid(now).ToString()[..16];

    /// <summary>A handback's outcomes for submitted rows of the batch; a row back to pending leaves the batch.</summary>
    public static async Task SettleAsync(MySqlTransaction transaction, long batchId, IReadOnlyList<Settlement> settlements,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settlements);
        foreach (var chunk in settlements.Chunk(ChunkSize))
        {
            var rows = Array.ConvertAll(chunk, s => new SettlementRow(Ulid.NewUlid(now).ToString(), s.TransactionId,
                s.NewStatus, s.OutcomeCode, s.ProgrammeCode, Truncate(s.Reason)));
            await RunAsync(transaction, TransactionLifecycleSql.Settle, rows.Length, new
            {
                Rows = JsonSerializer.Serialize(rows, LifecycleJson.Default.SettlementRowArray),
                BatchId = batchId,
                Now = now.UtcDateTime,
                PreviousStatus = TransactionStatus.Submitted,
            }, cancellationToken);
        }
    }

    /// <summary>Submitted rows, locked by the caller, to expired.</summary>
    public static async Task ExpireAsync(MySqlTransaction transaction, IReadOnlyList<string> transactionIds,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transactionIds);
        foreach (var chunk in transactionIds.Chunk(ChunkSize))
        {
            var rows = Keys(chunk, now);
            await RunAsync(transaction, TransactionLifecycleSql.Expire, rows.Length, new
            {
                Rows = JsonSerializer.Serialize(rows, LifecycleJson.Default.KeyArray),
                Now = now.UtcDateTime,
                PreviousStatus = TransactionStatus.Submitted,
            }, cancellationToken);
        }
    }

    private static async Task RunAsync(MySqlTransaction transaction, string sql, int expected, object parameters,
        CancellationToken cancellationToken)
    {
        var written = await Connection(transaction).ExecuteScalarAsync<long>(new CommandDefinition(
            sql, parameters, transaction, cancellationToken: cancellationToken));
        if (written != expected)
        {
            // The caller holds these rows locked in the status it read, so this is a bug, not a race. The chunk
            // wrote no events; throwing rolls its changes back with the caller's transaction.
            throw new InvalidOperationException($"Expected to change {expected} transactions as given, but some were not in the status the change starts from.");
        }
    }

    private static MySqlConnection Connection(MySqlTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection
            ?? throw new InvalidOperationException("The database transaction has already ended.");
    }

    private static Key[] Keys(IEnumerable<string> transactionIds, DateTimeOffset now) =>
        [.. transactionIds.Select(id => new Key(Ulid.NewUlid(now).ToString(), id))];

    private static string? Truncate(string? value) =>
        value is { Length: > ReasonLength } ? value[..ReasonLength] : value;
}

internal sealed record Key([property: JsonPropertyName("e")] string EventId, [property: JsonPropertyName("t")] string TransactionId);

internal sealed record SettlementRow(
    [property: JsonPropertyName("e")] string EventId,
    [property: JsonPropertyName("t")] string TransactionId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("pcode")] string? ProgrammeCode,
    [property: JsonPropertyName("reason")] string? Reason);

[JsonSerializable(typeof(Key[]))]
[JsonSerializable(typeof(SettlementRow[]))]
internal sealed partial class LifecycleJson : JsonSerializerContext;
