using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MySqlConnector;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>
/// The watch against the fixture's database: what it counts as stuck or late, and the log line the stage's metric
/// filters read (infra/Observability.cs reads the fields named by <see cref="PipelineWatchLine"/>).
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class PipelineWatchTests(FulfilmentFixture fixture)
{
    private static readonly TimeSpan OverTheLimit = TimeSpan.FromMinutes(new FulfilmentOptions().StuckBatchMinutes + 1);

    [Fact]
    public async Task ABatchWhoseFileWasNeverConfirmed_IsStuckOnlyOnceOlderThanTheLimit()
    {
        await fixture.AccrueAsync(ProgrammeCase.Of("TAMR"));
        var export = (await fixture.Get<BatchExporter>().ExportNowAsync("TAMR", CancellationToken.None)).Single();
        var lines = new LineLogger();
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow + OverTheLimit);
        using var watchLater = Watch(later, lines);
        using var watchNow = Watch(TimeProvider.System, lines);

        var sent = await watchLater.MeasureAsync(CancellationToken.None);
        await SetBatchStatusAsync(export.FileName!, BatchStatus.Claimed); // as if the exporter died after its upload
        try
        {
            var unconfirmed = await watchLater.MeasureAsync(CancellationToken.None);
            Assert.Equal(sent.StuckBatches + 1, unconfirmed.StuckBatches);
            Assert.Equal(sent.StuckBatches, (await watchNow.MeasureAsync(CancellationToken.None)).StuckBatches);
        }
        finally
        {
            await SetBatchStatusAsync(export.FileName!, BatchStatus.Submitted);
        }

        // The line carries the counts as numbers under the names the metric filters read.
        var line = lines.Lines[1];
        Assert.Equal(PipelineWatchLine.EventId, line.EventId.Id);
        Assert.Equal(sent.StuckBatches + 1, Assert.IsType<int>(line.State[PipelineWatchLine.StuckBatches]));
        Assert.IsType<double>(line.State[PipelineWatchLine.OldestUnpublishedSeconds]);
        Assert.IsType<int>(line.State[PipelineWatchLine.ProgrammesPastCutoff]);
    }

    [Fact]
    public async Task AProgrammeWhoseCutoffPassedWithNoExport_IsLateOnceTheGraceIsOver_AndNotOnceExported()
    {
        var programme = fixture.Get<CatalogueStore>().Current.Programmes["CORV"];
        var grace = TimeSpan.FromMinutes(new FulfilmentOptions().MissedCutoffMinutes);
        // The next cutoff, still ahead of the real clock, so no export has been made for it.
        var cutoff = BatchExporter.LastCutoff(DateTimeOffset.UtcNow, programme.CutoffUtc).AddDays(1);
        var clock = new FakeTimeProvider(cutoff + grace - TimeSpan.FromSeconds(1));
        using var watch = Watch(clock, new LineLogger());

        Assert.DoesNotContain("CORV", (await watch.MeasureAsync(CancellationToken.None)).ProgrammesPastCutoff);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("CORV", (await watch.MeasureAsync(CancellationToken.None)).ProgrammesPastCutoff);

        // What the exporter records when it starts that cutoff's batch (or finds nothing to send), put back after.
        await using var connection = await fixture.OpenDatabaseAsync();
        var previous = await connection.ExecuteScalarAsync<DateTime?>(
            "SELECT last_cutoff_at FROM programme_exports WHERE programme_code = 'CORV'");
        await connection.ExecuteAsync(ExportSql.SaveCutoff, new { ProgrammeCode = "CORV", CutoffAt = cutoff.UtcDateTime });
        try
        {
            Assert.DoesNotContain("CORV", (await watch.MeasureAsync(CancellationToken.None)).ProgrammesPastCutoff);
        }
        finally
        {
            await connection.ExecuteAsync("UPDATE programme_exports SET last_cutoff_at = @Previous WHERE programme_code = 'CORV'",
                new { Previous = previous });
        }
    }

    private PipelineWatch Watch(TimeProvider time, ILogger<PipelineWatch> logger) =>
        new(fixture.Get<MySqlDataSource>(), fixture.Get<CatalogueStore>(), fixture.Get<IOptions<FulfilmentOptions>>(), time, logger);

    private async Task SetBatchStatusAsync(string fileName, string status)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        Assert.Equal(1, await connection.ExecuteAsync("UPDATE batches SET status = @Status WHERE programme_code = 'TAMR' AND file_name = @FileName",
            new { Status = status, FileName = fileName }));
    }

    /// <summary>
    /// Keeps each line's event and structured values with their types, which decide whether the JSON console formatter
    /// writes a number the metric filters can read (FakeLogger keeps only their text).
    /// </summary>
    private sealed class LineLogger : ILogger<PipelineWatch>
    {
        public List<(EventId EventId, Dictionary<string, object?> State)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((eventId, ((IReadOnlyList<KeyValuePair<string, object?>>)state!).ToDictionary(p => p.Key, p => p.Value)));
    }
}
