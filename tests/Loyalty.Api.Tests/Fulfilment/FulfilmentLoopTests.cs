using System.Net;
using System.Text.Json;
using Amazon.SQS.Model;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Features.Fulfilment.Notifications;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// The whole loop against MariaDB and the local AWS, per programme format: accrual → file in S3 →
/// handback → statuses → events on the feed and on the bank's FIFO queue.
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class FulfilmentLoopTests(FulfilmentFixture fixture)
{
    public static TheoryData<string> Programmes => new(ProgrammeCase.All.Select(c => c.Programme));

    [Theory]
    [MemberData(nameof(Programmes))]
    public async Task Accruals_TravelTheWholeLoop(string programme)
    {
        var programmeCase = ProgrammeCase.Of(programme);
        var fulfilled = await fixture.AccrueAsync(programmeCase);
        var rejected = await fixture.AccrueAsync(programmeCase);
        var retried = await fixture.AccrueAsync(programmeCase);
        var cancelled = await fixture.AccrueAsync(programmeCase);
        using var bank = fixture.Client(programmeCase.Client);
        (await bank.PostAsync($"/v1/transactions/{cancelled}/cancel", null)).EnsureSuccessStatusCode();

        var export = (await fixture.Get<BatchExporter>().ExportNowAsync(programme, CancellationToken.None)).Single();
        Assert.Equal(ExportOutcome.Exported, export.Outcome);
        var file = await fixture.ReadAccrualFileAsync(programme, export.FileName!);
        Assert.Equal(export.Rows, file.Lines.Count);
        Assert.Equal(export.AmountSum, file.Lines.Sum(l => l.Amount));
        var ours = new[] { fulfilled, rejected, retried };
        var lineOf = await fixture.LinesOfAsync(file, ours);
        var lines = lineOf.Values.ToList();
        Assert.DoesNotContain(file.Lines, l => l.TransactionId == cancelled);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal(programmeCase.MemberId, l.MemberId));
        Assert.All(lines, l => Assert.Equal(programmeCase.Amount, l.Amount));

        // Once claimed by a batch, cancel is refused.
        using (var late = await bank.PostAsync($"/v1/transactions/{fulfilled}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        }

        var submitted = await TransactionAsync(bank, fulfilled);
        Assert.Equal("submitted", submitted.GetProperty("status").GetString());
        Assert.Equal(1, submitted.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, submitted.GetProperty("expectedBy").ValueKind);

        var rejection = programme == "LUMO" ? CanonicalOutcome.AccountClosed : CanonicalOutcome.NameMismatch;
        var key = await fixture.PutHandbackAsync(file, line =>
            line == lineOf[fulfilled] ? CanonicalOutcome.Success
            : line == lineOf[rejected] ? rejection
            : line == lineOf[retried] ? CanonicalOutcome.ProgrammeError
            : CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        var ingest = await fixture.Get<HandbackIngester>().IngestAsync(key, CancellationToken.None);
        Assert.True(ingest.Outcome == IngestOutcome.Applied, ingest.ToString());
        Assert.Equal(file.Lines.Count, ingest.Applied);
        Assert.Equal(0, ingest.Anomalies);

        var done = await TransactionAsync(bank, fulfilled);
        Assert.Equal("fulfilled", done.GetProperty("status").GetString());
        Assert.Equal("SUCCESS", done.GetProperty("outcome").GetProperty("code").GetString());
        Assert.True(ProgrammeDefinitions.Get(programme).Exchange.OutcomeCodes.TryGetCode(CanonicalOutcome.Success, out var successCode));
        Assert.Equal(successCode, done.GetProperty("outcome").GetProperty("programmeCode").GetString());
        var refused = await TransactionAsync(bank, rejected);
        Assert.Equal("rejected", refused.GetProperty("status").GetString());
        Assert.Equal(rejection.ToCode(), refused.GetProperty("outcome").GetProperty("code").GetString());
        var again = await TransactionAsync(bank, retried);
        Assert.Equal("pending", again.GetProperty("status").GetString());
        Assert.Equal("PROGRAMME_ERROR", again.GetProperty("outcome").GetProperty("code").GetString());

        // The feed shows every change of ours exactly once, in order per transaction.
        var events = await FeedAsync(bank, ours);
        Assert.Equal(["pending", "submitted", "fulfilled"], events[fulfilled]);
        Assert.Equal(["pending", "submitted", "rejected"], events[rejected]);
        Assert.Equal(["pending", "submitted", "pending"], events[retried]);

        // And the bank's FIFO queue carries the same events.
        await fixture.Get<EventPublisher>().PublishAsync(CancellationToken.None);
        var queued = await DrainQueueAsync(Bank(programmeCase.Client), ours);
        Assert.Equal(events[fulfilled], queued[fulfilled]);
        Assert.Equal(events[rejected], queued[rejected]);
        Assert.Equal(events[retried], queued[retried]);
    }

    [Theory]
    [MemberData(nameof(Programmes))]
    public async Task TheProgrammeSimulator_AnswersEachFormat_AndTheAnswerSettlesTheAccrual(string programme)
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of(programme));
        var export = (await fixture.Get<BatchExporter>().ExportNowAsync(programme, CancellationToken.None)).Single();
        var members = await SeededMembers.LoadAsync(SeededMembers.DefaultPath, CancellationToken.None);
        var simulator = new ProgrammeSimulator(fixture.S3, fixture.Aws.Bucket, new SimulatorSettings { Members = members }, TimeProvider.System);

        var answered = await simulator.AnswerAsync($"outbound/{programme}/{export.FileName}", CancellationToken.None);
        Assert.False(answered.Failed, answered.ToString());
        var ingest = await fixture.Get<HandbackIngester>().IngestAsync(answered.HandbackKey!, CancellationToken.None);

        Assert.True(ingest.Outcome == IngestOutcome.Applied && ingest.Anomalies == 0, ingest.ToString());
        using var bank = fixture.Client(ProgrammeCase.Of(programme).Client);
        Assert.Equal("fulfilled", (await TransactionAsync(bank, id)).GetProperty("status").GetString());
    }

    private static string Bank(string client) => client switch
    {
        ApiFixture.HarbClient => "HARB",
        ApiFixture.OrchClient => "ORCH",
        _ => "NVAL",
    };

    private static async Task<JsonElement> TransactionAsync(HttpClient bank, string id)
    {
        using var response = await bank.GetAsync($"/v1/transactions/{id}");
        response.EnsureSuccessStatusCode();
        return await response.JsonAsync();
    }

    private static async Task<Dictionary<string, List<string>>> FeedAsync(HttpClient bank, IReadOnlyCollection<string> ids)
    {
        var statuses = ids.ToDictionary(id => id, _ => new List<string>());
        var cursor = "0";
        while (true)
        {
            using var response = await bank.GetAsync($"/v1/events?after={cursor}&limit=500");
            var page = await response.JsonAsync();
            var events = page.GetProperty("events").EnumerateArray().ToList();
            foreach (var e in events.Where(e => ids.Contains(e.GetProperty("transactionId").GetString()!)))
            {
                statuses[e.GetProperty("transactionId").GetString()!].Add(e.GetProperty("newStatus").GetString()!);
            }

            if (events.Count == 0)
            {
                return statuses;
            }

            cursor = page.GetProperty("nextCursor").GetString()!;
        }
    }

    private async Task<Dictionary<string, List<string>>> DrainQueueAsync(string bank, IReadOnlyCollection<string> ids)
    {
        var statuses = ids.ToDictionary(id => id, _ => new List<string>());
        var queue = fixture.Aws.BankQueue(bank);
        while (true)
        {
            var received = await fixture.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10 });
            if (received.Messages is not { Count: > 0 } messages)
            {
                return statuses;
            }

            foreach (var message in messages)
            {
                var body = JsonDocument.Parse(message.Body).RootElement;
                var id = body.GetProperty("transactionId").GetString()!;
                if (statuses.TryGetValue(id, out var list))
                {
                    list.Add(body.GetProperty("newStatus").GetString()!);
                }

                await fixture.Sqs.DeleteMessageAsync(queue, message.ReceiptHandle);
            }
        }
    }
}
