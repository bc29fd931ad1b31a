using Loyalty.LoadGen;

namespace Loyalty.Platform.Tests.LoadGen;

/// <summary>Nearest-rank percentiles: always a measured latency, never an interpolation.</summary>
public sealed class PercentilesTests
{
    private static readonly double[] OneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    [InlineData(50, 5)]
    [InlineData(90, 9)]
    [InlineData(99, 10)]
    [InlineData(100, 10)]
    [InlineData(10, 1)]
    [InlineData(11, 2)]
    [InlineData(0.1, 1)]
    public void NearestRank_OfOneToTen_IsTheSmallestValueWithThatShareAtOrBelowIt(double percentile, double expected) =>
        Assert.Equal(expected, Percentiles.NearestRank(OneToTen, percentile));

    [Fact]
    public void NearestRank_OfOneValue_IsThatValueForEveryPercentile()
    {
        double[] one = [42.5];

        Assert.All(new[] { 1.0, 50, 90, 99, 100 }, p => Assert.Equal(42.5, Percentiles.NearestRank(one, p)));
    }

    [Fact]
    public void NearestRank_OfAThousand_P99IsThe990th()
    {
        var values = Enumerable.Range(1, 1000).Select(i => (double)i).ToArray();

        Assert.Equal(990, Percentiles.NearestRank(values, 99));
        Assert.Equal(900, Percentiles.NearestRank(values, 90));
        Assert.Equal(500, Percentiles.NearestRank(values, 50));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100.5)]
    public void NearestRank_PercentileOutsideZeroToHundred_Throws(double percentile) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank(OneToTen, percentile));

    [Fact]
    public void NearestRank_NoValues_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank([], 50));

    [Fact]
    public void LatencySummary_SortsItsInput()
    {
        var summary = LatencySummary.From([7, 3, 10, 1, 9, 2, 8, 4, 6, 5]);

        Assert.Equal(new LatencySummary(5, 9, 10, 10), summary);
    }

    [Fact]
    public void LatencySummary_OfNothing_IsZeros() =>
        Assert.Equal(new LatencySummary(0, 0, 0, 0), LatencySummary.From([]));
}
