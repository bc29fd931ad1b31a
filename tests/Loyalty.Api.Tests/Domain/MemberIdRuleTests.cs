using Loyalty.Api.Domain;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Domain;

[Collection(ApiSuite.Name)]
public sealed class MemberIdRuleTests(ApiFixture api)
{
    private const string Format = "MEMBER_ID_FORMAT";
    private const string CheckDigit = "MEMBER_ID_CHECK_DIGIT";

    [Theory]
    // CORV: remove spaces, 10 digits, Luhn.
    [InlineData("CORV", "0047182902", "0047182902")]
    [InlineData("CORV", "7310592642", "7310592642")]
    [InlineData("CORV", "0047 1829 02", "0047182902")]
    [InlineData("CORV", " 0047182902 ", "0047182902")]
    // QUIL: trim, uppercase, 8 digits + digit/X, mod 11.
    [InlineData("QUIL", "314159266", "314159266")]
    [InlineData("QUIL", "56000012X", "56000012X")]
    [InlineData("QUIL", "56000012x", "56000012X")]
    [InlineData("QUIL", "  56000012x\t", "56000012X")]
    // TAMR: trim, uppercase, two letters without I/O + 6 digits, no check digit.
    [InlineData("TAMR", "TK004512", "TK004512")]
    [InlineData("TAMR", "MN998201", "MN998201")]
    [InlineData("TAMR", " tk004512 ", "TK004512")]
    // LUMO: remove spaces, 12 digits, mod 97-10.
    [InlineData("LUMO", "001234567889", "001234567889")]
    [InlineData("LUMO", "440091827357", "440091827357")]
    [InlineData("LUMO", "4400 9182 7357", "440091827357")]
    // HALC: trim only, 9 digits, Damm.
    [InlineData("HALC", "572004136", "572004136")]
    [InlineData("HALC", "800112359", "800112359")]
    [InlineData("HALC", " 100000006 ", "100000006")]
    // VERD: trim, uppercase, remove hyphens, 8 Crockford chars, no check digit.
    [InlineData("VERD", "7KQ4-M2ZD", "7KQ4M2ZD")]
    [InlineData("VERD", "7KQ4M2ZD", "7KQ4M2ZD")]
    [InlineData("VERD", " 7kq4-m2zd ", "7KQ4M2ZD")]
    public void Check_AcceptsValidIds_AndReturnsTheNormalisedForm(string programme, string raw, string normalised)
    {
        var result = api.MemberIdRule(programme).Check(raw);

        Assert.Equal(new MemberIdCheck(normalised, null), result);
        Assert.True(result.IsValid);
    }

