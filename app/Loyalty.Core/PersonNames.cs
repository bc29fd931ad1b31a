using System.Globalization;
using System.Text;

namespace Loyalty.Core;

/// <summary>How a programme matches the card holder's name (DOMAIN.md §3.1).</summary>
public enum NameRule
{
    SurnameFold,
    InitialSurnameFold,
    FullExact,
    FullFold,
    SurnameCase,
    None,
}

/// <summary>Name field validation (DOMAIN.md §4), storage normalisation and the programme-side match (§3.1).</summary>
public static class PersonNames
{
    public const string NameRequired = "NAME_REQUIRED";
    public const string NameInvalid = "NAME_INVALID";
    public const string NameUnrepresentable = "NAME_UNREPRESENTABLE";

    public const int MaxLength = 40;

    /// <summary>Parses the rule name stored per programme (<c>SURNAME_FOLD</c>, …; exact, case-sensitive).</summary>
    /// <exception cref="ArgumentException">The name is not a known rule.</exception>
    public static NameRule ParseRule(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code switch
        {
            "SURNAME_FOLD" => NameRule.SurnameFold,
            "INITIAL_SURNAME_FOLD" => NameRule.InitialSurnameFold,
            "FULL_EXACT" => NameRule.FullExact,
            "FULL_FOLD" => NameRule.FullFold,
            "SURNAME_CASE" => NameRule.SurnameCase,
            "NONE" => NameRule.None,
            _ => throw new ArgumentException($"Unknown name rule '{code}'.", nameof(code)),
        };
    }

    /// <summary>The stored name of a rule; the inverse of <see cref="ParseRule"/>.</summary>
    public static string ToCode(NameRule rule) => rule switch
    {
        NameRule.SurnameFold => "SURNAME_FOLD",
        NameRule.InitialSurnameFold => "INITIAL_SURNAME_FOLD",
        NameRule.FullExact => "FULL_EXACT",
        NameRule.FullFold => "FULL_FOLD",
        NameRule.SurnameCase => "SURNAME_CASE",
        NameRule.None => "NONE",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown name rule."),
    };

    public static bool RequiresGivenName(NameRule rule) => rule switch
    {
        NameRule.InitialSurnameFold or NameRule.FullExact or NameRule.FullFold => true,
        NameRule.SurnameFold or NameRule.SurnameCase or NameRule.None => false,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown name rule."),
    };

    public static bool RequiresSurname(NameRule rule) => rule switch
    {
        NameRule.SurnameFold or NameRule.SurnameCase
            or NameRule.InitialSurnameFold or NameRule.FullExact or NameRule.FullFold => true,
        NameRule.None => false,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown name rule."),
    };

    /// <summary>
    /// Null when the value is acceptable, else <c>NAME_REQUIRED</c>, <c>NAME_INVALID</c> or <c>NAME_UNREPRESENTABLE</c>.
    /// A blank value counts as absent; a present one is shape-checked even when the rule does not need it.
    /// Length and characters are judged on the trimmed NFC form, so composed and decomposed spellings of the
    /// same name get the same answer.
    /// </summary>
    public static string? Check(string? value, bool required, bool latin1Only)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? NameRequired : null;
        }

        if (NameFold.HasLoneSurrogate(value))
        {
            return NameInvalid;
        }

        var composed = value.Trim().Normalize(NormalizationForm.FormC);
        if (composed.Length > MaxLength || !HasValidShape(composed))
        {
            return NameInvalid;
        }

        return latin1Only && NameFold.ToLatin1(composed) is null ? NameUnrepresentable : null;
    }

    /// <summary>The stored form: trimmed, NFC, whitespace runs collapsed to one space; "" for null or blank.</summary>
    public static string Normalise(string? value) =>
        value is null ? string.Empty : NameFold.CollapseWhitespace(NameFold.NormalizeSafe(value, NormalizationForm.FormC));

    /// <summary>
    /// The programme-side comparison of a member's recorded names (<paramref name="expectedGiven"/>,
    /// <paramref name="expectedSurname"/>) with the names in a request (§3.1). A blank name the rule compares
    /// never matches.
    /// </summary>
    public static bool Matches(
        NameRule rule, string? expectedGiven, string expectedSurname, string? givenGiven, string? givenSurname) => rule switch
        {
            NameRule.SurnameFold => FoldEqual(expectedSurname, givenSurname),
            NameRule.InitialSurnameFold => InitialEqual(expectedGiven, givenGiven) && FoldEqual(expectedSurname, givenSurname),
            NameRule.FullExact => ExactEqual(FullName(expectedGiven, expectedSurname), FullName(givenGiven, givenSurname)),
            NameRule.FullFold => FoldEqual(expectedGiven, givenGiven) && FoldEqual(expectedSurname, givenSurname),
            NameRule.SurnameCase => CaseInsensitiveEqual(expectedSurname, givenSurname),
            NameRule.None => true,
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown name rule."),
        };

    private static bool HasValidShape(string composed)
    {
        var hasLetter = false;
        foreach (var rune in composed.EnumerateRunes())
        {
            switch (CharUnicodeInfo.GetUnicodeCategory(rune.Value))
            {
                case UnicodeCategory.UppercaseLetter:
                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.TitlecaseLetter:
                case UnicodeCategory.ModifierLetter:
                case UnicodeCategory.OtherLetter:
                    hasLetter = true;
                    break;
                case UnicodeCategory.NonSpacingMark:
                case UnicodeCategory.SpacingCombiningMark:
                // Any space separator, not only U+0020: no-break spaces from pasted text and the ideographic
                // space of CJK input methods are spaces too, and Normalise stores them as U+0020.
                case UnicodeCategory.SpaceSeparator:
                    break;
                default:
                    if (rune.Value is not ('-' or '\'' or '\u2019' or '.'))
                    {
                        return false;
                    }

                    break;
            }
        }

        return hasLetter;
    }

    private static bool FoldEqual(string? expected, string? given)
    {
        if (expected is null || given is null)
        {
            return false;
        }

        var folded = NameFold.Fold(expected);
        return folded.Length > 0 && string.Equals(folded, NameFold.Fold(given), StringComparison.Ordinal);
    }

    private static bool InitialEqual(string? expected, string? given)
    {
        if (expected is null || given is null)
        {
            return false;
        }

        // FOLD output starts with a letter or an unremoved mark; compare whole runes so a supplementary
        // letter is not split.
        var expectedFolded = NameFold.Fold(expected);
        var givenFolded = NameFold.Fold(given);
        return Rune.DecodeFromUtf16(expectedFolded, out var expectedInitial, out _) == System.Buffers.OperationStatus.Done
            && Rune.DecodeFromUtf16(givenFolded, out var givenInitial, out _) == System.Buffers.OperationStatus.Done
            && expectedInitial == givenInitial;
    }

    private static string FullName(string? given, string? surname) => Normalise($"{given} {surname}");

    private static bool ExactEqual(string expected, string given) =>
        expected.Length > 0 && string.Equals(expected, given, StringComparison.Ordinal);

    private static bool CaseInsensitiveEqual(string? expected, string? given)
    {
        var expectedNormalised = Normalise(expected);
        return expectedNormalised.Length > 0
            && string.Equals(expectedNormalised, Normalise(given), StringComparison.OrdinalIgnoreCase);
    }
}
