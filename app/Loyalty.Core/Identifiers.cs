using System.Text.RegularExpressions;

namespace Loyalty.Core;

/// <summary>
/// The identifier rules of DOMAIN.md §1 and §4.1. Anything that does not match names nothing, so the API answers
/// it without asking the database (whose ASCII columns would refuse to compare it).
/// </summary>
public static partial class Identifiers
{
    /// <summary>A transaction id: a ULID, 26 characters of upper-case Crockford base32.</summary>
    public static bool IsTransactionId(string? value) => value is not null && TransactionIdPattern().IsMatch(value);

    /// <summary>A bank reference: 1 to 64 of <c>A-Z a-z 0-9 . _ : -</c>, starting with a letter or digit.</summary>
    public static bool IsBankReference(string? value) => value is not null && BankReferencePattern().IsMatch(value);

    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex TransactionIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex BankReferencePattern();
}
