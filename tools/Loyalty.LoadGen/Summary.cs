using System.Text.Json.Serialization;

namespace Loyalty.LoadGen;

/// <summary>
/// The end-of-run summary; serialised as is for <c>--report</c> (the platform tests parse these names).
/// </summary>
/// <param name="PerInstance">Requests per <c>X-Served-By</c>, else per <c>X-Upstream</c>, else <c>(none)</c>.</param>
/// <param name="Errors">Failed requests per error kind.</param>
/// <param name="Calls">Requests per call name.</param>
public sealed record Summary(
    long Requests,
    long Succeeded,
    long Failed,
    double ElapsedSeconds,
    double RequestsPerSecond,
    IReadOnlyDictionary<string, long> PerInstance,
    LatencySummary LatencyMs,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyDictionary<string, long> Calls)
{
    /// <summary>
    /// Requests of the busiest instance over those of the idlest, among instances that named themselves
    /// (X-Served-By): an nginx 502 names only its upstream address, which is not an instance's share.
    /// Null when no instance answered.
    /// </summary>
    [JsonIgnore]
    public double? BusiestToIdlest { get; init; }
}

/// <summary>Folds request records into a <see cref="Summary"/>; fed by one task, so it needs no locks.</summary>
public sealed class SummaryBuilder
{
    public const string NoInstance = "(none)";

    private readonly List<double> latencies = [];
    private readonly Dictionary<string, long> perInstance = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> servedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> errors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> calls = new(StringComparer.Ordinal);
    private long succeeded;

    public long Count => latencies.Count;

    public long Failed => Count - succeeded;

    public void Add(RequestRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        latencies.Add(record.Ms);
        Increment(perInstance, record.Instance ?? record.Upstream ?? NoInstance);
        if (record.Instance is { } instance)
        {
            Increment(servedBy, instance);
        }

        Increment(calls, record.Call);
        if (record.Error is { } error)
        {
            Increment(errors, error);
        }
        else
        {
            succeeded++;
        }
    }

    public Summary Build(TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var callOrder = LoadGen.ApiCalls.All.Select(c => c.Name()).ToList();
        return new Summary(
            Count,
            succeeded,
            Failed,
            Math.Round(seconds, 3),
            seconds > 0 ? Math.Round(Count / seconds, 2) : 0,
            perInstance.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(),
            LatencySummary.From(latencies),
            errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).ToDictionary(),
            calls.OrderBy(c => callOrder.IndexOf(c.Key) is var i and >= 0 ? i : int.MaxValue)
                .ThenBy(c => c.Key, StringComparer.Ordinal).ToDictionary())
        {
            BusiestToIdlest = servedBy.Count == 0 ? null : Math.Round((double)servedBy.Values.Max() / servedBy.Values.Min(), 2),
        };
    }

    private static void Increment(Dictionary<string, long> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;
}
