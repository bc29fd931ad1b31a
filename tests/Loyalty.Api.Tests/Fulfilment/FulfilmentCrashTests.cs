using System.Diagnostics;
using System.Text.Json;
using Amazon.SQS.Model;
using Dapper;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core.PartnerFiles;
using MySqlConnector;
using Xunit.Abstractions;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// kill -9 of the <c>fulfilment</c> command at points observed inside the work of an export, an ingest and a publish,
/// each point asserted as reached; then a clean run, and the exact sets checked: no accrual lost or in two files, no
/// outcome applied twice, every event on its bank's queue exactly once.
/// </summary>
/// <remarks>
/// The points inside a transaction are seen through a READ UNCOMMITTED session: the claim made but not numbered, the
/// submitted events half appended, the outcomes half applied. The others are seen in committed state and the bucket or
/// queue: a file uploaded for a batch still claimed; events on the queue that are not marked published.
/// </remarks>
[Collection(FulfilmentSuite.Name)]
public sealed class FulfilmentCrashTests(FulfilmentFixture fixture, ITestOutputHelper output)
{
    private const int Rows = 60_000;
    private const int Events = 500; // moto slows down as a FIFO queue grows (a deduplication scan per message)
    private const string Programme = "LUMO";
    private const string EventBank = "NVAL";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan PointLimit = TimeSpan.FromMinutes(2);
    private const int MaxBusyRetries = 20;

    [Fact]
    public async Task KilledExportsIngestsAndPublishes_NeverLoseDuplicateOrReapplyAnything()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = (await SeedPendingAsync(run)).ToHashSet();

        // Export: killed during the claim (some chunks committed, rows not numbered), after the upload (batch committed as
        // claimed, not submitted), and while the submitted events are half appended.
        await KillAtAsync("the claim made, its rows not all numbered", ClaimedNotNumberedAsync, "export", "--programme", Programme);
        Assert.Equal(0, await ClaimedBatchesAsync()); // still claiming: the next run carries on with the same batch
        await KillAtAsync("the file uploaded, its batch still claimed", UploadedClaimedBatchesAsync, "export", "--programme", Programme);
        await KillAtAsync("the submitted events half appended", () => HalfAsync(run, "submitted"), "export", "--programme", Programme);
        var finished = await RunCliAsync(TimeSpan.FromMinutes(3), null, "fulfilment", "export", "--programme", Programme);
        Assert.True(finished.ExitCode == 0, finished.Output);
        output.WriteLine($"export after 3 kills: {finished.Output}");

        await using var connection = await fixture.OpenDatabaseAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM batches WHERE status <> 'submitted'"));
        var perTransaction = (await connection.QueryAsync<(string Id, string Status, int Attempts, int Batches, int Submissions)>("""
            SELECT t.id, t.status, t.attempts,
                   (SELECT COUNT(*) FROM batch_rows r WHERE r.transaction_id = t.id),
                   (SELECT COUNT(*) FROM events e WHERE e.transaction_id = t.id AND e.new_status = 'submitted')
            FROM transactions t WHERE t.bank_reference LIKE CONCAT(@Run, '-%')
            """, new { Run = run })).ToList();
        Assert.Equal(Rows, perTransaction.Count);
        Assert.All(perTransaction, t => Assert.Equal(("submitted", 1, 1, 1), (t.Status, t.Attempts, t.Batches, t.Submissions)));

        // Every batch has exactly its one file, and the files hold each accrual exactly once.
        var batches = (await connection.QueryAsync<(int Sequence, string FileName, int RowCount)>(
            "SELECT file_sequence, file_name, row_count FROM batches WHERE programme_code = @Programme ORDER BY file_sequence", new { Programme })).ToList();
        Assert.Equal(Enumerable.Range(1, batches.Count), batches.Select(b => b.Sequence));
        var keys = await fixture.S3.KeysAsync(fixture.Aws.Bucket, $"outbound/{Programme}/");
        Assert.Equal(batches.Select(b => $"outbound/{Programme}/{b.FileName}").Order(), keys.Order());
        var inFiles = new List<string>();
        foreach (var batch in batches)
        {
            var file = await fixture.ReadAccrualFileAsync(Programme, batch.FileName);
            Assert.Equal(batch.RowCount, file.Lines.Count);
            inFiles.AddRange(file.Lines.Select(l => l.TransactionId));
        }

