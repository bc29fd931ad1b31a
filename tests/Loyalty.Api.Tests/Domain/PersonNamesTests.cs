using System.Text;
using Loyalty.Api.Domain;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Domain;

public sealed class PersonNamesTests
{
    private const string Required = "NAME_REQUIRED";
    private const string Invalid = "NAME_INVALID";
    private const string Unrepresentable = "NAME_UNREPRESENTABLE";

    [Theory]
    [InlineData("SURNAME_FOLD", NameRule.SurnameFold)]
    [InlineData("INITIAL_SURNAME_FOLD", NameRule.InitialSurnameFold)]
    [InlineData("FULL_EXACT", NameRule.FullExact)]
    [InlineData("FULL_FOLD", NameRule.FullFold)]
    [InlineData("SURNAME_CASE", NameRule.SurnameCase)]
    [InlineData("NONE", NameRule.None)]
    public void ParseRule_MapsEveryStoredName_AndToCodeRoundTrips(string code, NameRule rule)
    {
        Assert.Equal(rule, PersonNames.ParseRule(code));
        Assert.Equal(code, PersonNames.ToCode(rule));
    }

    [Theory]
    [InlineData("SURNAME")]
    [InlineData("surname_fold")]
    [InlineData("")]
    public void ParseRule_UnknownName_ThrowsNamingIt(string code)
    {
        var ex = Assert.Throws<ArgumentException>(() => PersonNames.ParseRule(code));

        Assert.Contains($"'{code}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(NameRule.SurnameFold, false, true)]
    [InlineData(NameRule.InitialSurnameFold, true, true)]
    [InlineData(NameRule.FullExact, true, true)]
    [InlineData(NameRule.FullFold, true, true)]
    [InlineData(NameRule.SurnameCase, false, true)]
    [InlineData(NameRule.None, false, false)]
    public void Requires_FollowsTheRuleTable(NameRule rule, bool givenName, bool surname)
    {
        Assert.Equal(givenName, PersonNames.RequiresGivenName(rule));
        Assert.Equal(surname, PersonNames.RequiresSurname(rule));
    }

    [Fact]
    public void Requires_UndefinedRule_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonNames.RequiresSurname((NameRule)99));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void Check_MissingRequiredName_IsNameRequired(string? value) =>
        Assert.Equal(Required, PersonNames.Check(value, required: true, latin1Only: false));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Check_MissingOptionalName_IsFine(string? value) =>
        Assert.Null(PersonNames.Check(value, required: false, latin1Only: true));

    [Theory]
    [InlineData("Núñez")]
    [InlineData("Nunez")]
    [InlineData("O’Brien")]
    [InlineData("O'Brien")]
    [InlineData("Anne-Marie")]
    [InlineData("St. John")]
    [InlineData("José María")]
    [InlineData("Weiß")]
    [InlineData("Nguyễn")]
    [InlineData("山田")]
    [InlineData("Иванов")]
    [InlineData("  Smith  ")]
    [InlineData("X")]
    public void Check_AcceptsLettersMarksSpacesAndNamePunctuation(string value) =>
        Assert.Null(PersonNames.Check(value, required: true, latin1Only: false));

    [Fact]
    public void Check_AcceptsDecomposedInput() =>
        Assert.Null(PersonNames.Check("Núñez".Normalize(NormalizationForm.FormD), required: true, latin1Only: true));

    [Theory]
    [InlineData("Smith2")]
    [InlineData("R2-D2")]
    [InlineData("4")]
    [InlineData("Smith;Jones")]
    [InlineData("Smith\tJones")]
    [InlineData("Smith_Jones")]
    [InlineData("Smith, John")]
    [InlineData("<b>Smith</b>")]
    [InlineData("Smith😀")]
    [InlineData("---")]
    [InlineData(".")]
    [InlineData("’'")]
    [InlineData("Smith\uD800")]
    public void Check_RefusesOtherCharsOrNoLetter_AsNameInvalid(string value) =>
        Assert.Equal(Invalid, PersonNames.Check(value, required: true, latin1Only: false));

    [Fact]
    public void Check_PresentButNotRequired_IsStillShapeChecked() =>
        Assert.Equal(Invalid, PersonNames.Check("Smith2", required: false, latin1Only: false));

    [Fact]
    public void Check_FortyCharsIsTheLimit()
    {
        Assert.Null(PersonNames.Check(new string('a', 40), required: true, latin1Only: false));
        Assert.Equal(Invalid, PersonNames.Check(new string('a', 41), required: true, latin1Only: false));
    }

    [Fact]
    public void Check_CountsLengthAfterTrim() =>
        Assert.Null(PersonNames.Check("  " + new string('a', 40) + "  ", required: true, latin1Only: false));

    [Fact]
    public void Check_CountsLengthOnTheComposedForm()
    {
        // 40 letters, 80 UTF-16 chars when decomposed: the same name as its 40-char NFC spelling.
        var decomposed = new string('é', 40).Normalize(NormalizationForm.FormD);

        Assert.Equal(80, decomposed.Length);
        Assert.Null(PersonNames.Check(decomposed, required: true, latin1Only: false));
    }

    [Theory]
    [InlineData("Łukasz")]
    [InlineData("Jürgen")]
    [InlineData("O’Brien")]
    [InlineData("Nguyễn")]
    public void Check_Latin1Only_AcceptsNamesThatTransliterate(string value) =>
        Assert.Null(PersonNames.Check(value, required: true, latin1Only: true));

    [Theory]
    [InlineData("山田")]
    [InlineData("Иванов")]
    public void Check_Latin1Only_RefusesNamesThatCannotBeCarried(string value)
    {
        Assert.Equal(Unrepresentable, PersonNames.Check(value, required: true, latin1Only: true));
        Assert.Null(PersonNames.Check(value, required: true, latin1Only: false));
    }

    [Fact]
    public void Check_ShapeErrorWins_OverUnrepresentable() =>
        Assert.Equal(Invalid, PersonNames.Check("山田2", required: true, latin1Only: true));

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData("  Anne   Marie ", "Anne Marie")]
    [InlineData("Anne\u00A0\tMarie", "Anne Marie")]
    [InlineData("O’Brien", "O’Brien")]
    public void Normalise_TrimsAndCollapsesWhitespace(string? value, string expected) =>
        Assert.Equal(expected, PersonNames.Normalise(value));

