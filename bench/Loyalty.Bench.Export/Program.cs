using System.Diagnostics;
using System.Globalization;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;

// Export of N pending accruals (default 1,000,000) beside a raw streaming Dapper read of the same rows, in
// one run against the same MariaDB: rows/s of each and the process's peak memory. Settings come from the
// environment as for the API (Database__ConnectionString, Fulfilment__*, AWS_*). Prints one
// Markdown table row per measurement; bench/run.sh puts them in bench/results.md.
var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
// CORV: its files have no row-count limit, so a million rows make one file (LUMO's would split at 999,999).
const string Programme = "CORV";

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddLoyaltyDatabase(builder.Configuration);
builder.Services.AddSingleton<CatalogueStore>();
builder.Services.AddLoyaltyFulfilment(builder.Configuration, withWorker: false);
using var host = builder.Build();
await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
await host.Services.GetRequiredService<CatalogueStore>().LoadAsync(CancellationToken.None);
var database = host.Services.GetRequiredService<MySqlDataSource>();

// Anything pending from an earlier run goes first, so the measured batch is exactly the seeded rows.
var exporter = host.Services.GetRequiredService<BatchExporter>();
await exporter.ExportNowAsync(Programme, CancellationToken.None);
await using (var connection = await database.OpenConnectionAsync())
{
    var run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    await connection.ExecuteAsync($"""
        INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id, given_name,
                                  surname, amount, requested_at, status, attempts, event_sequence, created_at, updated_at)
        SELECT CONCAT('01BEN', @Run, LPAD(seq, 13, '0')), 'HARB', CONCAT('bench-', @Run, '-', seq), UNHEX(SHA2(seq, 256)),
               @Programme, '0047182902', 'Jörg', 'Müller', 12500, UTC_TIMESTAMP(6), 'pending', 0, 1,
               UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(6)
        FROM seq_1_to_{rows}
        """, new { Run = run, Programme }, commandTimeout: 600);
}

// The raw read: the same columns, streamed, nothing else done with them.
var raw = Stopwatch.StartNew();
long rawRows = 0, rawSum = 0;
await using (var connection = await database.OpenConnectionAsync())
{
    await foreach (var row in connection.QueryUnbufferedAsync<(string Id, string MemberId, string? GivenName, string? Surname, long Amount, DateTime RequestedAt, string BankCode)>("""
        SELECT id, member_id, given_name, surname, amount, requested_at, bank_code FROM transactions
        WHERE programme_code = @Programme AND status = 'pending' AND batch_id IS NULL ORDER BY created_at, id
        """, new { Programme }))
    {
        rawRows++;
        rawSum += row.Amount;
    }
}

raw.Stop();
var afterRead = Environment.WorkingSet;

var export = Stopwatch.StartNew();
var result = (await exporter.ExportNowAsync(Programme, CancellationToken.None)).Single();
export.Stop();
if (result.Rows != rawRows || result.AmountSum != rawSum)
{
    Console.Error.WriteLine($"export wrote {result.Rows} rows / {result.AmountSum}, the raw read saw {rawRows} / {rawSum}");
    return 1;
}

var peak = Process.GetCurrentProcess().PeakWorkingSet64;
var phases = result.Timings!;
var rawRate = rawRows / raw.Elapsed.TotalSeconds;
var exportRate = result.Rows / export.Elapsed.TotalSeconds;
var fileRate = result.Rows / phases.File.TotalSeconds;
string Verdict(bool met) => met ? "meets" : "MISSES";
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| Export of {rows:N0} pending accruals, end to end (claim, file, upload, submit + one event each) vs a raw streaming Dapper read of the same rows | {exportRate:F0} rows/s | {rawRate:F0} rows/s | {exportRate / rawRate:F2} | >= 0.5 ({Verdict(exportRate / rawRate >= 0.5)}) |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| Export file stage alone (stream rows, write the format, upload) vs the same raw read | {fileRate:F0} rows/s | {rawRate:F0} rows/s | {fileRate / rawRate:F2} | >= 0.5 ({Verdict(fileRate / rawRate >= 0.5)}) |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| Export peak memory (process working set; {afterRead / 1048576.0:F0} MB after the raw read) | {peak / 1048576.0:F0} MB | | | < 200 MB ({Verdict(peak < 200L * 1024 * 1024)}) |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"<!-- export phases: claim {phases.Claim.TotalSeconds:F1} s, file + upload {phases.File.TotalSeconds:F1} s, submit + events {phases.Submit.TotalSeconds:F1} s; raw read {raw.Elapsed.TotalSeconds:F1} s -->"));
return 0;