    [Theory]
    [InlineData("CORV", "0047182903", "0047182903", CheckDigit)]
    [InlineData("CORV", "7301592642", "7301592642", CheckDigit)]
    [InlineData("CORV", "47182902", "47182902", Format)]
    [InlineData("CORV", "00471829021", "00471829021", Format)]
    [InlineData("CORV", "0047-1829-02", "0047-1829-02", Format)]
    [InlineData("QUIL", "314159263", "314159263", CheckDigit)]
    [InlineData("QUIL", "413159266", "413159266", CheckDigit)]
    [InlineData("QUIL", "5600001X2", "5600001X2", Format)]
    [InlineData("QUIL", "3141592 66", "3141592 66", Format)]
    [InlineData("TAMR", "IO123456", "IO123456", Format)]
    [InlineData("TAMR", "TK00451", "TK00451", Format)]
    [InlineData("TAMR", "TI004512", "TI004512", Format)]
    [InlineData("TAMR", "OK004512", "OK004512", Format)]
    [InlineData("LUMO", "001234567898", "001234567898", CheckDigit)]
    [InlineData("LUMO", "440091827375", "440091827375", CheckDigit)]
    [InlineData("LUMO", "1234567889", "1234567889", Format)]
    [InlineData("HALC", "572004163", "572004163", CheckDigit)]
    [InlineData("HALC", "800112358", "800112358", CheckDigit)]
    [InlineData("HALC", "572 004 136", "572 004 136", Format)]
    [InlineData("VERD", "7KQ4M2ZL", "7KQ4M2ZL", Format)]
    [InlineData("VERD", "7KQ4M2Z", "7KQ4M2Z", Format)]
    [InlineData("VERD", "7KQ4M2ZI", "7KQ4M2ZI", Format)]
    [InlineData("VERD", "7KQ4M2ZO", "7KQ4M2ZO", Format)]
    [InlineData("VERD", "7KQ4-M2ZU", "7KQ4M2ZU", Format)]
    public void Check_RefusesInvalidIds_WithTheExactCode(string programme, string raw, string normalised, string code)
    {
        var result = api.MemberIdRule(programme).Check(raw);

        Assert.Equal(new MemberIdCheck(normalised, code), result);
        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("CORV")]
    [InlineData("QUIL")]
    [InlineData("TAMR")]
    [InlineData("LUMO")]
    [InlineData("HALC")]
    [InlineData("VERD")]
    public void Check_Null_IsAFormatErrorWithNoNormalisedId(string programme) =>
        Assert.Equal(new MemberIdCheck(null, Format), api.MemberIdRule(programme).Check(null));

    [Theory]
    [InlineData("CORV")]
    [InlineData("QUIL")]
    [InlineData("TAMR")]
    [InlineData("LUMO")]
    [InlineData("HALC")]
    [InlineData("VERD")]
    public void Check_EmptyOrBlank_IsAFormatErrorNormalisedToEmpty(string programme)
    {
        var rule = api.MemberIdRule(programme);

        Assert.Equal(new MemberIdCheck("", Format), rule.Check(""));
        Assert.Equal(new MemberIdCheck("", Format), rule.Check("   "));
    }

    [Fact]
    public void Check_KeepsLeadingZeros_SoTheShortFormIsADifferentAndInvalidId()
    {
        Assert.Equal("0047182902", api.MemberIdRule("CORV").Check("0047182902").NormalisedMemberId);
        Assert.Equal(Format, api.MemberIdRule("CORV").Check("47182902").ErrorCode);
    }

    [Fact]
    public void Check_VerdWithAndWithoutHyphen_NormaliseToTheSameId() =>
        Assert.Equal(api.MemberIdRule("VERD").Check("7KQ4M2ZD"), api.MemberIdRule("VERD").Check("7kq4-m2zd"));

    [Fact]
    public void Check_FormatFailureWins_OverACheckDigitThatWouldAlsoFail()
    {
        // 11 digits whose first 10 carry a wrong Luhn digit: the regex runs first.
        Assert.Equal(Format, api.MemberIdRule("CORV").Check("00471829031").ErrorCode);
    }

    [Fact]
    public void Check_TrailingNewline_IsAFormatError_EvenThoughDollarMatchesBeforeIt()
    {
        // VERD trims before removing hyphens, so "\n-" leaves a final newline that `$` alone would accept.
        Assert.Equal(new MemberIdCheck("7KQ4M2ZD\n", Format), api.MemberIdRule("VERD").Check("7KQ4M2ZD\n-"));
    }

    [Fact]
    public void Check_RemoveSpaces_StripsEveryWhitespaceChar()
    {
        var result = api.MemberIdRule("LUMO").Check("4400\u00A09182\t7357\n");

        Assert.Equal(new MemberIdCheck("440091827357", null), result);
    }

    [Fact]
    public void Check_RejectsNonAsciiDigitsAsFormat()
    {
        // Arabic-Indic digits would pass a \d pattern; the stored patterns spell out [0-9].
        Assert.Equal(Format, api.MemberIdRule("HALC").Check("\u0665\u0667\u0662\u0660\u0660\u0664\u0661\u0663\u0666").ErrorCode);
    }

