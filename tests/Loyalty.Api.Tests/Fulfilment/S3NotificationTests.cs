using Amazon.S3.Model;
using Amazon.SQS.Model;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Tests.Infrastructure;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// The ingest queue's S3 event notifications: S3 URL-encodes object keys in them, with a space as '+' (so a '+' in a
/// key arrives as %2B). Decoded wrong, a handback is looked up under a key that does not exist.
/// </summary>
public sealed class S3NotificationTests
{
    [Theory]
    [InlineData("inbound/CORV/CORV_RET_20250315_00001.csv", "inbound/CORV/CORV_RET_20250315_00001.csv")]
    [InlineData("inbound/CORV/a+b.csv", "inbound/CORV/a b.csv")]
    [InlineData("inbound/CORV/a%2Bb.csv", "inbound/CORV/a+b.csv")]
    [InlineData("inbound/HALC/M%C3%BCller+%26+S%C3%B6hne.csv", "inbound/HALC/Müller & Söhne.csv")]
    [InlineData("inbound/TAMR/%E5%B1%B1%E7%94%B0.jsonl", "inbound/TAMR/山田.jsonl")]
    public void ObjectKey_IsDecodedAsS3EncodesIt(string encoded, string key) =>
        Assert.Equal([key], S3Notification.ObjectKeys(Record("ObjectCreated:Put", encoded)));

    [Fact]
    public void TheTestEventS3SendsWhenNotificationsAreSet_NamesNoObject() =>
        Assert.Empty(S3Notification.ObjectKeys(
            """{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2025-03-15T07:40:12.000Z","Bucket":"b","RequestId":"r","HostId":"h"}"""));

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"Records":{}}""")]
    [InlineData("""{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}""")]
    [InlineData("""{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":null}}}]}""")]
    [InlineData("""{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":7}}}]}""")]
    public void AMessageThatIsNoS3Notification_IsAFormatError(string body) =>
        Assert.Throws<FormatException>(() => S3Notification.ObjectKeys(body));

    [Fact]
    public void OnlyCreatedObjectsAreNamed_InTheirOrder()
    {
        var body = "{\"Records\":[" + string.Join(",", Entry("ObjectCreated:Put", "inbound/CORV/1.csv"), Entry("ObjectRemoved:Delete", "inbound/CORV/2.csv"),
            Entry("ObjectCreated:CompleteMultipartUpload", "inbound/CORV/3.csv")) + "]}";
        Assert.Equal(["inbound/CORV/1.csv", "inbound/CORV/3.csv"], S3Notification.ObjectKeys(body));
    }

    private static string Record(string eventName, string key) => "{\"Records\":[" + Entry(eventName, key) + "]}";

    private static string Entry(string eventName, string key) =>
        """{"eventVersion":"2.1","eventSource":"aws:s3","eventName":""" + $"\"{eventName}\"" +
        ""","s3":{"bucket":{"name":"b"},"object":{"key":""" + $"\"{key}\"" + ""","size":1}}}""";
}

/// <summary>The same decoding on what the local AWS's bucket really sends to the stack's ingest queue.</summary>
[Collection(FulfilmentSuite.Name)]
public sealed class S3NotificationDeliveryTests(FulfilmentFixture fixture)
{
    [Theory]
    [InlineData("a+b")]
    [InlineData("a b")]
    [InlineData("Müller & Söhne")]
    [InlineData("山田")]
    public async Task AKeyUploadedUnderInbound_ComesBackFromTheIngestQueueAsItWasWritten(string name)
    {
        var key = $"inbound/ZZZZ/{Guid.NewGuid():N} {name}.txt";
        await fixture.S3.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Aws.Bucket, Key = key, ContentBody = "x" });
        try
        {
            Assert.Contains(key, await NotifiedKeysAsync(key));
        }
        finally
        {
            await fixture.S3.DeleteObjectAsync(fixture.Aws.Bucket, key);
        }
    }

    /// <summary>Receives from the ingest queue until the notification naming <paramref name="key"/> arrives (bounded).</summary>
    private async Task<IReadOnlyList<string>> NotifiedKeysAsync(string key)
    {
        var queue = fixture.Aws.Settings["Fulfilment__IngestQueueUrl"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var received = await fixture.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            foreach (var message in received.Messages ?? [])
            {
                var keys = S3Notification.ObjectKeys(message.Body).ToList();
                if (keys.Contains(key))
                {
                    await fixture.Sqs.DeleteMessageAsync(queue, message.ReceiptHandle);
                    return keys;
                }

                // Another test's notification (most were applied by their tests directly): hidden only briefly, not for
                // the queue's five-minute visibility timeout, while this loop reads on to newer ones.
                await fixture.Sqs.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 30);
            }
        }

        throw new TimeoutException($"no notification for {key} on the ingest queue within 30 s");
    }
}
