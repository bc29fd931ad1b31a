using System.Text;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Core;

/// <summary>
/// A programme as the platform knows it: catalogue facts, the rules its requests are validated by and how it
/// exchanges files. Each is one record in <see cref="ProgrammeDefinitions"/>.
/// </summary>
public sealed record Programme(
    string Code,
    string Name,
    string Type,
    string Region,
    string Currency,
    string Description,
    long MinAmount,
    long MaxAmount,
    long AmountMultiple,
    int PromiseDays,
    TimeOnly CutoffUtc,
    string EnrolmentUrl,
    string MemberIdHint,
    NameRule NameRule,
    MemberIdRule MemberIdRule,
    PartnerFileSpec Exchange)
{
    /// <summary>The programme's files are Latin-1, so the names sent in them must be too.</summary>
    public bool Latin1NamesOnly => Exchange.Format.Encoding.CodePage == Encoding.Latin1.CodePage;
}
