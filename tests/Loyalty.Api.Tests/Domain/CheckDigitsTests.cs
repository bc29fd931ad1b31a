using Loyalty.Api.Domain;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Domain;

public sealed class CheckDigitsTests
{
    [Theory]
    [InlineData("0047182902")]
    [InlineData("7310592642")]
    public void Luhn_AcceptsDomainExamples(string digits) => Assert.True(CheckDigits.Luhn(digits));

    [Fact]
    public void Luhn_RejectsWrongCheckDigit() => Assert.False(CheckDigits.Luhn("0047182903"));

    [Fact]
    public void Luhn_RejectsSwappedDigits() => Assert.False(CheckDigits.Luhn("7301592642"));

    [Fact]
    public void Luhn_IgnoresLeadingZeros_SoTheRegexMustKeepThemApart()
    {
        // Leading zeros add nothing to a Luhn sum; the id rule's regex is what keeps 47182902 apart.
        Assert.True(CheckDigits.Luhn("47182902"));
        Assert.True(CheckDigits.Luhn("0047182902"));
    }

    [Theory]
    [InlineData("314159266")]
    [InlineData("56000012X")]
    public void Mod11_AcceptsDomainExamples(string digits) => Assert.True(CheckDigits.Mod11(digits));

    [Fact]
    public void Mod11_RejectsWrongCheckDigit() => Assert.False(CheckDigits.Mod11("314159263"));

    [Fact]
    public void Mod11_RejectsSwappedDigits() => Assert.False(CheckDigits.Mod11("413159266"));

    [Fact]
    public void Mod11_RejectsLowercaseX_BecauseNormalisationUppercasesFirst() => Assert.False(CheckDigits.Mod11("56000012x"));

    [Fact]
    public void Mod11_RejectsDigitWhereCheckIsTen() => Assert.False(CheckDigits.Mod11("560000120"));

    [Theory]
    [InlineData("31415926")]
    [InlineData("3141592660")]
    [InlineData("X14159266")]
    public void Mod11_RejectsWrongLengthOrXOutsideCheckPosition(string digits) => Assert.False(CheckDigits.Mod11(digits));

    [Theory]
    [InlineData("001234567889")]
    [InlineData("440091827357")]
    public void Mod97_10_AcceptsDomainExamples(string digits) => Assert.True(CheckDigits.Mod97_10(digits));

    [Theory]
    [InlineData("001234567898")]
    [InlineData("440091827375")]
    public void Mod97_10_RejectsSwappedCheckDigits(string digits) => Assert.False(CheckDigits.Mod97_10(digits));

    [Fact]
    public void Mod97_10_HandlesTwelveDigitValuesBeyond32Bits()
    {
        // 999999999951 > uint.MaxValue; the check 51 = 98 − (9999999999·100 mod 97).
        Assert.True(CheckDigits.Mod97_10("999999999951"));
        Assert.False(CheckDigits.Mod97_10("999999999950"));
    }

    [Fact]
    public void Mod97_10_HandlesValuesBeyond64Bits()
    {
        // 30 digits: a value no 64-bit integer holds; 000…0001 is 1 mod 97.
        Assert.True(CheckDigits.Mod97_10(new string('0', 29) + "1"));
    }

    [Theory]
    [InlineData("572004136")]
    [InlineData("800112359")]
    [InlineData("100000006")]
    public void Damm_AcceptsDomainExamples(string digits) => Assert.True(CheckDigits.Damm(digits));

    [Fact]
    public void Damm_RejectsSwappedDigits() => Assert.False(CheckDigits.Damm("572004163"));

    [Fact]
    public void Damm_RejectsWrongCheckDigit() => Assert.False(CheckDigits.Damm("800112358"));

    [Fact]
    public void Damm_CheckDigitIsTheInterimAfterTheFirstEight()
    {
        // Every digit but the right one as the 9th must fail: exactly one check digit per prefix.
        var valid = Enumerable.Range(0, 10).Count(d => CheckDigits.Damm($"57200413{d}"));
        Assert.Equal(1, valid);
    }

    public static TheoryData<string> NonDigitInputs => new()
    {
        "",
        " ",
        "00471829O2",
        "0047182902 ",
        "-047182902",
        "\u0660\u0664\u0667\u0661\u0668\u0662\u0669\u0660\u0662", // Arabic-Indic digits: char.IsDigit says yes
        "\uFF10\uFF10\uFF14\uFF17", // full-width digits
        "\uD800",
        "X",
    };

    [Theory]
    [MemberData(nameof(NonDigitInputs))]
    public void AllAlgorithms_ReturnFalseInsteadOfThrowing_OnNonAsciiDigitInput(string input)
    {
        Assert.False(CheckDigits.Luhn(input));
        Assert.False(CheckDigits.Mod11(input));
        Assert.False(CheckDigits.Mod97_10(input));
        Assert.False(CheckDigits.Damm(input));
    }

    [Fact]
    public void AllAlgorithms_HandleVeryLongInputWithoutOverflow()
    {
        var zeros = new string('0', 100_000);
        Assert.True(CheckDigits.Luhn(zeros));
        Assert.False(CheckDigits.Mod11(zeros));
        Assert.False(CheckDigits.Mod97_10(zeros));
        Assert.True(CheckDigits.Damm(zeros));
        Assert.True(CheckDigits.Luhn(new string('9', 100_000) + "0"));
        Assert.False(CheckDigits.Luhn(new string('9', 100_000) + "1"));
    }

    [Theory]
    [InlineData("LUHN", "0047182902", "0047182903")]
    [InlineData("MOD11", "56000012X", "314159263")]
    [InlineData("MOD97_10", "440091827357", "440091827375")]
    [InlineData("DAMM", "572004136", "572004163")]
    public void Resolve_MapsStoredNameToItsAlgorithm(string algorithm, string valid, string invalid)
    {
        var check = CheckDigits.Resolve(algorithm);
        Assert.True(check(valid));
        Assert.False(check(invalid));
    }

    [Theory]
    [InlineData("")]
    [InlineData("anything at all")]
    [InlineData("0047182903")]
    public void Resolve_None_AcceptsEverything(string input) => Assert.True(CheckDigits.Resolve("NONE")(input));

    [Theory]
    [InlineData("ISBN")]
    [InlineData("luhn")]
    [InlineData("")]
    public void Resolve_UnknownName_ThrowsNamingIt(string algorithm)
    {
        var ex = Assert.Throws<ArgumentException>(() => CheckDigits.Resolve(algorithm));
        Assert.Contains($"'{algorithm}'", ex.Message, StringComparison.Ordinal);
    }
}
