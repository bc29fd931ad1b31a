using System.Diagnostics.Metrics;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Events;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Core;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment;

/// <summary>
/// Measures, fleet-wide from the database, what says fulfilment is stuck while nothing fails loudly: how long the
/// oldest event has waited for its bank's queue, batches whose file was never confirmed, and programmes whose cutoff
/// passed with no export. Each measurement is logged as one line (<see cref="PipelineWatchLine"/>), which the stage's
/// metric filters turn into alarmed CloudWatch metrics, and kept for the <see cref="MeterName"/> meter's gauges.
/// </summary>
public sealed partial class PipelineWatch : IDisposable
{
    public const string MeterName = "Loyalty.Fulfilment";
    public const string OldestUnpublishedAgeMetric = "loyalty.events.oldest_unpublished_age";
    public const string StuckBatchesMetric = "loyalty.batches.stuck";
    public const string ProgrammesPastCutoffMetric = "loyalty.programmes.past_cutoff";

    private const string StuckBatchesSql = $"""
        SELECT COUNT(*) FROM batches
        WHERE status IN ('{BatchStatus.Claiming}', '{BatchStatus.Claimed}') AND created_at < @Before
        """;

    private const string LastCutoffsSql = "SELECT programme_code, last_cutoff_at FROM programme_exports";

    private readonly MySqlDataSource database;
    private readonly CatalogueStore catalogue;
    private readonly IOptions<FulfilmentOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<PipelineWatch> logger;
    private readonly Meter meter;
    private volatile PipelineMeasurement? last;

    public PipelineWatch(
        MySqlDataSource database,
        CatalogueStore catalogue,
        IOptions<FulfilmentOptions> options,
        TimeProvider time,
        ILogger<PipelineWatch> logger,
        IMeterFactory? meters = null)
    {
        this.database = database;
        this.catalogue = catalogue;
        this.options = options;
        this.time = time;
        this.logger = logger;
        meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        meter.CreateObservableGauge(OldestUnpublishedAgeMetric,
            () => (last?.OldestUnpublished ?? new Dictionary<string, double>()).Select(o => new Measurement<double>(o.Value, new KeyValuePair<string, object?>("bank", o.Key))),
            unit: "s", description: "Age of each bank's oldest event not yet on its queue.");
        meter.CreateObservableGauge(StuckBatchesMetric, () => last?.StuckBatches ?? 0,
            description: "Batches whose file was not confirmed within Fulfilment:StuckBatchMinutes.");
        meter.CreateObservableGauge(ProgrammesPastCutoffMetric, () => last?.ProgrammesPastCutoff.Count ?? 0,
            description: "Programmes whose last cutoff passed Fulfilment:MissedCutoffMinutes ago with no export for it.");
    }

    /// <summary>Measures now, logs the line the alarms read, and keeps the result for the gauges.</summary>
    public async Task<PipelineMeasurement> MeasureAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);

        var oldest = (await connection.QueryAsync<(string Bank, DateTime Oldest)>(new CommandDefinition(EventsSql.OldestUnpublished,
                new { Banks = settings.BankQueues.Keys.ToArray() }, cancellationToken: cancellationToken)))
            .ToDictionary(o => o.Bank, o => Math.Max(0, (now - new DateTimeOffset(o.Oldest, TimeSpan.Zero)).TotalSeconds), StringComparer.Ordinal);

        var stuck = await connection.ExecuteScalarAsync<int>(new CommandDefinition(StuckBatchesSql,
            new { Before = (now - TimeSpan.FromMinutes(settings.StuckBatchMinutes)).UtcDateTime }, cancellationToken: cancellationToken));

        var exported = (await connection.QueryAsync<(string Code, DateTime? LastCutoffAt)>(new CommandDefinition(LastCutoffsSql,
            cancellationToken: cancellationToken))).ToDictionary(e => e.Code, e => e.LastCutoffAt, StringComparer.Ordinal);
        var grace = TimeSpan.FromMinutes(settings.MissedCutoffMinutes);
        var pastCutoff = catalogue.Current.Programmes.Values
            .Where(p => BatchExporter.LastCutoff(now, p.CutoffUtc) is var cutoff
                && now - cutoff >= grace
                && !(exported.GetValueOrDefault(p.Code) >= cutoff.UtcDateTime))
            .Select(p => p.Code)
            .Order(StringComparer.Ordinal)
            .ToList();

        var measurement = new PipelineMeasurement(oldest, stuck, pastCutoff);
        last = measurement;
        var (oldestBank, oldestAge) = oldest.Count == 0 ? new KeyValuePair<string, double>("none", 0) : oldest.MaxBy(o => o.Value);
        var oldestSeconds = Math.Round(oldestAge);
        var late = pastCutoff.Count == 0 ? "none" : string.Join(',', pastCutoff);
        LogMeasured(logger, oldestSeconds, oldestBank, stuck, settings.StuckBatchMinutes, pastCutoff.Count, late);
        return measurement;
    }

    public void Dispose() => meter.Dispose();

    [LoggerMessage(EventId = PipelineWatchLine.EventId, EventName = "PipelineWatch", Level = LogLevel.Information,
        Message = "Fulfilment watch: oldest unpublished event {" + PipelineWatchLine.OldestUnpublishedSeconds + "} s (bank {OldestUnpublishedBank}), "
            + "{" + PipelineWatchLine.StuckBatches + "} batches unconfirmed for over {StuckBatchMinutes} min, "
            + "{" + PipelineWatchLine.ProgrammesPastCutoff + "} programmes past their cutoff with no export ({PastCutoffProgrammes})")]
    private static partial void LogMeasured(
        ILogger logger, double oldestUnpublishedSeconds, string oldestUnpublishedBank, int stuckBatches, int stuckBatchMinutes,
        int programmesPastCutoff, string pastCutoffProgrammes);
}

/// <summary>One look at the pipeline: per bank, the oldest unpublished event's age in seconds; the stuck batches; the late programmes.</summary>
public sealed record PipelineMeasurement(
    IReadOnlyDictionary<string, double> OldestUnpublished, int StuckBatches, IReadOnlyList<string> ProgrammesPastCutoff);
