using Loyalty.Core.PartnerFiles;

namespace Loyalty.Simulation;

/// <summary>What the programme decided for one accrual row, and the handback row that says so.</summary>
public sealed record RowAnswer(CanonicalOutcome Outcome, HandbackLine Line);

/// <summary>One accrual file answered in memory: the handback's file name and a row answer per accrual row, in file order.</summary>
public sealed record FileAnswer(string ProgrammeCode, int FileSequence, string HandbackFileName, IReadOnlyList<RowAnswer> Rows)
{
    public IReadOnlyDictionary<CanonicalOutcome, int> OutcomeCounts() =>
        Rows.GroupBy(row => row.Outcome).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>
/// One accrual file in the bucket that the simulator dealt with: answered with a handback, or refused because it
/// could not be read (<see cref="Error"/> set, no handback written).
/// </summary>
public sealed record AnsweredFile(
    string ProgrammeCode,
    string AccrualKey,
    string? HandbackKey,
    int Rows,
    IReadOnlyDictionary<CanonicalOutcome, int> Outcomes,
    string? Error = null)
{
    public bool Failed => Error is not null;

    /// <summary>The operator's one line.</summary>
    public override string ToString() => Failed
        ? $"{AccrualKey}: NOT ANSWERED, cannot read it: {Error}"
        : $"{AccrualKey} -> {HandbackKey}: {Rows} rows" + (Rows == 0 ? "" : $" ({Describe(Outcomes)})");

    internal static string Describe(IReadOnlyDictionary<CanonicalOutcome, int> outcomes) =>
        string.Join(", ", outcomes.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key.ToCode()} {pair.Value}"));
}
