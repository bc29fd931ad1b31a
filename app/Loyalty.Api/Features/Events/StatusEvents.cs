using System.Text.Json;
using Dapper;
using MySqlConnector;

namespace Loyalty.Api.Features.Events;

/// <summary>
/// Writes the events of transactions that one statement moved from the same status, in the caller's
/// database transaction (the outbox rule: the change and its events commit together).
/// </summary>
public static class StatusEvents
{
    private const int ChunkSize = 1000;

    public static async Task AppendAsync(MySqlTransaction transaction, IReadOnlyList<string> transactionIds,
        string previousStatus, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(transactionIds);
        for (var start = 0; start < transactionIds.Count; start += ChunkSize)
        {
            var chunk = transactionIds.Skip(start).Take(ChunkSize)
                .Select(id => new EventKey(Ulid.NewUlid(now).ToString(), id));
            await transaction.Connection!.ExecuteAsync(new CommandDefinition(EventsSql.AppendStatusChangedMany,
                new { Events = JsonSerializer.Serialize(chunk, EventKeyJson.Default.IEnumerableEventKey), PreviousStatus = previousStatus },
                transaction, cancellationToken: cancellationToken));
        }
    }
}

internal sealed record EventKey(
    [property: System.Text.Json.Serialization.JsonPropertyName("e")] string EventId,
    [property: System.Text.Json.Serialization.JsonPropertyName("t")] string TransactionId);

[System.Text.Json.Serialization.JsonSerializable(typeof(IEnumerable<EventKey>))]
internal sealed partial class EventKeyJson : System.Text.Json.Serialization.JsonSerializerContext;
