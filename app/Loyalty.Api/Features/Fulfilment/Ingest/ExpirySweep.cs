using Dapper;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure.Database;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>
/// Expires transactions submitted <see cref="FulfilmentOptions.ExpiryDays"/> calendar days ago that no
/// handback row settled (DOMAIN.md §2). Idempotent, so every instance may run it on every schedule tick.
/// </summary>
public sealed class ExpirySweep(MySqlDataSource database, IOptions<FulfilmentOptions> options, TimeProvider time)
{
    /// <summary>Returns how many transactions expired.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().TruncateToMicroseconds();
        var threshold = now.AddDays(-options.Value.ExpiryDays).UtcDateTime;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var expired = 0;
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var ids = (await connection.QueryAsync<string>(new CommandDefinition(IngestSql.Expirable,
                new { Threshold = threshold, Limit = TransactionLifecycle.ChunkSize }, transaction, cancellationToken: cancellationToken))).AsList();
            if (ids.Count == 0)
            {
                return expired;
            }

            await TransactionLifecycle.ExpireAsync(transaction, ids, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            expired += ids.Count;
        }
    }
}
