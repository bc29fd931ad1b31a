using System.CommandLine;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Features.Fulfilment.Notifications;
using Loyalty.Core;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment;

/// <summary>
/// <c>fulfilment export|ingest|publish|sweep|status</c>: one run of a worker step, for operators and for
/// <c>make fulfil</c>. The same locks as the worker's, so running one beside a live fleet is safe.
/// </summary>
public static class FulfilmentCommands
{
    public static Command Create(Func<bool, IHost> buildHost)
    {
        var programme = new Option<string[]>("--programme")
        {
            Description = "Programme code(s) to export now (default: every programme whose cutoff has passed since its last export).",
            AllowMultipleArgumentsPerToken = true,
        };
        var export = new Command("export", "Write accrual files: one line per programme with rows, amount sum and file name.") { programme };
        export.SetAction((parse, cancellationToken) => RunAsync(buildHost, async (services, ct) =>
        {
            var exporter = services.GetRequiredService<BatchExporter>();
            var results = parse.GetValue(programme) is { Length: > 0 } codes
                ? (await Task.WhenAll(codes.Select(c => exporter.ExportNowAsync(c.ToUpperInvariant(), ct)))).SelectMany(r => r).ToList()
                : await exporter.ExportDueAsync(ct);
            foreach (var result in results)
            {
                Console.WriteLine(result);
            }

            return results.Any(r => r.Outcome == ExportOutcome.Failed) ? 1 : 0;
        }, cancellationToken));

        var ingest = new Command("ingest", "Apply every handback file under inbound/ not handled yet; one line per file.");
        ingest.SetAction((_, cancellationToken) => RunAsync(buildHost, async (services, ct) =>
        {
            var results = await services.GetRequiredService<HandbackIntake>().IngestListedAsync(ct);
            foreach (var result in results)
            {
                Console.WriteLine(result);
            }

            if (results.Count == 0)
            {
                Console.WriteLine("no new handback files");
            }

            return results.Any(r => r.Outcome is IngestOutcome.Refused or IngestOutcome.Quarantined) ? 3 : 0;
        }, cancellationToken));

        var publish = new Command("publish", "Send unpublished events to the bank queues.");
        publish.SetAction((_, cancellationToken) => RunAsync(buildHost, async (services, ct) =>
        {
            Console.WriteLine($"published {await services.GetRequiredService<EventPublisher>().PublishAsync(ct)} events");
            return 0;
        }, cancellationToken));

        var sweep = new Command("sweep", "Expire transactions submitted too long ago with no handback row.");
        sweep.SetAction((_, cancellationToken) => RunAsync(buildHost, async (services, ct) =>
        {
            Console.WriteLine($"expired {await services.GetRequiredService<ExpirySweep>().SweepAsync(ct)} transactions");
            return 0;
        }, cancellationToken));

        var status = new Command("status", "What was sent, what came back, and what is stuck.");
        status.SetAction((_, cancellationToken) => RunAsync(buildHost, async (services, ct) =>
        {
            await using var connection = await services.GetRequiredService<MySqlDataSource>().OpenConnectionAsync(ct);
            Console.WriteLine("Batches (newest 20):");
            foreach (var b in await connection.QueryAsync(new CommandDefinition(StatusSql.Batches, cancellationToken: ct)))
            {
                Console.WriteLine($"  {b.programme_code} #{b.file_sequence} {b.status,-9} {b.row_count,7} rows  amount {b.amount_sum,12}  {b.file_name}  open: {b.open_rows}");
            }

            Console.WriteLine("Handback files (newest 20):");
            foreach (var f in await connection.QueryAsync(new CommandDefinition(StatusSql.Handbacks, cancellationToken: ct)))
            {
                Console.WriteLine($"  {f.programme_code} #{f.file_sequence} {f.outcome,-9} {f.applied_count}/{f.row_count} applied, {f.anomaly_count} anomalies  {f.s3_key}{(f.error is null ? "" : "  " + f.error)}");
            }

            Console.WriteLine("Stuck:");
            foreach (var s in await connection.QueryAsync(new CommandDefinition(StatusSql.Stuck, cancellationToken: ct)))
            {
                Console.WriteLine($"  {s.what}: {s.count}");
            }

            return 0;
        }, cancellationToken));

        return new Command("fulfilment", "Run one fulfilment step against the configured database and AWS.")
        {
            export, ingest, publish, sweep, status,
        };
    }

    private static async Task<int> RunAsync(Func<bool, IHost> buildHost, Func<IServiceProvider, CancellationToken, Task<int>> run, CancellationToken cancellationToken)
    {
        using var host = buildHost(true);
        await host.Services.GetRequiredService<CatalogueStore>().LoadAsync(cancellationToken);
        return await run(host.Services, cancellationToken);
    }

    private static class StatusSql
    {
        public const string Batches = $"""
            SELECT b.programme_code, b.file_sequence, b.status, b.row_count, b.amount_sum, b.file_name,
                   (SELECT COUNT(*) FROM transactions t WHERE t.batch_id = b.id AND t.status = '{TransactionStatus.Submitted}') AS open_rows
            FROM batches b ORDER BY b.id DESC LIMIT 20
            """;

        public const string Handbacks = """
            SELECT programme_code, file_sequence, outcome, applied_count, row_count, anomaly_count, s3_key, error
            FROM handback_files ORDER BY id DESC LIMIT 20
            """;

        public const string Stuck = $"""
            SELECT 'batches claimed but not sent' AS what, COUNT(*) AS count FROM batches WHERE status IN ('{BatchStatus.Claiming}', '{BatchStatus.Claimed}')
            UNION ALL
            SELECT 'submitted past their expected date', COUNT(*) FROM transactions
              WHERE status = '{TransactionStatus.Submitted}' AND expected_by < UTC_DATE()
            UNION ALL
            SELECT 'events not yet sent to a bank queue', COUNT(*) FROM events WHERE published_at IS NULL
            """;
    }
}
