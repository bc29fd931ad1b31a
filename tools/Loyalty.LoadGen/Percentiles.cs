namespace Loyalty.LoadGen;

/// <summary>Latency percentiles of a run, in milliseconds.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double Max)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0);

    public static LatencySummary From(IEnumerable<double> latencies)
    {
        var sorted = latencies.Order().ToArray();
        return sorted.Length == 0
            ? Empty
            : new LatencySummary(
                Percentiles.NearestRank(sorted, 50),
                Percentiles.NearestRank(sorted, 90),
                Percentiles.NearestRank(sorted, 99),
                sorted[^1]);
    }
}

public static class Percentiles
{
    /// <summary>
    /// The nearest-rank percentile: the smallest value with at least p% of the values at or below it. It
    /// is always a latency that was measured, never an interpolation between two.
    /// </summary>
    /// <param name="sorted">Ascending, at least one value.</param>
    /// <param name="percentile">Above 0, at most 100.</param>
    public static double NearestRank(IReadOnlyList<double> sorted, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        // p * n first: for whole percentiles that product is exact, so 90% of 10 is rank 9, not 10.
        var rank = (int)Math.Ceiling(percentile * sorted.Count / 100);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
