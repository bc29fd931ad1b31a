namespace Loyalty.Api.Domain.PartnerFiles;

/// <summary>
/// The six file kinds of DOMAIN.md §5; a programme chooses one. Names mirror the <c>file_kind</c> of the
/// <c>programmes</c> table (<c>CSV_HEADER</c>, <c>PIPE_HDT</c>, …).
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
/// handback rows refer to and which outcome code table it uses. A new programme is one more of these in
/// <see cref="PartnerFileSpecs"/>, choosing an existing kind and code set.
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
    public IPartnerFileFormat Format => Kind switch
    {
        PartnerFileKind.CsvHeader => new HeaderedDelimitedFormat(this, HeaderedDelimitedLayout.CsvHeader),
        PartnerFileKind.PipeHdt => new PipeHdtFormat(this),
        PartnerFileKind.JsonLines => new JsonLinesFormat(this),
        PartnerFileKind.FixedWidth => new FixedWidthFormat(this),
        PartnerFileKind.SemicolonCsv => new HeaderedDelimitedFormat(this, HeaderedDelimitedLayout.SemicolonCsv),
        PartnerFileKind.TsvHeader => new HeaderedDelimitedFormat(this, HeaderedDelimitedLayout.TsvHeader),
        _ => throw new InvalidOperationException($"{ProgrammeCode} has an unknown file kind {Kind}."),
    };

    /// <summary>
    /// CORV and VERD handbacks carry no trailer; their only whole-file check is that they answer every row of
    /// the accrual file (DOMAIN.md §5.1, §5.6), so a different row count refuses the file.
    /// </summary>
    public bool HandbackAnswersEveryRow => Kind is PartnerFileKind.CsvHeader or PartnerFileKind.TsvHeader;

    /// <summary>
    /// The most detail rows one accrual file can carry: LUMO's row sequence and trailer count are six digits
    /// wide (DOMAIN.md §5.4). A bigger batch is split over several files of the same cutoff.
    /// </summary>
    public int MaxRowsPerFile => Kind is PartnerFileKind.FixedWidth ? 999_999 : int.MaxValue;

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
