using System.ComponentModel.DataAnnotations;
using Loyalty.Core;

namespace Loyalty.Api.Features.Fulfilment;

/// <summary>
/// Where partner files and notifications go: the stage's SSM parameters under <c>/loyalty/&lt;stage&gt;/api/</c>, which
/// the boot step turns into settings; locally the same parameters of the dev stage deployed into the emulator
/// (scripts/local-aws.sh env). The AWS endpoint itself is the SDK's standard <c>AWS_ENDPOINT_URL</c> (unset in AWS).
/// </summary>
public sealed class FulfilmentOptions
{
    public const string Section = "Fulfilment";

    /// <summary>The partner-files bucket: accrual files under outbound/{CODE}/, handbacks under inbound/{CODE}/.</summary>
    public string? Bucket { get; set; }

    /// <summary>The queue the bucket notifies of new inbound objects.</summary>
    public string? IngestQueueUrl { get; set; }

    /// <summary>Bank code → URL of that bank's FIFO notification queue.</summary>
    public Dictionary<string, string> BankQueues { get; set; } = [];

    /// <summary>Runs the scheduled export, ingest, publisher and sweep inside this API process.</summary>
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>How often the worker checks cutoffs, lists inbound/ as a safety net, and sweeps expiries.</summary>
    [Range(1, 3600)]
    public int ScheduleSeconds { get; set; } = 30;

    /// <summary>How often unpublished events are sent to the bank queues.</summary>
    [Range(1, 3600)]
    public int PublishSeconds { get; set; } = 2;

    /// <summary>Calendar days after dispatch with no usable handback row before a transaction expires (DOMAIN.md §2).</summary>
    [Range(1, 365)]
    public int ExpiryDays { get; set; } = 10;

    /// <summary>Dispatches allowed before PROGRAMME_ERROR becomes final (DOMAIN.md §6).</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Caps the rows of one accrual file below what the format allows (a programme's agreed file size);
    /// a bigger batch goes out as several files of the same cutoff.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? MaxRowsPerFile { get; set; }

    /// <summary>How often each instance measures the pipeline and logs the line its alarms read (<see cref="PipelineWatch"/>).</summary>
    [Range(10, 3600)]
    public int WatchSeconds { get; set; } = 60;

    /// <summary>A batch whose file is still unconfirmed after this long is stuck.</summary>
    [Range(1, 1440)]
    public int StuckBatchMinutes { get; set; } = PipelineWatchLine.StuckBatchMinutes;

    /// <summary>A programme whose cutoff passed this long ago with no export for it has missed its cutoff.</summary>
    [Range(1, 1440)]
    public int MissedCutoffMinutes { get; set; } = PipelineWatchLine.MissedCutoffMinutes;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Bucket);
}
