using System.Data;
using System.Text.Json;
using Dapper;
using Loyalty.Core;
using MySqlConnector;

namespace Loyalty.Api.Domain.Events;

/// <summary>
/// Gives committed events their feed positions. Writers insert events without one, so the write path
/// shares no counter; positions are handed out afterwards, under the bank's feed row lock, to events
/// that have committed, in insertion order. A position is assigned once and later ones are always
/// larger, so a poller that has read up to N never finds an event below N later: an event that commits
/// late simply gets a later position.
/// </summary>
public static class EventFeed
{
    public const int MaxPerPass = 5000;

    /// <summary>Positions up to <see cref="MaxPerPass"/> of the bank's committed events; returns how many it positioned.</summary>
    public static async Task<int> SequenceAsync(MySqlConnection connection, string bankCode, CancellationToken cancellationToken)
    {
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                EventsSql.HasUnsequenced, new { BankCode = bankCode }, cancellationToken: cancellationToken)))
        {
            return 0;
        }

        // READ COMMITTED: the scan sees only committed events and takes no gap locks, so writers never wait.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var position = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            EventsSql.LockFeedPosition, new { BankCode = bankCode }, transaction, cancellationToken: cancellationToken));
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(
            EventsSql.Unsequenced, new { BankCode = bankCode, Limit = MaxPerPass }, transaction,
            cancellationToken: cancellationToken))).AsList();
        if (ids.Count == 0)
        {
            return 0;
        }

        await connection.ExecuteAsync(new CommandDefinition(EventsSql.AssignPositions,
            new { Ids = JsonSerializer.Serialize(ids), Position = position }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(EventsSql.SaveFeedPosition,
            new { BankCode = bankCode, Position = position + ids.Count }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return ids.Count;
    }
}
