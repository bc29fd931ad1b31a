using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Features.Fulfilment.Notifications;
using Microsoft.Extensions.Options;

namespace Loyalty.Api.Features.Fulfilment;

/// <summary>
/// Fulfilment inside every API instance: exports at each cutoff, ingests handbacks as the bucket
/// announces them (and by listing, as a safety net), publishes events, sweeps expiries, and watches the pipeline
/// (<see cref="PipelineWatch"/>). Every step takes a database lock or claim, so running it on every instance of a
/// fleet does each piece of work once; the watch only reads, so each instance reports the same numbers.
/// A failing step is logged and retried on the next tick; it never stops the others.
/// </summary>
/// <remarks>
/// The steps are resolved only once the worker knows it will run: an instance without fulfilment settings
/// (no bucket, no region) must still start and serve the API.
/// </remarks>
public sealed partial class FulfilmentWorker(
    IServiceProvider services,
    IOptions<FulfilmentOptions> options,
    TimeProvider time,
    ILogger<FulfilmentWorker> logger) : BackgroundService
{
    private const int IngestQueueWaitSeconds = 10;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.IsConfigured || !settings.WorkerEnabled)
        {
            LogIdle(settings.IsConfigured);
            return Task.CompletedTask;
        }

        var exporter = services.GetRequiredService<BatchExporter>();
        var intake = services.GetRequiredService<HandbackIntake>();
        var publisher = services.GetRequiredService<EventPublisher>();
        var sweep = services.GetRequiredService<ExpirySweep>();
        var watch = services.GetRequiredService<PipelineWatch>();

        return Task.WhenAll(
            EveryAsync(TimeSpan.FromSeconds(settings.ScheduleSeconds), "schedule", async ct =>
            {
                // Each part on its own: a failing export must not hold back the handbacks or the expiries.
                await GuardedAsync("export", exporter.ExportDueAsync, ct);
                await GuardedAsync("ingest listing", intake.IngestListedAsync, ct);
                await GuardedAsync("expiry sweep", sweep.SweepAsync, ct);
            }, stoppingToken),
            EveryAsync(TimeSpan.FromSeconds(settings.PublishSeconds), "publish", publisher.PublishAsync, stoppingToken),
            EveryAsync(TimeSpan.FromSeconds(settings.WatchSeconds), "watch", watch.MeasureAsync, stoppingToken),
            string.IsNullOrWhiteSpace(settings.IngestQueueUrl)
                ? Task.CompletedTask
                : EveryAsync(TimeSpan.FromSeconds(1), "ingest queue", ct => intake.IngestQueuedAsync(IngestQueueWaitSeconds, ct), stoppingToken));
    }

    private async Task EveryAsync(TimeSpan interval, string step, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            await GuardedAsync(step, work, stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task GuardedAsync(string step, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogStepFailed(e, step);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 3901, EventName = "FulfilmentIdle", Level = LogLevel.Information, Message = "Fulfilment worker idle (bucket configured: {Configured}; Fulfilment:WorkerEnabled is false or no Fulfilment:Bucket is set)")]
    private partial void LogIdle(bool configured);

    [LoggerMessage(EventId = 3902, EventName = "FulfilmentStepFailed", Level = LogLevel.Error, Message = "Fulfilment step '{Step}' failed; retrying on the next tick")]
    private partial void LogStepFailed(Exception exception, string step);
}
