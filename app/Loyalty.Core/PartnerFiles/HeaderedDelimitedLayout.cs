using CsvHelper;
using static Loyalty.Core.PartnerFiles.AccrualField;

namespace Loyalty.Core.PartnerFiles;

/// <summary>The <see cref="AccrualLine"/> value an accrual column carries.</summary>
internal enum AccrualField
{
    TransactionId,
    MemberId,
    GivenName,
    Surname,
    Amount,
    RequestDate,
    BankCode,
}

/// <summary>
/// A delimited file kind with a column header (CORV, HALC, VERD). These kinds differ only in this data, so one
/// <see cref="HeaderedDelimitedFormat"/> reads and writes them all.
/// </summary>
/// <param name="DateFormat">Of request dates, and of the handback's processed column where it holds a date.</param>
/// <param name="ProcessedTimeFormat">Where the handback's processed column holds a time rather than a date.</param>
/// <param name="AccrualColumns">In file order. A field no column carries reads back as empty.</param>
/// <param name="HandbackColumns">Transaction id, outcome code, free text, processed date or time.</param>
/// <param name="Trailer">The trailer record's first field; null where the file has no trailer.</param>
internal sealed record HeaderedDelimitedLayout(
    PartnerText Text,
    char Separator,
    CsvMode Mode,
    string DateFormat,
    string? ProcessedTimeFormat,
    (string Name, AccrualField Field)[] AccrualColumns,
    string[] HandbackColumns,
    string? Trailer)
{
    /// <summary>
    /// RFC 4180 CSV (DOMAIN.md §5.1, CORV): comma, quotes only where a value needs them, UTF-8 without a byte order
    /// mark, CRLF, no trailer.
    /// </summary>
    public static readonly HeaderedDelimitedLayout CsvHeader = new(
        new(PartnerText.Utf8, LineEnding.CrLf, ToleratesByteOrderMark: false), ',', CsvMode.Rfc4180, "yyyy-MM-dd", null,
        [("transaction_id", TransactionId), ("member_id", MemberId), ("surname", Surname), ("given_name", GivenName),
         ("miles", Amount), ("request_date", RequestDate), ("bank_code", BankCode)],
        ["transaction_id", "result_code", "result_text", "processed_date"], Trailer: null);

    /// <summary>
    /// Tab-separated values (DOMAIN.md §5.6, VERD): one TAB between columns, no quoting, UTF-8 without a byte order
    /// mark, LF, no trailer. Only the surname is sent.
    /// </summary>
    public static readonly HeaderedDelimitedLayout TsvHeader = new(
        new(PartnerText.Utf8, LineEnding.Lf, ToleratesByteOrderMark: false), '\t', CsvMode.NoEscape, "MM/dd/yyyy", null,
        [("txn_id", TransactionId), ("member", MemberId), ("last_name", Surname), ("points", Amount), ("requested", RequestDate)],
        ["txn_id", "status", "detail", "posted"], Trailer: null);

    /// <summary>
    /// Semicolon CSV with a <c>#TOTAL</c> trailer (DOMAIN.md §5.5, HALC): no quoting, ISO-8859-1, CRLF. Names go as
    /// entered, with characters outside Latin-1 replaced by their FOLD form.
    /// </summary>
    public static readonly HeaderedDelimitedLayout SemicolonCsv = new(
        new(PartnerText.Latin1, LineEnding.CrLf, ToleratesByteOrderMark: false), ';', CsvMode.NoEscape, "dd.MM.yyyy",
        "dd.MM.yyyy HH:mm",
        [("TxnRef", TransactionId), ("MemberNo", MemberId), ("FirstName", GivenName), ("LastName", Surname), ("Stars", Amount),
         ("Date", RequestDate)],
        ["TxnRef", "Code", "Message", "Processed"], "#TOTAL");

    public string[] AccrualColumnNames { get; } = [.. AccrualColumns.Select(column => column.Name)];

    /// <summary>The position of the column that carries <paramref name="field"/>; -1 where none does.</summary>
    public int ColumnOf(AccrualField field) => Array.FindIndex(AccrualColumns, column => column.Field == field);
}