    [Fact]
    public void Normalise_ComposesToNfc()
    {
        var nfd = "Núñez".Normalize(NormalizationForm.FormD);

        Assert.Equal("Núñez", PersonNames.Normalise(nfd));
        Assert.True(PersonNames.Normalise(nfd).IsNormalized(NormalizationForm.FormC));
    }

    [Fact]
    public void Normalise_ReturnsTheSameInstance_WhenAlreadyNormal()
    {
        var value = new string("José María".AsSpan());

        Assert.Same(value, PersonNames.Normalise(value));
    }

    // §9.1: Núñez vs Nunez is equal under FOLD, not under SURNAME_CASE or FULL_EXACT.
    [Theory]
    [InlineData(NameRule.SurnameFold, true)]
    [InlineData(NameRule.InitialSurnameFold, true)]
    [InlineData(NameRule.FullExact, false)]
    [InlineData(NameRule.FullFold, true)]
    [InlineData(NameRule.SurnameCase, false)]
    [InlineData(NameRule.None, true)]
    public void Matches_NunezAgainstNúñez_DependsOnTheRule(NameRule rule, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(rule, "José", "Núñez", "Jose", "Nunez"));

    [Theory]
    [InlineData(NameRule.SurnameFold, true)]
    [InlineData(NameRule.FullFold, true)]
    [InlineData(NameRule.FullExact, false)]
    [InlineData(NameRule.SurnameCase, false)]
    public void Matches_SharpSAgainstSS_OnlyUnderFold(NameRule rule, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(rule, "Jürgen", "Weiß", "JURGEN", "WEISS"));

    [Theory]
    [InlineData(NameRule.SurnameFold, true)]
    [InlineData(NameRule.FullFold, true)]
    [InlineData(NameRule.FullExact, false)]
    [InlineData(NameRule.SurnameCase, false)]
    public void Matches_ApostropheVariants_OnlyUnderFold(NameRule rule, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(rule, "Seán", "O’Brien", "Seán", "O'Brien"));

