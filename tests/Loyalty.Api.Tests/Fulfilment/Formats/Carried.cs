using Loyalty.Core.PartnerFiles;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>What each format carries of a batch and its rows (DOMAIN.md §5), so what a programme reads back.</summary>
internal static class Carried
{
    /// <summary>Only QUIL and TAMR headers carry the time; the others give the file's date at midnight UTC.</summary>
    public static AccrualBatch Batch(AccrualBatch batch) =>
        batch.ProgrammeCode is "QUIL" or "TAMR"
            ? batch
            : batch with { CreatedAt = new DateTimeOffset(batch.FileDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) };

    public static Func<AccrualLine, AccrualLine> Line(string code) => code switch
    {
        "CORV" => line => line,
        "QUIL" => line => line with { TransactionId = "", BankCode = "", GivenName = Initial(line.GivenName) },
        "TAMR" => line => SplitFullName(line with { TransactionId = "", BankCode = "" }),
        "LUMO" => line => line with { GivenName = null, Surname = null },
        "HALC" => line => line with
        {
            BankCode = "",
            GivenName = Latin1(line.GivenName),
            Surname = Latin1(line.Surname),
        },
        "VERD" => line => line with { GivenName = null, BankCode = "" },
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>
    /// DOMAIN.md §5.5: HALC names as entered, characters outside Latin-1 replaced by their FOLD form. Written out per
    /// name the tests use (the §5.5 example's Łukasz, the round trip's Dvořák), not computed by the code under test.
    /// </summary>
    private static readonly Dictionary<string, string> HalcLatin1 = new(StringComparer.Ordinal)
    {
        ["Łukasz"] = "Lukasz",
        ["Dvořák"] = "Dvorák",
    };

    private static string? Latin1(string? name) =>
        name is null || name.All(c => c <= '\u00FF') ? name
        : HalcLatin1.TryGetValue(name, out var expected) ? expected
        : throw new ArgumentException($"add the expected Latin-1 form of '{name}' (DOMAIN.md §5.5) to {nameof(HalcLatin1)}", nameof(name));

    private static string? Initial(string? givenName) =>
        givenName is null ? null : givenName[..1].ToUpperInvariant();

    /// <summary>TAMR sends one full name; it reads back split at the first space, which keeps the full name the same.</summary>
    private static AccrualLine SplitFullName(AccrualLine line)
    {
        var fullName = $"{line.GivenName} {line.Surname}".Trim();
        var space = fullName.IndexOf(' ', StringComparison.Ordinal);
        return space < 0
            ? line with { GivenName = null, Surname = fullName }
            : line with { GivenName = fullName[..space], Surname = fullName[(space + 1)..] };
    }
}
