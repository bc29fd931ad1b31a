using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>
/// Finds the handback files to apply: the ones the bucket announces on the ingest queue, and, as the safety net
/// beside it, every inbound object not handled yet. Each object is handled on its own: one that fails is logged
/// and tried again on the next pass, and never keeps the others waiting.
/// </summary>
public sealed partial class HandbackIntake(
    HandbackIngester ingester,
    HandbackLedger ledger,
    MySqlDataSource database,
    IAmazonS3 s3,
    IAmazonSQS sqs,
    IOptions<FulfilmentOptions> options,
    ILogger<HandbackIntake> logger)
{
    /// <summary>
    /// Handles the files announced on the ingest queue (long-polling up to <paramref name="waitSeconds"/>).
    /// A message is deleted only once every file it names is handled; one left behind comes back after its
    /// visibility timeout, and the listing would find its file anyway.
    /// </summary>
    public async Task<IReadOnlyList<IngestResult>> IngestQueuedAsync(int waitSeconds, CancellationToken cancellationToken)
    {
        var queueUrl = options.Value.IngestQueueUrl;
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = 10,
            WaitTimeSeconds = waitSeconds,
        }, cancellationToken);
        var results = new List<IngestResult>();
        foreach (var message in received.Messages ?? [])
        {
            IReadOnlyList<string> keys;
            try
            {
                keys = S3Notification.ObjectKeys(message.Body);
            }
            catch (FormatException e)
            {
                // Not the bucket's: handed straight back, so the queue's redrive policy parks it in the dead-letter
                // queue (whose alarm pages) after its few deliveries instead of it coming round for ever.
                LogMalformedMessage(message.MessageId, e.Message);
                await sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, 0, cancellationToken);
                continue;
            }

            var handled = true;
            foreach (var key in keys)
            {
                var result = await IngestOneAsync(key, cancellationToken);
                if (result is not null)
                {
                    results.Add(result);
                }

                handled &= result?.Outcome is not (null or IngestOutcome.Busy or IngestOutcome.Deferred);
            }

            if (handled)
            {
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, cancellationToken);
            }
        }

        return results;
    }

    /// <summary>Every inbound object not handled yet.</summary>
    public async Task<IReadOnlyList<IngestResult>> IngestListedAsync(CancellationToken cancellationToken)
    {
        var results = new List<IngestResult>();
        var request = new ListObjectsV2Request { BucketName = options.Value.Bucket, Prefix = HandbackIngester.InboundPrefix };
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                if (!await ledger.SeenAsync(connection, item.Key, item.ETag, cancellationToken)
                    && await IngestOneAsync(item.Key, cancellationToken) is { } result)
                {
                    results.Add(result);
                }
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return results;
    }

    /// <summary>One object; null when it failed this time (logged), so the caller goes on with the next.</summary>
    private async Task<IngestResult?> IngestOneAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await ingester.IngestAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogObjectFailed(e, key);
            return null;
        }
    }

    [LoggerMessage(EventId = 3106, EventName = "IngestObjectFailed", Level = LogLevel.Error,
        Message = "Handling inbound object {Key} failed; it is tried again on the next pass, and the other objects go on")]
    private partial void LogObjectFailed(Exception exception, string key);

    [LoggerMessage(EventId = 3107, EventName = "IngestMessageMalformed", Level = LogLevel.Error,
        Message = "OPS ALERT: ingest queue message {MessageId} is not an S3 notification ({Reason}); left to the dead-letter queue")]
    private partial void LogMalformedMessage(string messageId, string reason);
}
