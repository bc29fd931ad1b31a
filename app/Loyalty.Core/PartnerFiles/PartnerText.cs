using System.Text;

namespace Loyalty.Core.PartnerFiles;

internal enum LineEnding
{
    CrLf,
    Lf,
}

/// <summary>
/// How a file kind turns text into bytes (DOMAIN.md §5): its encoding, its line terminator, and whether a reader lets
/// a UTF-8 byte order mark through. Writers never write one.
/// </summary>
/// <param name="Encoding">Strict: unencodable text and undecodable bytes throw instead of becoming <c>?</c> or U+FFFD.</param>
/// <param name="ToleratesByteOrderMark">
/// True only where DOMAIN.md §5 says plain "UTF-8" rather than "UTF-8 no BOM" (QUIL, TAMR): such a file is read as if
/// the mark were not there.
/// </param>
internal sealed record PartnerText(Encoding Encoding, LineEnding LineEnding, bool ToleratesByteOrderMark)
{
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static readonly Encoding Latin1 =
        Encoding.GetEncoding("iso-8859-1", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    public static readonly Encoding Ascii =
        Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    public string NewLine => LineEnding == LineEnding.CrLf ? "\r\n" : "\n";

    public ReadOnlySpan<byte> NewLineBytes => LineEnding == LineEnding.CrLf ? "\r\n"u8 : "\n"u8;
}
