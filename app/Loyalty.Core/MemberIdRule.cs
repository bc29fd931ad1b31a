using System.Text.RegularExpressions;

namespace Loyalty.Core;

/// <summary>Outcome of <see cref="MemberIdRule.Check(string?)"/>; <see cref="ErrorCode"/> is null when the id is valid.</summary>
public readonly record struct MemberIdCheck(string? NormalisedMemberId, string? ErrorCode)
{
    public const string FormatError = "MEMBER_ID_FORMAT";
    public const string CheckDigitError = "MEMBER_ID_CHECK_DIGIT";

    public bool IsValid => ErrorCode is null;
}

/// <summary>
/// A programme's member id rule (DOMAIN.md §3.2), built from the three names stored with the programme.
/// Unknown names and invalid patterns fail here, at load time, rather than on the first request.
/// </summary>
public sealed record MemberIdRule(string Normalisation, string Pattern, string CheckDigit)
{
    public const string RemoveSpaces = "REMOVE_SPACES";
    public const string Trim = "TRIM";
    public const string TrimUpper = "TRIM_UPPER";
    public const string TrimUpperRemoveHyphen = "TRIM_UPPER_REMOVE_HYPHEN";

    // Canonical ids are about ten characters; the bound only guards against a pathological stored pattern.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    // Get-only (not init) so a `with` expression cannot change a value behind the compiled regex's back.
    public string Normalisation { get; } = Normalisation;
    public string Pattern { get; } = Pattern;
    public string CheckDigit { get; } = CheckDigit;

    private readonly NormalisationKind normalisation = ParseNormalisation(Normalisation, nameof(Normalisation));

    // Not RegexOptions.Compiled: rules are rebuilt whenever programmes are loaded, and emitting IL for a
    // ten-character match costs far more than interpreting it.
    private readonly Regex regex = new(
        Pattern ?? throw new ArgumentNullException(nameof(Pattern)), RegexOptions.CultureInvariant, MatchTimeout);

    private readonly Func<ReadOnlySpan<char>, bool> checkDigit = CheckDigits.Resolve(CheckDigit);

    private enum NormalisationKind
    {
        RemoveSpaces,
        Trim,
        TrimUpper,
        TrimUpperRemoveHyphen,
    }

    /// <summary>Normalise, then match the pattern, then verify the check digit; the first failure wins.</summary>
    public MemberIdCheck Check(string? raw)
    {
        if (raw is null)
        {
            return new MemberIdCheck(null, MemberIdCheck.FormatError);
        }

        var normalised = Normalise(raw);
        if (normalised.Length == 0 || !MatchesWhole(normalised))
        {
            return new MemberIdCheck(normalised, MemberIdCheck.FormatError);
        }

        return checkDigit(normalised)
            ? new MemberIdCheck(normalised, null)
            : new MemberIdCheck(normalised, MemberIdCheck.CheckDigitError);
    }

    /// <summary>Applies only the normalisation step (what gets stored and sent to the programme).</summary>
    public string Normalise(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return normalisation switch
        {
            NormalisationKind.RemoveSpaces => RemoveWhere(raw, char.IsWhiteSpace),
            NormalisationKind.Trim => raw.Trim(),
            NormalisationKind.TrimUpper => UpperInvariant(raw.Trim()),
            NormalisationKind.TrimUpperRemoveHyphen => RemoveWhere(UpperInvariant(raw.Trim()), static c => c == '-'),
            _ => throw new InvalidOperationException($"Unhandled normalisation {normalisation}."),
        };
    }

    public bool Equals(MemberIdRule? other) =>
        other is not null
        && string.Equals(Normalisation, other.Normalisation, StringComparison.Ordinal)
        && string.Equals(Pattern, other.Pattern, StringComparison.Ordinal)
        && string.Equals(CheckDigit, other.CheckDigit, StringComparison.Ordinal);

    // The compiled regex and the resolved delegate are derived from the three names, so equality uses only those.
    public override int GetHashCode() =>
        HashCode.Combine(
            StringComparer.Ordinal.GetHashCode(Normalisation),
            StringComparer.Ordinal.GetHashCode(Pattern),
            StringComparer.Ordinal.GetHashCode(CheckDigit));

    private bool MatchesWhole(string value)
    {
        try
        {
            // `$` also matches before a final '\n', which REMOVE_SPACES does not strip; demanding that the
            // match spans the whole value keeps such input a format error instead of a check-digit one.
            foreach (var match in regex.EnumerateMatches(value))
            {
                return match.Index == 0 && match.Length == value.Length;
            }

            return false;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // The parameter name is passed in so the exception names the record's property, not this helper's argument.
    private static NormalisationKind ParseNormalisation(string name, string paramName) => name switch
    {
        null => throw new ArgumentNullException(paramName),
        RemoveSpaces => NormalisationKind.RemoveSpaces,
        Trim => NormalisationKind.Trim,
        TrimUpper => NormalisationKind.TrimUpper,
        TrimUpperRemoveHyphen => NormalisationKind.TrimUpperRemoveHyphen,
        _ => throw new ArgumentException($"Unknown member id normalisation '{name}'.", paramName),
    };

    private static string UpperInvariant(string value)
    {
        foreach (var c in value)
        {
            if (char.ToUpperInvariant(c) != c)
            {
                return value.ToUpperInvariant();
            }
        }

        // Already canonical (the usual case): no copy.
        return value;
    }

    private static string RemoveWhere(string value, Func<char, bool> remove)
    {
        var count = 0;
        foreach (var c in value)
        {
            if (remove(c))
            {
                count++;
            }
        }

        if (count == 0)
        {
            return value;
        }

        return string.Create(value.Length - count, (value, remove), static (span, state) =>
        {
            var written = 0;
            foreach (var c in state.value)
            {
                if (!state.remove(c))
                {
                    span[written++] = c;
                }
            }
        });
    }
}