    [Theory]
    [InlineData(NameRule.FullFold, true)]
    [InlineData(NameRule.InitialSurnameFold, true)]
    [InlineData(NameRule.FullExact, false)]
    public void Matches_HyphenAgainstSpace_OnlyUnderFold(NameRule rule, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(rule, "Anne-Marie", "Lefèvre-Dubois", "Anne Marie", "Lefèvre Dubois"));

    [Theory]
    [InlineData(NameRule.SurnameFold)]
    [InlineData(NameRule.InitialSurnameFold)]
    [InlineData(NameRule.FullExact)]
    [InlineData(NameRule.FullFold)]
    [InlineData(NameRule.SurnameCase)]
    public void Matches_NfdAndNfcSpellings_AreTheSameNameUnderEveryRule(NameRule rule)
    {
        var nfd = "Núñez".Normalize(NormalizationForm.FormD);

        Assert.True(PersonNames.Matches(rule, "José", "Núñez", "José".Normalize(NormalizationForm.FormD), nfd));
    }

    [Theory]
    [InlineData("GARCÍA", true)]
    [InlineData("garcía", true)]
    [InlineData(" García ", true)]
    [InlineData("Garcia", false)]
    [InlineData("Garcìa", false)]
    public void Matches_SurnameCase_IgnoresCaseButNotAccents(string given, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(NameRule.SurnameCase, null, "García", null, given));

    [Theory]
    [InlineData("María", "García", true)]
    [InlineData("  María ", "  García", true)]
    [InlineData("maría", "García", false)]
    [InlineData("Maria", "Garcia", false)]
    [InlineData("María García", "", true)]
    public void Matches_FullExact_ComparesTheJoinedNameOrdinally(string given, string surname, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(NameRule.FullExact, "María", "García", given, surname));

    [Theory]
    [InlineData("J.", "Wałęsa", true)]
    [InlineData("jan", "WALESA", true)]
    [InlineData("Lech", "Wałęsa", false)]
    [InlineData("Jan", "Walesa-Nowak", false)]
    [InlineData(null, "Wałęsa", false)]
    [InlineData("   ", "Wałęsa", false)]
    public void Matches_InitialSurnameFold_ComparesFirstLetterAndFoldedSurname(string? given, string surname, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(NameRule.InitialSurnameFold, "Jan", "Wałęsa", given, surname));

    [Theory]
    [InlineData("ZOE", "BRANDSTATTER", true)]
    [InlineData("Zoe", "Brandstätter", true)]
    [InlineData("Zoey", "Brandstätter", false)]
    [InlineData(null, "Brandstätter", false)]
    public void Matches_FullFold_NeedsBothFoldsEqual(string? given, string surname, bool expected) =>
        Assert.Equal(expected, PersonNames.Matches(NameRule.FullFold, "Zoë", "Brandstätter", given, surname));

    [Fact]
    public void Matches_HalcTransliteratedName_StillFoldsEqualToTheOriginal() =>
        Assert.True(PersonNames.Matches(NameRule.FullFold, "Łukasz", "Nowak", NameFold.ToLatin1("Łukasz"), "Nowak"));

    [Theory]
    [InlineData(NameRule.SurnameFold)]
    [InlineData(NameRule.SurnameCase)]
    public void Matches_SurnameRules_IgnoreTheGivenName(NameRule rule) =>
        Assert.True(PersonNames.Matches(rule, "Anna", "Smith", "Completely Different", "SMITH"));

    [Theory]
    [InlineData(NameRule.SurnameFold)]
    [InlineData(NameRule.SurnameCase)]
    [InlineData(NameRule.FullExact)]
    public void Matches_MissingSurname_NeverMatches(NameRule rule) =>
        Assert.False(PersonNames.Matches(rule, "Anna", "Smith", "Anna", null));

    [Fact]
    public void Matches_None_AcceptsAnything() =>
        Assert.True(PersonNames.Matches(NameRule.None, null, "Smith", null, null));
}
