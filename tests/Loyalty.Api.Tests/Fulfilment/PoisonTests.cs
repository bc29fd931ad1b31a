using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MySqlConnector;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// Poison never stops the pipeline: an object, a message or a programme that cannot be handled is set aside or
/// retried on its own, and everything else goes on.
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class PoisonTests(FulfilmentFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task InboundObjectsThatAreNoHandback_AreQuarantinedOnce_AndTheGoodFileBesideThemIsApplied()
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("CORV"));
        var export = Assert.Single(await fixture.Get<BatchExporter>().ExportNowAsync("CORV", CancellationToken.None));
        var good = await fixture.PutHandbackAsync(await fixture.ReadAccrualFileAsync("CORV", export.FileName!),
            _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        var spec = ProgrammeDefinitions.Get("CORV").Exchange;
        var run = Guid.NewGuid().ToString("N")[..8];
        // Each sorts before the good file, so a listing that stopped at one would never reach it.
        var poison = new Dictionary<string, (string Tag, string Reason)>
        {
            [$"inbound/CORV/A{run}{new string('x', 690)}.csv"] = ("name", "not a CORV handback file name"),
            [$"inbound/AAAA/{run}.csv"] = ("location", "not in the inbound/{CODE}/ folder of a programme"),
            [$"inbound/CORV/A{run}/{spec.HandbackFileName(1, new DateOnly(2025, 3, 15))}"] = ("location", "not in the inbound/{CODE}/ folder"),
            [$"inbound/CORV/{spec.HandbackFileName(1, new DateOnly(2000, 1, 1))[..^4]}{run}.csv"] = ("name", "not a CORV handback file name"),
            [$"inbound/CORV/{spec.HandbackFileName(90_000 + Random.Shared.Next(9_999), new DateOnly(2000, 1, 1))}"] =
                ("size", $"over the CORV limit of {spec.MaxHandbackBytes}"),
        };
        foreach (var (key, (tag, _)) in poison)
        {
            var bytes = tag == "size" ? new byte[spec.MaxHandbackBytes + 1] : "not a handback\n"u8.ToArray();
            await fixture.S3.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Aws.Bucket, Key = key, InputStream = new MemoryStream(bytes) });
        }

        var results = await fixture.Get<HandbackIntake>().IngestListedAsync(CancellationToken.None);

        Assert.Equal(IngestOutcome.Applied, Assert.Single(results, r => r.Key == good).Outcome);
        Assert.Equal("fulfilled", await StatusAsync(id));
        await using var connection = await fixture.OpenDatabaseAsync();
        foreach (var (key, (tag, reason)) in poison)
        {
            var result = Assert.Single(results, r => r.Key == key);
            Assert.Equal(IngestOutcome.Quarantined, result.Outcome);
            Assert.Contains(reason, result.Error, StringComparison.Ordinal);
            var recorded = await connection.QuerySingleAsync<(string Outcome, string Error)>(
                "SELECT outcome, error FROM handback_files WHERE s3_key = @Key", new { Key = key });
            Assert.Equal(("quarantined", result.Error), recorded);
            var tags = await fixture.S3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = fixture.Aws.Bucket, Key = key });
            Assert.Equal(tag, Assert.Single(tags.Tagging, t => t.Key == HandbackIngester.QuarantineTag).Value);
        }

        // Known by key and ETag: the next pass reads none of them again.
        var again = await fixture.Get<HandbackIntake>().IngestListedAsync(CancellationToken.None);
        Assert.DoesNotContain(again, r => poison.ContainsKey(r.Key) || r.Key == good);
    }

    [Fact]
    public async Task AMessageOnTheIngestQueueThatIsNoS3Notification_IsDeadLettered_AndTheRestOfItsBatchIsHandled()
    {
        var queue = fixture.Aws.Settings["Fulfilment__IngestQueueUrl"];
        var deadLetters = await DeadLetterQueueOfAsync(queue);
        var marker = $"not json {Guid.NewGuid():N}";
        await fixture.Sqs.SendMessageAsync(queue, marker);
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("VERD"));
        var export = Assert.Single(await fixture.Get<BatchExporter>().ExportNowAsync("VERD", CancellationToken.None));
        var good = await fixture.PutHandbackAsync(await fixture.ReadAccrualFileAsync("VERD", export.FileName!),
            _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);

        var parked = false;
        var applied = false;
        var deadline = DateTime.UtcNow + Patience;
        while (!(parked && applied) && DateTime.UtcNow < deadline)
        {
            var results = await fixture.Get<HandbackIntake>().IngestQueuedAsync(waitSeconds: 1, CancellationToken.None);
            applied |= results.Any(r => r.Key == good && r.Outcome == IngestOutcome.Applied);
            var dead = await fixture.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = deadLetters, MaxNumberOfMessages = 10 });
            foreach (var message in dead.Messages ?? [])
            {
                parked |= message.Body == marker;
                await fixture.Sqs.DeleteMessageAsync(deadLetters, message.ReceiptHandle);
            }
        }

        Assert.True(applied, "the handback announced beside the malformed message was not applied");
        Assert.True(parked, "the malformed message did not reach the ingest dead-letter queue");
        Assert.Equal("fulfilled", await StatusAsync(id));
    }

    [Fact]
    public async Task OneProgrammeWhoseUploadFails_DoesNotStopTheScheduledExportOfTheOthers()
    {
        var corv = await fixture.AccrueAsync(ProgrammeCase.Of("CORV"));
        var verd = await fixture.AccrueAsync(ProgrammeCase.Of("VERD"));
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(
            Max(NextCutoff(now, ProgrammeDefinitions.Get("CORV").CutoffUtc), NextCutoff(now, ProgrammeDefinitions.Get("VERD").CutoffUtc)).AddSeconds(1));
        await using var connection = await fixture.OpenDatabaseAsync();
        var cutoffs = (await connection.QueryAsync<(string Code, DateTime? At)>(
            "SELECT programme_code, last_cutoff_at FROM programme_exports")).ToDictionary(c => c.Code, c => c.At);
        try
        {
            using var refusing = new RefusingUploads(fixture.Aws.Credentials, fixture.Aws.S3Config(), "outbound/CORV/");
            var results = await fixture.ExporterWith(refusing, time: clock).ExportDueAsync(CancellationToken.None);

            var failed = Assert.Single(results, r => r.ProgrammeCode == "CORV");
            Assert.Equal(ExportOutcome.Failed, failed.Outcome);
            Assert.Contains(RefusingUploads.Refusal, failed.Error, StringComparison.Ordinal);
            Assert.Contains(results, r => r.ProgrammeCode == "VERD" && r.Outcome == ExportOutcome.Exported);
            Assert.Equal("submitted", await StatusAsync(verd));
            Assert.Equal("pending", await StatusAsync(corv));

            // The failed programme's batch is finished by the next run, with the bucket working again.
            var resumed = await fixture.ExporterWith(time: clock).ExportDueAsync(CancellationToken.None);
            Assert.Contains(resumed, r => r.ProgrammeCode == "CORV" && r.Outcome == ExportOutcome.Exported && r.Resumed);
            Assert.Equal("submitted", await StatusAsync(corv));
        }
        finally
        {
            // The clock ran ahead of the real one: later tests' real-time schedules must not see these cutoffs as done,
            // including those of programmes that had no export row before this test (their cutoff was never set).
            foreach (var code in await connection.QueryAsync<string>("SELECT programme_code FROM programme_exports"))
            {
                await connection.ExecuteAsync("UPDATE programme_exports SET last_cutoff_at = @At WHERE programme_code = @Code",
                    new { At = cutoffs.GetValueOrDefault(code), Code = code });
            }
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>The first cutoff instant after <paramref name="now"/>: the exporter's last one, a day on.</summary>
    private static DateTimeOffset NextCutoff(DateTimeOffset now, TimeOnly cutoffUtc) => BatchExporter.LastCutoff(now, cutoffUtc).AddDays(1);

    /// <summary>The dead-letter queue the stack set as the queue's redrive target.</summary>
    private async Task<string> DeadLetterQueueOfAsync(string queueUrl)
    {
        var attributes = await fixture.Sqs.GetQueueAttributesAsync(queueUrl, ["RedrivePolicy"]);
        var target = JsonDocument.Parse(attributes.Attributes["RedrivePolicy"]).RootElement.GetProperty("deadLetterTargetArn").GetString()!;
        return (await fixture.Sqs.GetQueueUrlAsync(target.Split(':')[^1])).QueueUrl;
    }

    private async Task<string> StatusAsync(string id)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM transactions WHERE id = @Id", new { Id = id }) ?? "";
    }

    /// <summary>The bucket refusing one folder's uploads, as it would after a policy change: every other call is real.</summary>
    private sealed class RefusingUploads(AWSCredentials credentials, AmazonS3Config config, string refusedPrefix)
        : AmazonS3Client(credentials, config)
    {
        public const string Refusal = "Access Denied (test: this folder refuses uploads)";

        public override Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default) =>
            request.Key.StartsWith(refusedPrefix, StringComparison.Ordinal)
                ? throw new AmazonS3Exception(Refusal, ErrorType.Sender, "AccessDenied", "test", System.Net.HttpStatusCode.Forbidden)
                : base.PutObjectAsync(request, cancellationToken);
    }
}
