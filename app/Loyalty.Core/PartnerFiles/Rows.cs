namespace Loyalty.Core.PartnerFiles;

/// <summary>What every accrual writer checks of the rows it is given, and how it counts them.</summary>
internal static class AccrualRows
{
    /// <summary>The totals after <paramref name="line"/>, which must be the next row in file order.</summary>
    /// <exception cref="ArgumentException">The row is out of sequence or its amount is negative.</exception>
    public static FileTotals Next(FileTotals totals, AccrualLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.RowSequence != totals.Count + 1)
        {
            throw new ArgumentException(
                $"Row {line.RowSequence} came where row {totals.Count + 1} belongs; rows are numbered in file order.", nameof(line));
        }

        return line.Amount >= 0
            ? totals.Add(line.Amount)
            : throw new ArgumentException($"Row {line.RowSequence} has a negative amount.", nameof(line));
    }

    public static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>What a handback writer needs of each row, by the row's 1-based position.</summary>
internal static class HandbackRows
{
    public static string TransactionId(HandbackLine line, int position) =>
        line.TransactionId ?? throw new ArgumentException(Lacks("a transaction id", position), nameof(line));

    public static int RowSequence(HandbackLine line, int position) =>
        line.RowSequence ?? throw new ArgumentException(Lacks("a row sequence", position), nameof(line));

    public static string MemberId(HandbackLine line, int position) =>
        line.MemberId ?? throw new ArgumentException(Lacks("the member id echo", position), nameof(line));

    public static long Credited(HandbackLine line, int position) =>
        line.Credited is { } credited && credited >= 0
            ? credited
            : throw new ArgumentException(Lacks("credited units (0 or more)", position), nameof(line));

    private static string Lacks(string what, int position) => $"Handback row {position} lacks {what}, which this format needs.";
}
