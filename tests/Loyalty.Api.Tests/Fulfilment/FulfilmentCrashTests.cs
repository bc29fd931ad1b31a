using System.Diagnostics;
using Dapper;
using Loyalty.Api.Features.Fulfilment.Formats;
using Loyalty.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// kill -9 of the <c>fulfilment</c> command at many points of an export and of an ingest, then a clean run:
/// no accrual lost, none in two files, no outcome applied twice.
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class FulfilmentCrashTests(FulfilmentFixture fixture, ITestOutputHelper output)
{
    private const int Rows = 60_000;

    // Timed kill points land in process start-up and in the claim; observed ones land exactly after the claim
    // commits and after the upload, before the batch is marked submitted, however fast or slow the machine is.
    private static readonly TimeSpan[] TimedKills = [TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.2)];
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private const int MaxRetries = 20;

    [Fact]
    public async Task KilledExportsAndIngests_NeverLoseDuplicateOrReapplyAnything()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = await SeedPendingAsync("LUMO", run);

        var killed = await KillAtEachAsync(
            [.. TimedKills.Select(After), WhenAsync(ClaimedBatchesAsync), WhenAsync(UploadedClaimedBatchesAsync)],
            ClaimedBatchesAsync, "export", "--programme", "LUMO");
        var finished = await RunCliAsync(TimeSpan.FromMinutes(3), "fulfilment", "export", "--programme", "LUMO");
        Assert.True(finished.ExitCode == 0, finished.Output);
        output.WriteLine($"export: {killed.Killed} runs killed, {killed.Interrupted} of them between claim and commit; then: {finished.Output}");
        Assert.True(killed.Interrupted >= 2, "the kills after the claim and after the upload left no claimed batch behind");

        await using var connection = await fixture.OpenDatabaseAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM batches WHERE status = 'claimed'"));
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
            "SELECT file_sequence, file_name, row_count FROM batches WHERE programme_code = 'LUMO' ORDER BY file_sequence")).ToList();
        Assert.Equal(Enumerable.Range(1, batches.Count), batches.Select(b => b.Sequence));
        var keys = await fixture.S3.KeysAsync(fixture.Aws.Bucket, "outbound/LUMO/");
        Assert.Equal(batches.Select(b => $"outbound/LUMO/{b.FileName}").Order(), keys.Order());
        var inFiles = new List<string>();
        foreach (var batch in batches)
        {
            var file = await fixture.ReadAccrualFileAsync("LUMO", batch.FileName);
            Assert.Equal(batch.RowCount, file.Lines.Count);
            inFiles.AddRange(file.Lines.Select(l => l.TransactionId));
        }

        // (A transaction of an earlier test may be in two files: a PROGRAMME_ERROR retry goes into the next one.)
        var seeded = ids.ToHashSet();
        var ours = inFiles.Where(seeded.Contains).ToList();
        Assert.Equal(Rows, ours.Count);
        Assert.Equal(seeded, ours.ToHashSet());

        // The programme answers the big file; the ingest is killed at the same points, then runs clean.
        var big = batches.Single(b => b.RowCount >= Rows);
        var accrualFile = await fixture.ReadAccrualFileAsync("LUMO", big.FileName);
        await fixture.PutHandbackAsync(accrualFile, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        killed = await KillAtEachAsync([.. TimedKills.Select(After)], null, "ingest");
        finished = await RunCliAsync(TimeSpan.FromMinutes(3), "fulfilment", "ingest");
        output.WriteLine($"ingest: {killed.Killed} runs killed; then: {finished.Output}");

        var settled = (await connection.QueryAsync<(string Status, int Fulfilments)>("""
            SELECT t.status, (SELECT COUNT(*) FROM events e WHERE e.transaction_id = t.id AND e.new_status = 'fulfilled')
            FROM transactions t WHERE t.bank_reference LIKE CONCAT(@Run, '-%')
            """, new { Run = run })).ToList();
        Assert.Equal(Rows, settled.Count);
        Assert.All(settled, t => Assert.Equal(("fulfilled", 1), t));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM handback_files WHERE programme_code = 'LUMO' AND file_sequence = @Sequence AND outcome = 'applied'",
            new { big.Sequence }));
    }

    /// <summary>Pending LUMO accruals written straight to the table: the API path is not what is under test here.</summary>
    private async Task<IReadOnlyList<string>> SeedPendingAsync(string programme, string run)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync($"""
            INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id, given_name,
                                      surname, amount, requested_at, status, attempts, event_sequence, created_at, updated_at)
            SELECT CONCAT('01KSH', UPPER(@Run), LPAD(seq, 13, '0')), 'HARB', CONCAT(@Run, '-', seq), UNHEX(SHA2(seq, 256)),
                   @Programme, '001234567889', NULL, NULL, 2500, UTC_TIMESTAMP(6), 'pending', 0, 1,
                   UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(6)
            FROM seq_1_to_{Rows}
            """, new { Run = run, Programme = programme }, commandTimeout: 120);
        return [.. await connection.QueryAsync<string>(
            "SELECT id FROM transactions WHERE bank_reference LIKE CONCAT(@Run, '-%')", new { Run = run })];
    }

    /// <summary>
    /// Starts the step once per kill point and SIGKILLs it when that point is reached, unless the run finishes first.
    /// Returns how many runs were killed, and of those how many left <paramref name="interruptedWork"/> behind.
    /// </summary>
    private async Task<(int Killed, int Interrupted)> KillAtEachAsync(
        IReadOnlyList<Func<Process, Task<bool>>> killPoints, Func<Task<int>>? interruptedWork, params string[] step)
    {
        var (killed, interrupted) = (0, 0);
        foreach (var reached in killPoints)
        {
            for (var attempt = 0; ; attempt++)
            {
                using var process = StartCli(["fulfilment", .. step]);
                if (await reached(process))
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    killed++;
                    interrupted += interruptedWork is null || await interruptedWork() > 0 ? 1 : 0;
                    break;
                }

                // The killed run's database session keeps its lock until the statement it was running ends,
                // so this run found the work taken and left it alone, as it should. Try the same point again.
                var said = await process.StandardOutput.ReadToEndAsync();
                if (!said.Contains("another instance is", StringComparison.Ordinal))
                {
                    Assert.True(killed > 0, "every run finished before it could be killed; the kill points test nothing");
                    return (killed, interrupted);
                }

                Assert.True(attempt < MaxRetries, $"the work stayed locked by a killed run: {said}");
                await Task.Delay(TimeSpan.FromSeconds(1)); // a bounded pause between runs, not a wait for an outcome
            }
        }

        return (killed, interrupted);
    }

    /// <summary>A kill point some time after start; false when the run ends before it.</summary>
    private static Func<Process, Task<bool>> After(TimeSpan delay) =>
        process => Task.FromResult(!process.WaitForExit(delay));

    /// <summary>A kill point the moment <paramref name="observed"/> sees work; false when the run ends before it.</summary>
    private static Func<Process, Task<bool>> WhenAsync(Func<Task<int>> observed) => async process =>
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!process.HasExited)
        {
            if (await observed() > 0)
            {
                return !process.HasExited;
            }

            await Task.Delay(Poll, deadline.Token);
        }

        return false;
    };

    private async Task<int> ClaimedBatchesAsync()
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM batches WHERE status = 'claimed'");
    }

    /// <summary>Claimed batches whose file is already in the bucket: the upload happened, the commit has not.</summary>
    private async Task<int> UploadedClaimedBatchesAsync()
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        var claimed = await connection.QueryAsync<string>(
            "SELECT CONCAT('outbound/', programme_code, '/', file_name) FROM batches WHERE status = 'claimed'");
        var uploaded = await fixture.S3.KeysAsync(fixture.Aws.Bucket, "outbound/LUMO/");
        return claimed.Intersect(uploaded).Count();
    }

    private async Task<(int ExitCode, string Output)> RunCliAsync(TimeSpan timeout, params string[] args)
    {
        using var process = StartCli(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private Process StartCli(string[] args)
    {
        var dll = ApiProcess.ApiDll();
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Test";
        start.Environment["Database__ConnectionString"] = fixture.ConnectionString;
        foreach (var (key, value) in fixture.Aws.Settings)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
