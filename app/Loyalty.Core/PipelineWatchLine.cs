namespace Loyalty.Core;

/// <summary>
/// The fulfilment watch's log line: every instance's worker logs it once a minute (event <see cref="EventId"/>, one
/// JSON object), and the stage's metric filters read these fields of its <c>State</c> as CloudWatch metrics with
/// alarms. One home for the names both sides use.
/// </summary>
public static class PipelineWatchLine
{
    public const int EventId = 3950;

    /// <summary>Seconds since the oldest event not yet on its bank's queue was written (0 when none waits).</summary>
    public const string OldestUnpublishedSeconds = nameof(OldestUnpublishedSeconds);

    /// <summary>Batches still claiming or claimed, their file never confirmed, for over <see cref="StuckBatchMinutes"/>.</summary>
    public const string StuckBatches = nameof(StuckBatches);

    /// <summary>Programmes whose last daily cutoff passed over <see cref="MissedCutoffMinutes"/> ago with no export for it.</summary>
    public const string ProgrammesPastCutoff = nameof(ProgrammesPastCutoff);

    /// <summary>
    /// A claim of a million rows takes about half a minute and each export tick retries an unfinished batch, so one
    /// unconfirmed this long stays only while S3 or the database refuses it. The API's default; stages do not set it.
    /// </summary>
    public const int StuckBatchMinutes = 30;

    /// <summary>Time for the export tick (every 30 s) and a big claim after a cutoff. The API's default; stages do not set it.</summary>
    public const int MissedCutoffMinutes = 30;

    /// <summary>
    /// The outbox backlog that pages: a bank's notifications held up this long, well past the publisher's longest
    /// backoff (5 minutes), mean its queue refuses them and it polls the feed instead.
    /// </summary>
    public const int OldestUnpublishedAlarmSeconds = 900;
}
