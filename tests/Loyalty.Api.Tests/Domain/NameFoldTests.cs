using System.Globalization;
using Loyalty.Api.Domain;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Domain;

public sealed class NameFoldTests
{
    [Theory]
    [InlineData("O’Brien-Núñez", "OBRIEN NUNEZ")]
    [InlineData("Weiß", "WEISS")]
    public void Fold_MatchesDomainExamples(string value, string expected) => Assert.Equal(expected, NameFold.Fold(value));

    [Theory]
    [InlineData("ß", "SS")]
    [InlineData("ẞ", "SS")]
    [InlineData("Æsir", "AESIR")]
    [InlineData("æ", "AE")]
    [InlineData("Œuvre", "OEUVRE")]
    [InlineData("œ", "OE")]
    [InlineData("Søren", "SOREN")]
    [InlineData("Ø", "O")]
    [InlineData("Łukasz", "LUKASZ")]
    [InlineData("Wałęsa", "WALESA")]
    [InlineData("Đorđe", "DORDE")]
    [InlineData("Þór", "THOR")]
    [InlineData("þ", "TH")]
    public void Fold_MapsLettersWithoutADecomposition_InBothCases(string value, string expected) =>
        Assert.Equal(expected, NameFold.Fold(value));

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("O’Brien")]
    [InlineData("OBrien")]
    [InlineData("o.brien")]
    public void Fold_RemovesBothApostrophesAndDots(string value) => Assert.Equal("OBRIEN", NameFold.Fold(value));

    [Theory]
    [InlineData("Anne-Marie")]
    [InlineData("Anne Marie")]
    [InlineData("  anne  -  marie\t")]
    [InlineData("Anne--Marie")]
    public void Fold_TreatsHyphenAsSpace_AndCollapsesRuns(string value) => Assert.Equal("ANNE MARIE", NameFold.Fold(value));

    [Fact]
    public void Fold_GivesTheSameResultForNfdAndNfcInput()
    {
        const string nfc = "Núñez";
        var nfd = nfc.Normalize(System.Text.NormalizationForm.FormD);

        Assert.NotEqual(nfc, nfd);
        Assert.Equal("NUNEZ", NameFold.Fold(nfd));
        Assert.Equal(NameFold.Fold(nfc), NameFold.Fold(nfd));
    }

    [Theory]
    [InlineData("ﬁnn", "FINN")]
    [InlineData("Ｓｍｉｔｈ", "SMITH")]
    [InlineData("Anne\u00A0Marie", "ANNE MARIE")]
    public void Fold_AppliesCompatibilityDecomposition(string value, string expected) =>
        Assert.Equal(expected, NameFold.Fold(value));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("'.-")]
    public void Fold_OfNothingButSeparators_IsEmpty(string value) => Assert.Equal("", NameFold.Fold(value));

    [Fact]
    public void Fold_KeepsLettersWithoutALatinForm() => Assert.Equal("山田", NameFold.Fold("山田"));

    [Fact]
    public void Fold_IsCultureInvariant_UnderTurkishCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("tr-TR");

            Assert.Equal("INCI", NameFold.Fold("inci"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Fold_HandlesInputLongerThanTheStackBuffer()
    {
        var value = string.Concat(Enumerable.Repeat("ß é ", 200));

        var folded = NameFold.Fold(value);

        Assert.Equal(string.Join(' ', Enumerable.Repeat("SS E", 200)), folded);
    }

    [Fact]
    public void Fold_DoesNotThrowOnALoneSurrogate() => Assert.Equal("A\uFFFD", NameFold.Fold("a\uD800"));

    [Theory]
    [InlineData("Jürgen")]
    [InlineData("Weiß")]
    [InlineData("Zoë")]
    [InlineData("Brandstätter")]
    [InlineData("O'Brien")]
    [InlineData("Ærøskøbing")]
    public void ToLatin1_KeepsLatin1NamesAsEntered(string value) => Assert.Equal(value, NameFold.ToLatin1(value));

    [Theory]
    [InlineData("Łukasz", "Lukasz")]
    [InlineData("ŁUKASZ", "LUKASZ")]
    [InlineData("Wałęsa", "Walesa")]
    [InlineData("Dvořák", "Dvorák")]
    [InlineData("Nguyễn", "Nguyen")]
    [InlineData("Œuvre", "OEuvre")]
    [InlineData("Đorđe", "Dorde")]
    public void ToLatin1_TransliteratesOtherCharsByTheirFold_KeepingLowercase(string value, string expected) =>
        Assert.Equal(expected, NameFold.ToLatin1(value));

    [Fact]
    public void ToLatin1_ComposesDecomposedInputFirst()
    {
        var nfd = "Jürgen".Normalize(System.Text.NormalizationForm.FormD);

        Assert.Equal("Jürgen", NameFold.ToLatin1(nfd));
    }

    [Fact]
    public void ToLatin1_TurnsTheTypographicApostropheIntoThePlainOne() =>
        Assert.Equal("O'Brien", NameFold.ToLatin1("O’Brien"));

    [Fact]
    public void ToLatin1_DropsAMarkThatHasNoPrecomposedForm() => Assert.Equal("x", NameFold.ToLatin1("x\u030C"));

    [Fact]
    public void ToLatin1_TurnsOtherSpacesIntoPlainSpaces() => Assert.Equal("Anne Marie", NameFold.ToLatin1("Anne\u3000Marie"));

    [Theory]
    [InlineData("山田")]
    [InlineData("Tanaka 山")]
    [InlineData("Иванов")]
    [InlineData("Παπαδόπουλος")]
    [InlineData("a\uD800")]
    public void ToLatin1_ReturnsNull_WhenSomeCharCannotBeCarried(string value) => Assert.Null(NameFold.ToLatin1(value));
}
