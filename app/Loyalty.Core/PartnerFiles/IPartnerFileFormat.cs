using System.Text;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// Writes and reads one programme's accrual and handback files (DOMAIN.md §5). Reach it through
/// <see cref="PartnerFileSpec.Format"/>. Streams passed in stay open: the caller owns them.
/// </summary>
public interface IPartnerFileFormat
{
    /// <summary>The text encoding of both files; a name sent in them must be representable in it.</summary>
    Encoding Encoding { get; }

    /// <summary>
    /// Whether a handback must answer every row of the accrual file: where it carries no trailer, that is its only
    /// whole-file check (DOMAIN.md §5.1, §5.6), so a different row count refuses the file.
    /// </summary>
    bool HandbackAnswersEveryRow => false;

    /// <summary>The most detail rows one accrual file can carry; a bigger batch is split over several files of the same cutoff.</summary>
    int MaxRowsPerFile => int.MaxValue;

    /// <summary>
    /// Writes the accrual file of <paramref name="batch"/> as the rows arrive, so memory stays flat however big the
    /// batch; rows must come in file order, numbered 1, 2, 3…
    /// </summary>
    /// <returns>The detail-row count and amount sum, as the trailer (where the format has one) states them.</returns>
    /// <exception cref="ArgumentException">
    /// The batch is another programme's, or a row cannot be carried (out of sequence, negative amount, a name the
    /// file's encoding or separator cannot hold). What was written so far must be discarded.
    /// </exception>
    Task<FileTotals> WriteAccrualsAsync(
        Stream output, AccrualBatch batch, IAsyncEnumerable<AccrualLine> lines, CancellationToken cancellationToken);

    /// <summary>
    /// Reads an accrual file back (the programme simulator's side). Values the format does not carry come back empty:
    /// <see cref="string.Empty"/> for ids and bank codes, null for names; rows without a written sequence are
    /// numbered by position. <see cref="AccrualBatch.CreatedAt"/> is the header's instant, or midnight UTC of the date
    /// the file states when it has no time.
    /// </summary>
    /// <exception cref="PartnerFileException">The file or its name is wrong in any way the format defines.</exception>
    Task<AccrualFile> ReadAccrualsAsync(Stream input, string fileName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a handback file (the programme simulator's side). Processing dates and times in the file come from
    /// <see cref="HandbackHeader.ProcessedAt"/>; <see cref="HandbackLine.LineNumber"/> is ignored.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The header is another programme's, or a row lacks what the format needs (its reference, credited units, the
    /// member id echo) or holds text the format cannot carry.
    /// </exception>
    Task WriteHandbackAsync(
        Stream output, HandbackHeader header, IReadOnlyList<HandbackLine> lines, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a handback file's rows as they arrive, so memory stays flat however big the file: the whole file is
    /// checked as it goes, and a fault is thrown where it is found, after the rows before it were handed out (the
    /// caller discards them). Outcome codes are kept exactly as written and not checked here: an unknown code is a row
    /// anomaly for the caller. <paramref name="header"/>, if given, is called once, before the first row where the
    /// file states its time: <see cref="HandbackHeader.ProcessedAt"/> is the header's time, else the first row's
    /// processing time, else the file-name date (midnight UTC where only a date is known).
    /// </summary>
    /// <exception cref="PartnerFileException">
    /// Wrong name, header, column header or trailer; trailer count or sum not matching the rows; a byte order mark,
    /// invalid bytes, wrong or missing line terminators; a row that cannot be parsed; a header naming another
    /// programme or sequence than the file name. A wrong name is thrown at once, the rest while reading.
    /// </exception>
    IAsyncEnumerable<HandbackLine> ReadHandbackLinesAsync(
        Stream input, string fileName, Action<HandbackHeader>? header, CancellationToken cancellationToken);

    /// <summary>Reads a handback file whole (<see cref="ReadHandbackLinesAsync"/>, collected).</summary>
    /// <exception cref="PartnerFileException">As <see cref="ReadHandbackLinesAsync"/>.</exception>
    async Task<HandbackFile> ReadHandbackAsync(Stream input, string fileName, CancellationToken cancellationToken)
    {
        HandbackHeader? header = null;
        var lines = await ReadHandbackLinesAsync(input, fileName, read => header = read, cancellationToken).ToListAsync(cancellationToken);
        return new HandbackFile(header!, lines);
    }
}
