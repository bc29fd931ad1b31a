using Loyalty.Api.Domain;
using Loyalty.Api.Features.Fulfilment.Formats;

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
            GivenName = line.GivenName is null ? null : NameFold.ToLatin1(line.GivenName),
            Surname = line.Surname is null ? null : NameFold.ToLatin1(line.Surname),
        },
        "VERD" => line => line with { GivenName = null, BankCode = "" },
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

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
