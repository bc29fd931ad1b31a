using Loyalty.LoadGen;

namespace Loyalty.Platform.Tests.LoadGen;

/// <summary>The load generator's call mix: parsing, and the fixed interleaved cycle requests are dealt from.</summary>
public sealed class MixTests
{
    [Fact]
    public void Default_IsFiveCataloguesTwoProgrammesTwoValidationsOneAccrual()
    {
        Assert.Equal(
            new Dictionary<ApiCall, int> { [ApiCall.Catalogue] = 5, [ApiCall.Programme] = 2, [ApiCall.Validate] = 2, [ApiCall.Accrual] = 1 },
            Mix.Default.Weights);
        Assert.Equal("catalogue=5,programme=2,validate=2,accrual=1", Mix.Default.ToString());
    }

    [Fact]
    public void Parse_ToleratesSpacesAndCase_DropsZeros_AndPrintsInCallOrder()
    {
        var mix = Mix.Parse(" Accrual = 3 , catalogue=0, INSTANCE=1 ");

        Assert.Equal(new Dictionary<ApiCall, int> { [ApiCall.Accrual] = 3, [ApiCall.Instance] = 1 }, mix.Weights);
        Assert.Equal("accrual=3,instance=1", mix.ToString());
        Assert.False(mix.Uses(ApiCall.Catalogue));
    }

    [Fact]
    public void Parse_BareName_WeighsOne() =>
        Assert.Equal(new Dictionary<ApiCall, int> { [ApiCall.Instance] = 1 }, Mix.Parse("instance").Weights);

    [Theory]
    [InlineData("", "empty entry")]
    [InlineData("catalogue=5,", "empty entry")]
    [InlineData("catalog=5", "unknown call 'catalog'; the calls are catalogue, programme, validate, accrual, instance")]
    [InlineData("catalogue=-1", "the weight of catalogue must be a whole number from 0 to 1000, not '-1'")]
    [InlineData("catalogue=1.5", "not '1.5'")]
    [InlineData("catalogue=ten", "not 'ten'")]
    [InlineData("catalogue=1001", "not '1001'")]
    [InlineData("catalogue=1=2", "not '1=2'")]
    [InlineData("catalogue=1,Catalogue=2", "catalogue is listed twice")]
    [InlineData("catalogue=0,accrual=0", "at least one call needs a weight above 0")]
    public void Parse_BadText_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(Mix.TryParse(text, out var mix, out var error));
        Assert.Null(mix);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Throws<FormatException>(() => Mix.Parse(text)).Message);
    }

    [Fact]
    public void PickFor_DealsExactlyTheWeights_OverEveryWholeCycle()
    {
        var calls = Enumerable.Range(1, 1000).Select(seq => Mix.Default.PickFor(seq).Call).CountBy(c => c).ToDictionary();

        Assert.Equal(
            new Dictionary<ApiCall, int> { [ApiCall.Catalogue] = 500, [ApiCall.Programme] = 200, [ApiCall.Validate] = 200, [ApiCall.Accrual] = 100 },
            calls);
    }

    [Fact]
    public void PickFor_InterleavesTheCycle_InsteadOfRunningEachCallInABlock()
    {
        var cycle = Enumerable.Range(1, 10).Select(seq => Mix.Default.PickFor(seq).Call.Name());

        Assert.Equal(
            ["catalogue", "programme", "validate", "catalogue", "catalogue", "accrual", "catalogue", "programme", "validate", "catalogue"],
            cycle);
    }

    [Fact]
    public void PickFor_NumbersEachCallsRequestsZeroOneTwo_AcrossCycles()
    {
        var accrualOrdinals = Enumerable.Range(1, 40).Select(seq => Mix.Default.PickFor(seq))
            .Where(p => p.Call == ApiCall.Accrual).Select(p => p.Ordinal);
        var catalogueOrdinals = Enumerable.Range(1, 40).Select(seq => Mix.Default.PickFor(seq))
            .Where(p => p.Call == ApiCall.Catalogue).Select(p => p.Ordinal);

        Assert.Equal([0L, 1, 2, 3], accrualOrdinals);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), catalogueOrdinals);
    }

    [Fact]
    public void PickFor_IsTheSameForTheSameRequest() =>
        Assert.Equal(Mix.Parse("catalogue=3,accrual=2").PickFor(12_345), Mix.Parse("catalogue=3,accrual=2").PickFor(12_345));

    [Fact]
    public void PickFor_SingleCall_IsAlwaysThatCall() =>
        Assert.All(Enumerable.Range(1, 20), seq => Assert.Equal(new Pick(ApiCall.Instance, seq - 1), Mix.Parse("instance=7").PickFor(seq)));
}