        // (A transaction of an earlier test may be in two files: a PROGRAMME_ERROR retry goes into the next one.)
        var ours = inFiles.Where(ids.Contains).ToList();
        Assert.Equal(Rows, ours.Count);
        Assert.Equal(ids, ours.ToHashSet());

        // Ingest: the programme answers the big file; the ingest is killed with its outcomes half applied.
        var big = batches.Single(b => b.RowCount >= Rows);
        var accrualFile = await fixture.ReadAccrualFileAsync(Programme, big.FileName);
        await fixture.PutHandbackAsync(accrualFile, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        await KillAtAsync("the outcomes half applied", () => HalfAsync(run, "fulfilled"), "ingest");
        finished = await RunCliAsync(TimeSpan.FromMinutes(3), null, "fulfilment", "ingest");
        Assert.True(finished.ExitCode == 0, finished.Output);
        output.WriteLine($"ingest after 1 kill: {finished.Output}");

        var settled = (await connection.QueryAsync<(string Status, int Fulfilments)>("""
            SELECT t.status, (SELECT COUNT(*) FROM events e WHERE e.transaction_id = t.id AND e.new_status = 'fulfilled')
            FROM transactions t WHERE t.bank_reference LIKE CONCAT(@Run, '-%')
            """, new { Run = run })).ToList();
        Assert.Equal(Rows, settled.Count);
        Assert.All(settled, t => Assert.Equal(("fulfilled", 1), t));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM handback_files WHERE programme_code = @Programme AND file_sequence = @Sequence AND outcome = 'applied'",
            new { Programme, big.Sequence }));
        await fixture.ForgetEventsAsync($"01KSH{run.ToUpperInvariant()}");

        await KilledPublish_SendsEveryEventOnceAsync(connection);
    }

    /// <summary>
    /// Publish: NVAL's queue only (the LUMO events above belong to HARB), first drained of what earlier tests left, then
    /// our events; killed with events on the queue not yet marked published. SQS FIFO deduplication (the event id) drops
    /// what the next run sends again.
    /// </summary>
    private async Task KilledPublish_SendsEveryEventOnceAsync(MySqlConnection connection)
    {
        var onlyNval = fixture.Aws.Settings.Keys.Where(k => k.StartsWith("Fulfilment__BankQueues__", StringComparison.Ordinal) && !k.EndsWith(EventBank, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(onlyNval);
        var drained = await RunCliAsync(TimeSpan.FromMinutes(3), onlyNval, "fulfilment", "publish");
        Assert.True(drained.ExitCode == 0, drained.Output);
        await DrainQueueAsync();

        var run = Guid.NewGuid().ToString("N")[..8];
        var events = (await SeedEventsAsync(run)).ToHashSet();
        await KillAtAsync("events on the queue not marked published", () => SentNotMarkedAsync(run), onlyNval, "publish");
        var finished = await RunCliAsync(TimeSpan.FromMinutes(3), onlyNval, "fulfilment", "publish");
        Assert.True(finished.ExitCode == 0, finished.Output);
        output.WriteLine($"publish after 1 kill: {finished.Output}");

        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM events WHERE event_id LIKE CONCAT('01KSE', UPPER(@Run), '%') AND published_at IS NULL", new { Run = run }));
        var received = (await DrainQueueAsync()).Where(events.Contains).ToList();
        Assert.Equal(Events, received.Count);
        Assert.Equal(events, received.ToHashSet());
    }

    /// <summary>Pending LUMO accruals written straight to the table: the API path is not what is under test here.</summary>
    private async Task<IReadOnlyList<string>> SeedPendingAsync(string run)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync($"""
            INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id, given_name,
                                      surname, amount, requested_at, status, attempts, event_sequence, created_at, updated_at)
            SELECT CONCAT('01KSH', UPPER(@Run), LPAD(seq, 13, '0')), 'HARB', CONCAT(@Run, '-', seq), UNHEX(SHA2(seq, 256)),
                   @Programme, '001234567889', NULL, NULL, 2500, UTC_TIMESTAMP(6), 'pending', 0, 1,
                   UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(6)
            FROM seq_1_to_{Rows}
            """, new { Run = run, Programme }, commandTimeout: 120);
        return [.. await connection.QueryAsync<string>(
            "SELECT id FROM transactions WHERE bank_reference LIKE CONCAT(@Run, '-%')", new { Run = run })];
    }

    /// <summary>NVAL transactions, each with its creation event not yet in the feed nor on the queue.</summary>
    private async Task<IReadOnlyList<string>> SeedEventsAsync(string run)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync($"""
            INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id, given_name,
                                      surname, amount, requested_at, status, attempts, event_sequence, created_at, updated_at)
            SELECT CONCAT('01KSP', UPPER(@Run), LPAD(seq, 13, '0')), @Bank, CONCAT(@Run, '-', seq), UNHEX(SHA2(seq, 256)),
                   'TAMR', 'TK004512', 'Anjali', 'Rao', 100, UTC_TIMESTAMP(6), 'pending', 0, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
            FROM seq_1_to_{Events};
            INSERT INTO events (event_id, bank_code, transaction_id, sequence, type, previous_status, new_status, occurred_at)
            SELECT CONCAT('01KSE', UPPER(@Run), LPAD(seq, 13, '0')), @Bank, CONCAT('01KSP', UPPER(@Run), LPAD(seq, 13, '0')), 1,
                   'transaction.status_changed', NULL, 'pending', UTC_TIMESTAMP(6)
            FROM seq_1_to_{Events};
            """, new { Run = run, Bank = EventBank }, commandTimeout: 120);
        return [.. await connection.QueryAsync<string>(
            "SELECT event_id FROM events WHERE event_id LIKE CONCAT('01KSE', UPPER(@Run), '%')", new { Run = run })];
    }

    /// <summary>
    /// Starts the step and SIGKILLs it the moment <paramref name="observed"/> sees the point reached. The point must be
    /// reached: a run that ends first fails the test, unless it found the work locked by the killed run's session (its
    /// statement still running), which is tried again.
    /// </summary>
    private async Task KillAtAsync(string point, Func<Task<bool>> observed, params string[] step) =>
        await KillAtAsync(point, observed, null, step);

    private async Task KillAtAsync(string point, Func<Task<bool>> observed, IReadOnlyList<string>? withoutSettings, params string[] step)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var process = StartCli(["fulfilment", .. step], withoutSettings);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (await ReachedAsync(process, observed, point))
            {
                process.Kill(entireProcessTree: true); // seen while the process ran: the point was reached
                await process.WaitForExitAsync();
                output.WriteLine($"killed at: {point} (attempt {attempt + 1})");
                return;
            }

            await stderr;

            var said = await stdout;
            var busy = said.Contains("another instance is", StringComparison.Ordinal) || said.Contains("published 0 events", StringComparison.Ordinal);
            Assert.True(busy, $"the run ended before it reached {point}: {said}");
            Assert.True(attempt < MaxBusyRetries, $"the work stayed locked by a killed run: {said}");
            await Task.Delay(TimeSpan.FromSeconds(1)); // a bounded pause between runs while the killed session ends
        }
    }

    /// <summary>True once <paramref name="observed"/> sees the point while the process still runs; false when it ends first.</summary>
    private static async Task<bool> ReachedAsync(Process process, Func<Task<bool>> observed, string point)
    {
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            if (await observed())
            {
                return !process.HasExited;
            }

            if (deadline.Elapsed > PointLimit)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{point}: not reached within {PointLimit} of a running step");
            }

            await Task.Delay(Poll);
        }

        return false;
    }

    private async Task<int> ClaimedBatchesAsync()
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM batches WHERE status = 'claimed' AND programme_code = @Programme", new { Programme });
    }

    /// <summary>A claim under way: LUMO rows given a batch, with fewer of them numbered in batch_rows.</summary>
    private async Task<bool> ClaimedNotNumberedAsync()
    {
        await using var connection = await UncommittedAsync();
        return await connection.ExecuteScalarAsync<bool>("""
            SELECT COUNT(*) > (SELECT COUNT(*) FROM batch_rows r JOIN batches b ON b.id = r.batch_id WHERE b.status = 'claimed')
            FROM transactions WHERE programme_code = @Programme AND status = 'pending' AND batch_id IS NOT NULL
            """, new { Programme });
    }

    /// <summary>Claimed batches whose file is already in the bucket: the upload happened, the commit has not.</summary>
    private async Task<bool> UploadedClaimedBatchesAsync()
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        var claimed = await connection.QueryAsync<string>(
            "SELECT CONCAT('outbound/', programme_code, '/', file_name) FROM batches WHERE status = 'claimed'");
        var uploaded = await fixture.S3.KeysAsync(fixture.Aws.Bucket, $"outbound/{Programme}/");
        return claimed.Intersect(uploaded).Any();
    }

    /// <summary>Some, not all, of the run's transactions have their <paramref name="status"/> event (uncommitted).</summary>
    private async Task<bool> HalfAsync(string run, string status)
    {
        await using var connection = await UncommittedAsync();
        var count = await connection.ExecuteScalarAsync<int>("""
            SELECT COUNT(*) FROM events e JOIN transactions t ON t.id = e.transaction_id
            WHERE t.bank_reference LIKE CONCAT(@Run, '-%') AND e.new_status = @Status
            """, new { Run = run, Status = status });
        return count is > 0 and < Rows;
    }

    /// <summary>More of the run's events on the queue than marked published: sent, not yet marked.</summary>
    private async Task<bool> SentNotMarkedAsync(string run)
    {
        var attributes = await fixture.Sqs.GetQueueAttributesAsync(fixture.Aws.BankQueue(EventBank), ["ApproximateNumberOfMessages"]);
        await using var connection = await fixture.OpenDatabaseAsync();
        var marked = await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM events WHERE event_id LIKE CONCAT('01KSE', UPPER(@Run), '%') AND published_at IS NOT NULL", new { Run = run });
        return attributes.ApproximateNumberOfMessages > marked && marked < Events;
    }

    /// <summary>Receives and deletes everything on the event bank's queue; returns the event ids, duplicates included.</summary>
    private async Task<List<string>> DrainQueueAsync()
    {
        var queue = fixture.Aws.BankQueue(EventBank);
        var ids = new List<string>();
        while (true)
        {
            var received = await fixture.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10, WaitTimeSeconds = 0 });
            if (received.Messages is not { Count: > 0 } messages)
            {
                return ids;
            }

            ids.AddRange(messages.Select(m => JsonDocument.Parse(m.Body).RootElement.GetProperty("eventId").GetString()!));
            await fixture.Sqs.DeleteMessageBatchAsync(queue, [.. messages.Select((m, i) => new DeleteMessageBatchRequestEntry($"{i}", m.ReceiptHandle))]);
        }
    }

    private async Task<MySqlConnection> UncommittedAsync()
    {
        var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
        return connection;
    }

    private async Task<(int ExitCode, string Output)> RunCliAsync(TimeSpan timeout, IReadOnlyList<string>? withoutSettings, params string[] args)
    {
        var dll = RepositoryRoot.ApiDll;
        var run = await Processes.RunAsync("dotnet", [dll, .. args], CliEnvironment(withoutSettings), timeout, Path.GetDirectoryName(dll));
        return (run.ExitCode, run.Output + run.Error);
    }

    private Process StartCli(string[] args, IReadOnlyList<string>? withoutSettings = null)
    {
        var dll = RepositoryRoot.ApiDll;
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in CliEnvironment(withoutSettings))
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>What the API's commands run with here: the test database and the local AWS, less <paramref name="withoutSettings"/>.</summary>
    private Dictionary<string, string> CliEnvironment(IReadOnlyList<string>? withoutSettings) =>
        new(fixture.Aws.Settings.Where(s => withoutSettings?.Contains(s.Key) != true))
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = fixture.ConnectionString,
        };
}
