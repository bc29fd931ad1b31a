using System.Text.Json;
using Amazon.SQS.Model;
using Dapper;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Simulation;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// The worker as it runs in production: inside a real API process, it hears of a handback through the
/// bucket's notification on the ingest queue, applies it, and publishes the events to the bank's queue.
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class FulfilmentWorkerTests(FulfilmentFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"loyalty-worker-{Guid.NewGuid():N}.key");

    [Fact]
    public async Task TheWorker_AppliesAnAnnouncedHandback_AndPublishesEveryEventToTheBankQueue()
    {
        // Exported before the worker starts: a worker ticking every second may hold CORV's export lock at any moment,
        // and this test is about what it does with the answer, not about sharing the export.
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("CORV"));
        var export = Assert.Single(await fixture.Get<BatchExporter>().ExportNowAsync("CORV", CancellationToken.None));
        Assert.Equal(ExportOutcome.Exported, export.Outcome);

        var settings = fixture.Aws.Settings.ToDictionary();
        settings["Fulfilment__WorkerEnabled"] = "true";
        settings["Fulfilment__ScheduleSeconds"] = "1";
        settings["Fulfilment__PublishSeconds"] = "1";
        await using var api = await ApiProcess.StartAsync(fixture.ConnectionString, keyFile, settings);
        var simulator = new ProgrammeSimulator(fixture.S3, fixture.Aws.Bucket,
            new SimulatorSettings { Members = await SeededMembers.LoadAsync(SeededMembers.DefaultPath, CancellationToken.None) },
            TimeProvider.System);
        Assert.False((await simulator.AnswerAsync($"outbound/CORV/{export.FileName}", CancellationToken.None)).Failed);

        await api.WaitUntilAsync(async () => await StatusAsync(id) == "fulfilled", "the worker to apply the handback");
        var published = new List<string>();
        var deadline = DateTime.UtcNow + Patience;
        while (published.Count < 3 && DateTime.UtcNow < deadline)
        {
            published.AddRange(await ReceiveAsync("HARB", id));
        }

        Assert.Equal(["pending", "submitted", "fulfilled"], published);
        // SIGTERM ends the worker's long poll and loops promptly: a clean exit well inside the shutdown budget.
        await api.SignalAsync("TERM");
        Assert.Equal(0, await api.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    public void Dispose() => File.Delete(keyFile);

    private async Task<string> StatusAsync(string id)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM transactions WHERE id = @Id", new { Id = id }) ?? "";
    }

    /// <summary>One receive from the bank's queue: the new statuses of this transaction's events, in order.</summary>
    private async Task<IEnumerable<string>> ReceiveAsync(string bank, string transactionId)
    {
        var queue = fixture.Aws.BankQueue(bank);
        var received = await fixture.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
        var statuses = new List<string>();
        foreach (var message in received.Messages ?? [])
        {
            var body = JsonDocument.Parse(message.Body).RootElement;
            if (body.GetProperty("transactionId").GetString() == transactionId)
            {
                statuses.Add(body.GetProperty("newStatus").GetString()!);
            }

            await fixture.Sqs.DeleteMessageAsync(queue, message.ReceiptHandle);
        }

        return statuses;
    }
}