    [Fact]
    public void Check_UsesTheCheckDigitAlgorithmFromTheData()
    {
        // Same shape, different stored algorithm: the HALC-valid id fails Luhn and vice versa.
        var luhnNine = new MemberIdRule("TRIM", "^[0-9]{9}$", "LUHN");

        Assert.Equal(CheckDigit, luhnNine.Check("572004136").ErrorCode);
        Assert.True(api.MemberIdRule("HALC").Check("572004136").IsValid);
    }

    [Fact]
    public void Check_IsCultureInvariant_UnderTurkishCulture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("tr-TR");
            var rule = new MemberIdRule("TRIM_UPPER", "^[A-Z]{2}[0-9]{6}$", "NONE");

            // Turkish uppercases i to İ; invariant rules keep it I.
            Assert.Equal(new MemberIdCheck("IK004512", null), rule.Check("ik004512"));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("remove_spaces")]
    [InlineData("")]
    public void Constructor_UnknownNormalisation_ThrowsNamingIt(string normalisation)
    {
        var ex = Assert.Throws<ArgumentException>(() => new MemberIdRule(normalisation, "^[0-9]{9}$", "NONE"));

        Assert.Contains($"'{normalisation}'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Normalisation", ex.ParamName);
    }

    [Fact]
    public void Constructor_UnknownCheckDigit_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MemberIdRule("TRIM", "^[0-9]{9}$", "VERHOEFF"));

        Assert.Contains("'VERHOEFF'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidPattern_Throws() =>
        Assert.ThrowsAny<ArgumentException>(() => new MemberIdRule("TRIM", "^[0-9", "NONE"));

    [Fact]
    public void Constructor_NullName_Throws() =>
        Assert.Throws<ArgumentNullException>(() => new MemberIdRule(null!, "^[0-9]{9}$", "NONE")); // null! is the point of the test

    [Fact]
    public void Equality_DependsOnTheThreeStoredValuesOnly()
    {
        var rule = new MemberIdRule("REMOVE_SPACES", "^[0-9]{10}$", "LUHN");
        var rebuilt = new MemberIdRule("REMOVE_SPACES", "^[0-9]{10}$", "LUHN");

        Assert.Equal(rule, rebuilt);
        Assert.Equal(rule.GetHashCode(), rebuilt.GetHashCode());
        Assert.NotEqual(rule, new MemberIdRule("REMOVE_SPACES", "^[0-9]{10}$", "NONE"));
        Assert.NotEqual(rule, new MemberIdRule("REMOVE_SPACES", "^[0-9]{12}$", "LUHN"));
        Assert.NotEqual(rule, new MemberIdRule("TRIM", "^[0-9]{10}$", "LUHN"));
    }

    // DOMAIN.md §3.2, the "Canonical regex" column.
    [Theory]
    [InlineData("CORV", "^[0-9]{10}$")]
    [InlineData("QUIL", "^[0-9]{8}[0-9X]$")]
    [InlineData("TAMR", "^[A-HJ-NP-Z]{2}[0-9]{6}$")]
    [InlineData("LUMO", "^[0-9]{12}$")]
    [InlineData("HALC", "^[0-9]{9}$")]
    [InlineData("VERD", "^[0-9A-HJKMNP-TV-Z]{8}$")]
    public void SeededRule_HasTheCanonicalRegex(string programme, string regex) =>
        Assert.Equal(regex, api.MemberIdRule(programme).Pattern);

    [Fact]
    public void Normalise_AppliesOnlyTheNormalisationStep()
    {
        Assert.Equal("0047182903", api.MemberIdRule("CORV").Normalise(" 0047 1829 03 "));
        Assert.Equal("ABC", api.MemberIdRule("VERD").Normalise(" a-b-c "));
        Assert.Equal("a b", api.MemberIdRule("HALC").Normalise(" a b "));
    }
}
