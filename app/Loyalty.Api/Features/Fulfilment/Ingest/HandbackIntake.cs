using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>
/// Finds the handback files to apply: the ones the bucket announces on the ingest queue, and, as the safety net
/// beside it, every inbound object not handled yet.
/// </summary>
public sealed class HandbackIntake(
    HandbackIngester ingester,
    HandbackLedger ledger,
    MySqlDataSource database,
    IAmazonS3 s3,
    IAmazonSQS sqs,
    IOptions<FulfilmentOptions> options)
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
            var handled = true;
            foreach (var key in S3Notification.ObjectKeys(message.Body))
            {
                var result = await ingester.IngestAsync(key, cancellationToken);
                results.Add(result);
                handled &= result.Outcome is not (IngestOutcome.Busy or IngestOutcome.Deferred);
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
        var request = new ListObjectsV2Request { BucketName = options.Value.Bucket, Prefix = "inbound/" };
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                if (!await ledger.SeenAsync(connection, item.Key, item.ETag, cancellationToken))
                {
                    results.Add(await ingester.IngestAsync(item.Key, cancellationToken));
                }
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return results;
    }
}
