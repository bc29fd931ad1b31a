using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// One programme-side outcome code table of DOMAIN.md §6. Codes match exactly (ordinal, untrimmed), so a code a
/// programme writes with a stray space or in another case is unknown, and the row is an anomaly.
/// </summary>
public sealed class OutcomeCodeSet
{
    private readonly FrozenDictionary<string, CanonicalOutcome> byCode;
    private readonly FrozenDictionary<CanonicalOutcome, string> byOutcome;

    /// <param name="name">What the table is called in DOMAIN.md §6 (<c>Shared</c>, <c>QUIL</c>, …).</param>
    /// <param name="codes">Each canonical outcome the programme can report, with its code; an outcome it cannot report is left out.</param>
    public OutcomeCodeSet(string name, IReadOnlyDictionary<CanonicalOutcome, string> codes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(codes);
        Name = name;
        byOutcome = codes.ToFrozenDictionary();
        // ToFrozenDictionary throws on a code listed twice: two outcomes for one code would make a row ambiguous.
        byCode = codes.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
    }

    public string Name { get; }

    /// <summary>Every code of the table with the outcome it means.</summary>
    public IReadOnlyDictionary<string, CanonicalOutcome> Codes => byCode;

    /// <summary>The canonical outcome of a code exactly as a handback row wrote it; false for an unknown code.</summary>
    public bool TryGetCanonical(string code, out CanonicalOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(code);
        return byCode.TryGetValue(code, out outcome);
    }

    /// <summary>The programme's code for an outcome (what a programme simulator writes); false when it has none.</summary>
    public bool TryGetCode(CanonicalOutcome outcome, [NotNullWhen(true)] out string? code) =>
        byOutcome.TryGetValue(outcome, out code);

    public override string ToString() => Name;
}

/// <summary>The outcome code tables of DOMAIN.md §6; a programme names one of them in its <see cref="PartnerFileSpec"/>.</summary>
public static class OutcomeCodeSets
{
    /// <summary>The four-digit codes CORV, HALC and VERD share.</summary>
    public static OutcomeCodeSet Shared { get; } = new("Shared", new Dictionary<CanonicalOutcome, string>
    {
        [CanonicalOutcome.Success] = "0000",
        [CanonicalOutcome.MemberNotFound] = "1001",
        [CanonicalOutcome.NameMismatch] = "1002",
        [CanonicalOutcome.AccountClosed] = "1003",
        [CanonicalOutcome.AccountSuspended] = "1004",
        [CanonicalOutcome.InvalidAmount] = "2001",
        [CanonicalOutcome.Duplicate] = "2002",
        [CanonicalOutcome.InvalidRecord] = "3001",
        [CanonicalOutcome.ProgrammeError] = "9001",
    });

    public static OutcomeCodeSet Quil { get; } = new("QUIL", new Dictionary<CanonicalOutcome, string>
    {
        [CanonicalOutcome.Success] = "A00",
        [CanonicalOutcome.MemberNotFound] = "R01",
        [CanonicalOutcome.NameMismatch] = "R02",
        [CanonicalOutcome.AccountClosed] = "R03",
        [CanonicalOutcome.AccountSuspended] = "R04",
        [CanonicalOutcome.InvalidAmount] = "R05",
        [CanonicalOutcome.Duplicate] = "R06",
        [CanonicalOutcome.InvalidRecord] = "R09",
        [CanonicalOutcome.ProgrammeError] = "E99",
    });

    /// <summary>LUMO matches on member id only (name rule <c>NONE</c>), so it has no name mismatch code.</summary>
    public static OutcomeCodeSet Lumo { get; } = new("LUMO", new Dictionary<CanonicalOutcome, string>
    {
        [CanonicalOutcome.Success] = "00",
        [CanonicalOutcome.MemberNotFound] = "M1",
        [CanonicalOutcome.AccountClosed] = "M3",
        [CanonicalOutcome.AccountSuspended] = "M4",
        [CanonicalOutcome.InvalidAmount] = "A1",
        [CanonicalOutcome.Duplicate] = "D1",
        [CanonicalOutcome.InvalidRecord] = "F1",
        [CanonicalOutcome.ProgrammeError] = "99",
    });

    public static OutcomeCodeSet Tamr { get; } = new("TAMR", new Dictionary<CanonicalOutcome, string>
    {
        [CanonicalOutcome.Success] = "OK",
        [CanonicalOutcome.MemberNotFound] = "NO_MEMBER",
        [CanonicalOutcome.NameMismatch] = "NAME_MISMATCH",
        [CanonicalOutcome.AccountClosed] = "CLOSED",
        [CanonicalOutcome.AccountSuspended] = "BLOCKED",
        [CanonicalOutcome.InvalidAmount] = "BAD_AMOUNT",
        [CanonicalOutcome.Duplicate] = "DUPLICATE",
        [CanonicalOutcome.InvalidRecord] = "BAD_RECORD",
        [CanonicalOutcome.ProgrammeError] = "RETRY_LATER",
    });

    public static IReadOnlyList<OutcomeCodeSet> All { get; } = [Shared, Quil, Lumo, Tamr];
}
