namespace Loyalty.Core.PartnerFiles;

/// <summary>One accrual file's batch: which programme, which file sequence, and its cutoff instant (UTC).</summary>
/// <param name="CreatedAt">The cutoff instant the batch was claimed at; the file-name date is its UTC date.</param>
public sealed record AccrualBatch(string ProgrammeCode, int FileSequence, DateTimeOffset CreatedAt)
{
    public DateOnly FileDate => DateOnly.FromDateTime(CreatedAt.UtcDateTime);
}

/// <summary>One detail row of an accrual file, in file order (created time, then id).</summary>
public sealed record AccrualLine(
    int RowSequence, string TransactionId, string MemberId, string? GivenName, string? Surname, long Amount,
    DateOnly RequestDate, string BankCode);

/// <summary>Detail-row count and amount sum, as a trailer states them.</summary>
public readonly record struct FileTotals(int Count, long Sum)
{
    /// <summary>These totals with one more row of <paramref name="amount"/>.</summary>
    /// <exception cref="OverflowException">The sum no longer fits 64 bits.</exception>
    public FileTotals Add(long amount) => new(checked(Count + 1), checked(Sum + amount));
}

/// <summary>An accrual file as a programme reads it: its batch and its detail rows in file order.</summary>
public sealed record AccrualFile(AccrualBatch Batch, IReadOnlyList<AccrualLine> Lines);

/// <summary>A handback file's header facts: the accrual file sequence it answers and when it was produced.</summary>
public sealed record HandbackHeader(string ProgrammeCode, int FileSequence, DateTimeOffset ProcessedAt)
{
    public DateOnly FileDate => DateOnly.FromDateTime(ProcessedAt.UtcDateTime);
}

/// <summary>
/// One outcome row of a handback file. Exactly one of <see cref="TransactionId"/> and
/// <see cref="RowSequence"/> is set, per the programme's "handback row refers to" (DOMAIN.md §5).
/// </summary>
/// <param name="LineNumber">1-based physical line of the row in its file, for reports.</param>
/// <param name="Code">The programme's outcome code, exactly as written (no trimming, case kept).</param>
/// <param name="Credited">Units credited, where the format carries it (QUIL, TAMR, LUMO).</param>
/// <param name="MemberId">The member id echoed back, where the format carries it (QUIL).</param>
/// <param name="Text">Free text, where the format carries it (CORV, HALC, VERD).</param>
public sealed record HandbackLine(
    int LineNumber, string? TransactionId, int? RowSequence, string Code, long? Credited, string? MemberId, string? Text);

public sealed record HandbackFile(HandbackHeader Header, IReadOnlyList<HandbackLine> Lines);

/// <summary>A partner file that is wrong as a whole (name, header, trailer, encoding or a row that cannot be parsed).</summary>
public sealed class PartnerFileException(string fileName, int? lineNumber, string message)
    : Exception(lineNumber is { } line ? $"{fileName}, line {line}: {message}" : $"{fileName}: {message}")
{
    public string FileName { get; } = fileName;
    public int? LineNumber { get; } = lineNumber;
    public string Reason { get; } = message;
}
