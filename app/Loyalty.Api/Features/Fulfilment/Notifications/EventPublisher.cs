using System.Text.Json;
using Amazon.Runtime;
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
/// event) and marks them sent in the same database transaction that claimed them, bank by bank. A failed send
/// rolls back that bank's claim only: its notifications wait (never lost) while every other bank's flow, and it
/// is tried again after a bounded exponential backoff. A crash after the send but before the commit resends,
/// which the queue's deduplication and the bank's eventId check absorb. Events are sequenced into the polling
/// feed first, so a bank never hears of an event it cannot poll. One publisher at a time across the fleet
/// (session lock): two could otherwise send a transaction's events to its message group out of order.
/// </summary>
/// <remarks>A bank held back shows as a growing age of its oldest unpublished event (<see cref="PipelineWatch"/>).</remarks>
public sealed partial class EventPublisher
{
    private const int ClaimSize = 100;
    private const int SqsBatchSize = 10;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private readonly MySqlDataSource database;
    private readonly IAmazonSQS sqs;
    private readonly IOptions<FulfilmentOptions> options;
    private readonly IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json;
    private readonly TimeProvider time;
    private readonly ILogger<EventPublisher> logger;
    private readonly Dictionary<string, (int Failures, DateTimeOffset NextAttempt)> backoff = new(StringComparer.Ordinal);

    public EventPublisher(
        MySqlDataSource database,
        IAmazonSQS sqs,
        IOptions<FulfilmentOptions> options,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        TimeProvider time,
        ILogger<EventPublisher> logger)
    {
        this.database = database;
        this.sqs = sqs;
        this.options = options;
        this.json = json;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Publishes until nothing is left for any bank that accepts; returns how many events were sent.</summary>
    public async Task<int> PublishAsync(CancellationToken cancellationToken)
    {
        var queues = options.Value.BankQueues;
        if (queues.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var held = await SessionLock.TryAcquireAsync(connection, "loyalty-publish", cancellationToken);
        if (held is null)
        {
            LogAnotherPublisher();
            return 0;
        }

        var sent = 0;
        foreach (var (bank, queueUrl) in queues.OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            sent += await PublishBankAsync(connection, bank, queueUrl, cancellationToken);
        }

        return sent;
    }

    /// <summary>One bank's events, unless it is backing off; a failure is logged and backs it off, never thrown.</summary>
    private async Task<int> PublishBankAsync(MySqlConnection connection, string bank, string queueUrl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (backoff.TryGetValue(bank, out var state) && state.NextAttempt > now)
        {
            return 0;
        }

        var sent = 0;
        try
        {
            // A pass positions at most EventFeed.MaxPerPass events: go on until a pass finds fewer, so a backlog (a bank
            // whose queue was gone for a while) is sent whole, oldest first, not a pass per tick.
            int sequenced;
            do
            {
                sequenced = await EventFeed.SequenceAsync(connection, bank, cancellationToken);
                while (await PublishClaimAsync(connection, bank, queueUrl, cancellationToken) is var count and > 0)
                {
                    sent += count;
                }
            }
            while (sequenced == EventFeed.MaxPerPass);

            backoff.Remove(bank);
        }
        catch (Exception e) when (e is AmazonSQSException or AmazonServiceException or HttpRequestException
                                   || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var failures = state.Failures + 1;
            var delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(failures - 1, 20)));
            delay *= 0.5 + (Random.Shared.NextDouble() / 2); // jittered, so a fleet's retries do not line up
            backoff[bank] = (failures, now + delay);
            LogBankFailed(e, bank, failures, (long)delay.TotalMilliseconds);
        }

        return sent;
    }

    /// <summary>Claims, sends and marks up to one claim of the bank's events in one transaction; returns how many.</summary>
    private async Task<int> PublishClaimAsync(MySqlConnection connection, string bank, string queueUrl, CancellationToken cancellationToken)
    {
        // READ COMMITTED: the claim's FOR UPDATE then locks the claimed rows only. Under REPEATABLE READ it also
        // gap-locks the unpublished index for as long as the SQS calls take, and every accrual writing its
        // event into that gap waits (seconds, under load). The session lock already makes the publisher unique.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(EventsSql.ClaimUnpublished,
            new { Banks = new[] { bank }, Limit = ClaimSize }, transaction, cancellationToken: cancellationToken))).AsList();
        if (ids.Count == 0)
        {
            return 0;
        }

        var events = await connection.QueryAsync<EventRow>(new CommandDefinition(EventsSql.ByIds,
            new { Ids = ids }, transaction, cancellationToken: cancellationToken));
        foreach (var chunk in events.Chunk(SqsBatchSize))
        {
            await SendAsync(queueUrl, chunk, cancellationToken);
        }

        await connection.ExecuteAsync(new CommandDefinition(EventsSql.MarkPublished,
            new { Ids = ids, Now = time.GetUtcNow().UtcDateTime }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return ids.Count;
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

    [LoggerMessage(EventId = 3202, EventName = "BankPublishFailed", Level = LogLevel.Error, Message = "OPS ALERT: publishing to bank {BankCode} failed ({Failures} in a row); its events wait and are tried again in {DelayMs} ms, the other banks go on")]
    private partial void LogBankFailed(Exception exception, string bankCode, int failures, long delayMs);

    [LoggerMessage(EventId = 3203, EventName = "PublishLockHeld", Level = LogLevel.Debug, Message = "Not publishing: another instance holds the publish lock")]
    private partial void LogAnotherPublisher();

    [LoggerMessage(EventId = 3201, EventName = "EventsRefused", Level = LogLevel.Warning, Message = "Queue {QueueUrl} refused {Count} events ({Code}: {Reason}); they stay unpublished and are retried")]
    private partial void LogSendFailed(string queueUrl, int count, string code, string reason);
}
