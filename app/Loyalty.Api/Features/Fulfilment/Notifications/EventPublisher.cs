using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Dapper;
using Loyalty.Api.Domain.Events;
using Loyalty.Api.Infrastructure.Database;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Notifications;

/// <summary>
/// Sends outbox events to each bank's SQS FIFO queue (group = the transaction, deduplication id = the
/// event) and marks them sent in the same database transaction that claimed them. A failed send rolls the
/// claim back, so a queue that is down delays notifications and never loses one; a crash after the send
/// but before the commit resends, which the queue's deduplication and the bank's eventId check absorb.
/// Events are sequenced into the polling feed first, so a bank never hears of an event it cannot poll.
/// One publisher at a time across the fleet (session lock): two could otherwise send a transaction's
/// events to its message group out of order.
/// </summary>
public sealed partial class EventPublisher(
    MySqlDataSource database,
    IAmazonSQS sqs,
    IOptions<FulfilmentOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    TimeProvider time,
    ILogger<EventPublisher> logger)
{
    private const int ClaimSize = 100;
    private const int SqsBatchSize = 10;

    /// <summary>Publishes until nothing is left; returns how many events were sent.</summary>
    public async Task<int> PublishAsync(CancellationToken cancellationToken)
    {
        var queues = options.Value.BankQueues;
        if (queues.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var held = await SessionLock.TryAcquireAsync(connection, "loyalty-publish", cancellationToken);
        return held is null ? 0 : await PublishLockedAsync(connection, queues, cancellationToken);
    }

    private async Task<int> PublishLockedAsync(MySqlConnection connection, Dictionary<string, string> queues, CancellationToken cancellationToken)
    {
        foreach (var bank in queues.Keys)
        {
            await EventFeed.SequenceAsync(connection, bank, cancellationToken);
        }

        var sent = 0;
        while (true)
        {
            // READ COMMITTED: the claim's FOR UPDATE then locks the claimed rows only. Under REPEATABLE READ it also
            // gap-locks the unpublished index for as long as the SQS calls take, and every accrual writing its
            // event into that gap waits (seconds, under load). The session lock already makes the publisher unique.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
            var ids = (await connection.QueryAsync<long>(new CommandDefinition(EventsSql.ClaimUnpublished,
                new { Banks = queues.Keys.ToArray(), Limit = ClaimSize }, transaction, cancellationToken: cancellationToken))).AsList();
            if (ids.Count == 0)
            {
                return sent;
            }

            var events = await connection.QueryAsync<EventRow>(new CommandDefinition(EventsSql.ByIds,
                new { Ids = ids }, transaction, cancellationToken: cancellationToken));
            foreach (var bank in events.GroupBy(e => e.BankCode))
            {
                foreach (var chunk in bank.Chunk(SqsBatchSize))
                {
                    await SendAsync(queues[bank.Key], chunk, cancellationToken);
                }
            }

            await connection.ExecuteAsync(new CommandDefinition(EventsSql.MarkPublished,
                new { Ids = ids, Now = time.GetUtcNow().UtcDateTime }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            sent += ids.Count;
        }
    }

    private async Task SendAsync(string queueUrl, EventRow[] events, CancellationToken cancellationToken)
    {
        var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
        {
            QueueUrl = queueUrl,
            Entries = [.. events.Select(e => new SendMessageBatchRequestEntry
            {
                Id = e.EventId,
                MessageBody = JsonSerializer.Serialize(e.ToView(), json.Value.SerializerOptions),
                MessageGroupId = e.TransactionId,
                MessageDeduplicationId = e.EventId,
            })],
        }, cancellationToken);
        if (response.Failed is { Count: > 0 } failed)
        {
            LogSendFailed(queueUrl, failed.Count, failed[0].Code, failed[0].Message);
            throw new AmazonSQSException($"{failed.Count} of {events.Length} events were not accepted by {queueUrl}: {failed[0].Code} {failed[0].Message}");
        }
    }

    [LoggerMessage(EventId = 3201, EventName = "EventsRefused", Level = LogLevel.Warning, Message = "Queue {QueueUrl} refused {Count} events ({Code}: {Reason}); they stay unpublished and are retried")]
    private partial void LogSendFailed(string queueUrl, int count, string code, string reason);
}
