namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// The six file kinds of DOMAIN.md §5; a programme chooses one, and <see cref="PartnerFileFormats"/> registers the
/// format class of each. The <c>file_kind</c> of the <c>programmes</c> table spells them <c>CSV_HEADER</c>, <c>PIPE_HDT</c>, ….
/// </summary>
public enum PartnerFileKind
{
    /// <summary>RFC 4180 CSV with a column header, UTF-8, CRLF, no trailer (CORV).</summary>
    CsvHeader,

    /// <summary>Pipe-delimited H/D/T records without a column header, UTF-8, LF (QUIL).</summary>
    PipeHdt,

    /// <summary>JSON Lines with a header and a footer object, UTF-8, LF (TAMR).</summary>
    JsonLines,

    /// <summary>Fixed-width 1/2/9 records, ASCII, CRLF (LUMO).</summary>
    FixedWidth,

    /// <summary>Semicolon CSV with a column header and a <c>#TOTAL</c> trailer, ISO-8859-1, CRLF (HALC).</summary>
    SemicolonCsv,

    /// <summary>Tab-separated with a column header, UTF-8, LF, no trailer (VERD).</summary>
    TsvHeader,
}

/// <summary>What a handback row points at in the accrual file it answers.</summary>
public enum HandbackReference
{
    TransactionId,
    RowSequence,
}

/// <summary>
/// How one programme exchanges files (DOMAIN.md §5): its file kind, its accrual and handback file names, what
/// handback rows refer to and which outcome code table it uses: the exchange part of a programme's record in
/// <see cref="ProgrammeDefinitions"/>, choosing an existing kind and code set.
/// </summary>
public sealed record PartnerFileSpec(
    string ProgrammeCode,
    PartnerFileKind Kind,
    FileNamePattern AccrualFiles,
    FileNamePattern HandbackFiles,
    HandbackReference HandbackRefersTo,
    OutcomeCodeSet OutcomeCodes)
{
    /// <summary>The reader and writer of this programme's files; stateless and cheap, so it is made on demand.</summary>
    public IPartnerFileFormat Format => PartnerFileFormats.Create(this);

    /// <summary>
    /// The largest handback object read: one answers a single accrual file, a few dozen bytes per row, so a bigger
    /// one is not this programme's answer and is quarantined unread. It also bounds the memory a file's rows take.
    /// </summary>
    public long MaxHandbackBytes { get; init; } = 64L * 1024 * 1024;

    /// <param name="date">The UTC cutoff date of the batch.</param>
    public string AccrualFileName(int sequence, DateOnly date) => AccrualFiles.Format(sequence, date);

    /// <param name="date">The date the programme processed the accrual file.</param>
    public string HandbackFileName(int sequence, DateOnly date) => HandbackFiles.Format(sequence, date);

    public bool TryParseAccrualFileName(string fileName, out int sequence, out DateOnly date) =>
        AccrualFiles.TryParse(fileName, out sequence, out date);

    public bool TryParseHandbackFileName(string fileName, out int sequence, out DateOnly date) =>
        HandbackFiles.TryParse(fileName, out sequence, out date);

    internal (int Sequence, DateOnly Date) ExpectAccrualFileName(string fileName) =>
        TryParseAccrualFileName(fileName, out var sequence, out var date)
            ? (sequence, date)
            : throw new PartnerFileException(fileName, null, $"not a {ProgrammeCode} accrual file name ({AccrualFiles})");

    internal (int Sequence, DateOnly Date) ExpectHandbackFileName(string fileName) =>
        TryParseHandbackFileName(fileName, out var sequence, out var date)
            ? (sequence, date)
            : throw new PartnerFileException(fileName, null, $"not a {ProgrammeCode} handback file name ({HandbackFiles})");

    internal void ExpectOwnProgramme(string programmeCode, string parameterName)
    {
        if (!string.Equals(programmeCode, ProgrammeCode, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A {programmeCode} file cannot be written in the {ProgrammeCode} format.", parameterName);
        }
    }
}
