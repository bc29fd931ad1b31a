using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Bench;

/// <summary>
/// Export and handback ingest of a million rows against the limit of the same work: the same set-based SQL issued raw on
/// a twin of the rows (identical values, under another programme of the same bank), committed as the product commits.
/// The twin goes first, so neither side runs on the other's undo. Export and ingest run in processes of their own, so
/// each peak working set is that path's alone.
/// </summary>
public static class FulfilmentBench
{
    // CORV: its files have no row-count limit, so a million rows make one file (LUMO's would split at 999,999).
    private const string Programme = "CORV";

    /// <summary>Where the raw same work runs: HARB offers it too, and nothing in the bench exports it.</summary>
    private const string Twin = "HALC";
    private const int BulkTimeoutSeconds = 1800;

    /// <summary>The raw settle goes in ranges as big as the parts the ingester decides together.</summary>
    private const int SettleRangeRows = HandbackIngester.PartRows;
    private const double Megabyte = 1024 * 1024;

    public static async Task<int> ExportAsync(int rows)
    {
        using var host = await StartAsync();
        var database = host.Services.GetRequiredService<MySqlDataSource>();
        var exporter = host.Services.GetRequiredService<BatchExporter>();
        // Anything pending from an earlier run goes first, so the measured batch is exactly the seeded rows.
        await exporter.ExportNowAsync(Programme, CancellationToken.None);
        await SeedAsync(database, rows, Programme);
        await SeedAsync(database, rows, Twin);

        var (read, readRows, readSum) = await RawReadAsync(database);
        var rawPhases = new List<string>();
        var sameWork = await TimedAsync(database, async (connection, transaction) =>
        {
            var now = DateTime.UtcNow;
            var phase = Stopwatch.GetTimestamp();
            void Phase(string name)
            {
                rawPhases.Add($"{name} {Stopwatch.GetElapsedTime(phase).TotalSeconds:F1} s");
                phase = Stopwatch.GetTimestamp();
            }

            var batchId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ExportSql.CreateBatch, new
            {
                ProgrammeCode = Twin, FileSequence = RawSql.NextSequence(), CutoffAt = now, FileName = "bench-raw", Now = now,
            }, transaction));
            await connection.ExecuteAsync(new CommandDefinition(ExportSql.Claim,
                new
                {
                    BatchId = batchId, ProgrammeCode = Twin, CutoffAt = now, AfterCreatedAt = (DateTime?)null, AfterId = (string?)null,
                    EndCreatedAt = (DateTime?)null, EndId = (string?)null, Limit = rows,
                }, transaction, BulkTimeoutSeconds));
            Phase("claim");
            await connection.ExecuteAsync(new CommandDefinition(ExportSql.NumberRows, new { BatchId = batchId }, transaction, BulkTimeoutSeconds));
            Phase("number");
            await ReadAllAsync(connection, transaction, ExportSql.Lines, new { BatchId = batchId });
            Phase("read");
            await connection.ExecuteAsync(new CommandDefinition(RawSql.Submit, new
            {
                BatchId = batchId, Now = now, ExpectedBy = now.Date.AddDays(5),
                EventPrefix = TransactionLifecycle.BatchEventIdPrefix(DateTimeOffset.UtcNow), PreviousStatus = TransactionStatus.Pending,
            }, transaction, BulkTimeoutSeconds));
            await connection.ExecuteAsync(new CommandDefinition(ExportSql.CloseBatch,
                new { BatchId = batchId, Now = now, Sha256 = new byte[32] }, transaction));
            Phase("submit + events");
        });

        var started = Stopwatch.GetTimestamp();
        var result = (await exporter.ExportNowAsync(Programme, CancellationToken.None)).Single();
        var export = Stopwatch.GetElapsedTime(started);
        if (result.Rows != readRows || result.AmountSum != readSum)
        {
            Console.Error.WriteLine($"export wrote {result.Rows} rows / {result.AmountSum}, the raw read saw {readRows} / {readSum}");
            return 1;
        }

        var phases = result.Timings!;
        Emit(BenchRow.Compare("export-end-to-end", result.Rows / export.TotalSeconds, rows / sameWork.TotalSeconds, "rows/s",
            $"{rows:N0} rows: claim {phases.Claim.TotalSeconds:F1} s, file + upload {phases.File.TotalSeconds:F1} s, " +
            $"submit + events {phases.Submit.TotalSeconds:F1} s; the raw same work {sameWork.TotalSeconds:F1} s ({string.Join(", ", rawPhases)}, commit)"));
        Emit(BenchRow.Compare("export-file-stage", result.Rows / phases.File.TotalSeconds, readRows / read.TotalSeconds, "rows/s",
            $"raw read {read.TotalSeconds:F1} s"));
        Emit(new BenchRow("export-peak-mb", null, null, "MB", Value: Math.Round(PeakMegabytes(), 1)));
        return 0;
    }

    /// <summary>The programme's side: answers the last exported file, every row credited, into inbound/; prints the key.</summary>
    public static async Task<int> HandbackAsync()
    {
        using var host = await StartAsync();
        var s3 = host.Services.GetRequiredService<IAmazonS3>();
        var bucket = host.Services.GetRequiredService<IOptions<FulfilmentOptions>>().Value.Bucket;
        await using var connection = await host.Services.GetRequiredService<MySqlDataSource>().OpenConnectionAsync();
        var fileName = await connection.QuerySingleAsync<string>(RawSql.LastSubmittedFile, new { ProgrammeCode = Programme });
        var spec = ProgrammeDefinitions.Get(Programme).Exchange;
        using var accrual = await s3.GetObjectAsync(bucket, $"{BucketPrefixes.Outbound}{Programme}/{fileName}");
        await using var handback = TemporaryFile();
        var settings = new SimulatorSettings
        {
            Members = await SeededMembers.LoadAsync(SeededMembers.DefaultPath, CancellationToken.None), AcceptUnknownMembers = true,
        };
        var answer = await ProgrammeSimulator.AnswerFileAsync(
            spec, settings, accrual.ResponseStream, fileName, handback, DateTimeOffset.UtcNow, CancellationToken.None);
        handback.Position = 0;
        var key = $"{BucketPrefixes.Inbound}{Programme}/{answer.HandbackFileName}";
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = handback, AutoCloseStream = false });
        Console.WriteLine(key);
        return 0;
    }

    public static async Task<int> IngestAsync(string key)
    {
        using var host = await StartAsync();
        var database = host.Services.GetRequiredService<MySqlDataSource>();
        int rows;
        long twinBatch;
        await using (var connection = await database.OpenConnectionAsync())
        {
            rows = (await connection.QuerySingleAsync<(long Id, int Rows)>(RawSql.LastSubmittedBatch, new { ProgrammeCode = Programme })).Rows;
            twinBatch = (await connection.QuerySingleAsync<(long Id, int Rows)>(RawSql.LastSubmittedBatch, new { ProgrammeCode = Twin })).Id;
        }

        var spec = ProgrammeDefinitions.Get(Programme).Exchange;
        _ = spec.OutcomeCodes.TryGetCode(CanonicalOutcome.Success, out var credited);
        var sameWork = await TimedAsync(database, async (connection, transaction) =>
        {
            var eventPrefix = TransactionLifecycle.BatchEventIdPrefix(DateTimeOffset.UtcNow);
            for (var after = 0; after < rows; after += SettleRangeRows)
            {
                var range = new { BatchId = twinBatch, After = after, Until = after + SettleRangeRows };
                await ReadAllAsync(connection, transaction, RawSql.BatchItems, range);
                await connection.ExecuteAsync(new CommandDefinition(RawSql.Settle, new
                {
                    range.BatchId, range.After, range.Until, Now = DateTime.UtcNow, OutcomeCode = CanonicalOutcome.Success.ToCode(),
                    ProgrammeOutcomeCode = credited, Reason = "Credited", EventPrefix = eventPrefix, PreviousStatus = TransactionStatus.Submitted,
                }, transaction, BulkTimeoutSeconds));
            }
        });

        var started = Stopwatch.GetTimestamp();
        var result = await host.Services.GetRequiredService<HandbackIngester>().IngestAsync(key, CancellationToken.None);
        var ingest = Stopwatch.GetElapsedTime(started);
        if (result.Outcome != IngestOutcome.Applied || result.Applied != rows)
        {
            Console.Error.WriteLine($"ingest of {key}: {result}, expected {rows} rows applied");
            return 1;
        }

        Emit(BenchRow.Compare("ingest-end-to-end", result.Applied / ingest.TotalSeconds, rows / sameWork.TotalSeconds, "rows/s",
            $"{rows:N0} outcomes: {ingest.TotalSeconds:F1} s; the raw same work {sameWork.TotalSeconds:F1} s"));
        Emit(new BenchRow("ingest-peak-mb", null, null, "MB", Value: Math.Round(PeakMegabytes(), 1)));
        return 0;
    }

    private static async Task<IHost> StartAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddLoyaltyDatabase(builder.Configuration);
        builder.Services.AddSingleton<CatalogueStore>();
        builder.Services.AddLoyaltyFulfilment(builder.Configuration, withWorker: false);
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await host.Services.GetRequiredService<CatalogueStore>().LoadAsync(CancellationToken.None);
        return host;
    }

    private static async Task SeedAsync(MySqlDataSource database, int rows, string programme)
    {
        await using var connection = await database.OpenConnectionAsync();
        var run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await connection.ExecuteAsync(RawSql.Seed(rows), new { Run = run, ProgrammeCode = programme }, commandTimeout: BulkTimeoutSeconds);
    }

    /// <summary>The columns the file needs, streamed, nothing else done with them.</summary>
    private static async Task<(TimeSpan Elapsed, long Rows, long Sum)> RawReadAsync(MySqlDataSource database)
    {
        var started = Stopwatch.GetTimestamp();
        long rows = 0, sum = 0;
        await using var connection = await database.OpenConnectionAsync();
        await foreach (var row in connection.QueryUnbufferedAsync<(string Id, string MemberId, string? GivenName, string? Surname, long Amount, DateTime RequestedAt, string BankCode)>(
                           RawSql.PendingRows, new { ProgrammeCode = Programme }))
        {
            rows++;
            sum += row.Amount;
        }

        return (Stopwatch.GetElapsedTime(started), rows, sum);
    }

    /// <summary>Times <paramref name="work"/> in one transaction, committed.</summary>
    private static async Task<TimeSpan> TimedAsync(MySqlDataSource database, Func<MySqlConnection, MySqlTransaction, Task> work)
    {
        await using var connection = await database.OpenConnectionAsync();
        var started = Stopwatch.GetTimestamp();
        await using var transaction = await connection.BeginTransactionAsync();
        await work(connection, transaction);
        await transaction.CommitAsync();
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Streams every row of <paramref name="sql"/> through the driver and drops it.</summary>
    private static async Task ReadAllAsync(MySqlConnection connection, MySqlTransaction transaction, string sql, object parameters)
    {
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, transaction, BulkTimeoutSeconds));
        while (await reader.ReadAsync())
        {
        }
    }

    private static FileStream TemporaryFile() => new(Path.Combine(Path.GetTempPath(), $"loyalty-bench-{Guid.NewGuid():N}.tmp"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private static double PeakMegabytes() => Process.GetCurrentProcess().PeakWorkingSet64 / Megabyte;

    private static void Emit(BenchRow row) => Console.WriteLine(row.ToJson());
}
