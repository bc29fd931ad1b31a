using Loyalty.LoadGen;

namespace Loyalty.Platform.Tests.LoadGen;

/// <summary>The small formats of the command line and the log: trace ids, durations, accrual amounts.</summary>
public sealed class TraceIdsAndDurationsTests
{
    [Fact]
    public void TraceId_IsTheBaseThenTheSequenceNumberAsSixteenHexDigits() =>
        Assert.Equal("0123456789abcdef00000000000001ff", TraceIds.For("0123456789abcdef", 511));

    [Theory]
    [InlineData("0123456789ABCDEF", "0123456789abcdef")]
    [InlineData("00000000000000a1", "00000000000000a1")]
    public void TryParseBase_SixteenHexDigits_IsAcceptedInLowerCase(string text, string expected)
    {
        Assert.True(TraceIds.TryParseBase(text, out var baseId));
        Assert.Equal(expected, baseId);
    }

    [Theory]
    [InlineData("0123456789abcde")]
    [InlineData("0123456789abcdef0")]
    [InlineData("0123456789abcdeg")]
    [InlineData("0000000000000000")]
    [InlineData("")]
    public void TryParseBase_AnythingElse_IsRefused(string text) =>
        Assert.False(TraceIds.TryParseBase(text, out _));

    [Fact]
    public void NewBase_IsAValidBase() =>
        Assert.True(TraceIds.TryParseBase(TraceIds.NewBase(), out _));

    [Fact]
    public void TraceParent_IsVersion00_Sampled_WithASixteenHexSpanId()
    {
        var header = TraceIds.TraceParent("0123456789abcdef0000000000000001");

        Assert.Matches("^00-0123456789abcdef0000000000000001-[0-9a-f]{16}-01$", header);
        Assert.DoesNotContain("-0000000000000000-", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData(" 10s ", 10_000)]
    public void Durations_TryParse_ReadsUnitsAndSums(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("30 s")]
    [InlineData("-5s")]
    [InlineData("5x")]
    [InlineData("")]
    public void Durations_TryParse_RefusesNumbersWithoutUnitsAndJunk(string text) =>
        Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void AmountFor_StaysWithinLimitsAndOnTheMultiple()
    {
        var target = new AccrualTarget("HALC", new AmountRules(1_000, 3_000, 250), [new TestMember("572004136", "Jürgen", "Weiß")]);

        var amounts = Enumerable.Range(0, 50).Select(i => target.AmountFor(i)).ToList();

        Assert.All(amounts, a => Assert.InRange(a, 1_000, 3_000));
        Assert.All(amounts, a => Assert.Equal(0, a % 250));
        Assert.Equal(9, amounts.Distinct().Count());
    }

    [Fact]
    public void AmountFor_MinimumOffTheMultiple_StartsAtTheNextMultiple() =>
        Assert.Equal(150, new AccrualTarget("X", new AmountRules(101, 1_000, 50), []).AmountFor(0));

    [Fact]
    public void HasValidAmount_NoMultipleBetweenMinAndMax_IsFalse() =>
        Assert.False(AccrualTarget.HasValidAmount(new AmountRules(101, 149, 50)));
}
