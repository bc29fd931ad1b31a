using System.Text;
using Loyalty.Core.PartnerFiles;
using static Loyalty.Api.Tests.Fulfilment.Formats.PartnerFileTesting;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>
/// A handback that is wrong as a whole is refused whole (DOMAIN.md §5), naming the file, the line and the reason.
/// Each case breaks one thing in a programme's example handback.
/// </summary>
public sealed class StructuralErrorTests
{
    /// <summary>Case name → programme, how the example's text is broken, the line named, a fragment of the reason.</summary>
    private static readonly Dictionary<string, (string Code, Func<string, string> Break, int Line, string Reason)> Cases = new()
    {
        // Column headers, header records and objects.
        ["CORV wrong column header"] = ("CORV", Replace("processed_date", "processed"), 1, "column header"),
        ["HALC column header in another case"] = ("HALC", Replace("TxnRef;Code", "TXNREF;Code"), 1, "column header"),
        ["VERD column header with an extra column"] = ("VERD", Replace("posted\n", "posted\textra\n"), 1, "column header"),
        ["QUIL first record not the header"] = ("QUIL", DropLine(0), 1, "not the H header"),
        ["TAMR first object not the header"] = ("TAMR", DropLine(0), 1, "not the \"header\""),
        ["LUMO first record not the header"] = ("LUMO", DropLine(0), 1, "not the 1 header"),
        ["TAMR header with an unknown property"] = ("TAMR", Replace("\"fileSeq\":311,", "\"fileSeq\":311,\"x\":1,"), 1, "\"x\""),

        // Header naming another programme or sequence than the file name.
        ["QUIL header sequence"] = ("QUIL", Replace("H|QUIL|002051", "H|QUIL|002052"), 1, "2052 is not the file name's 2051"),
        ["QUIL header programme"] = ("QUIL", Replace("H|QUIL|", "H|QUIX|"), 1, "'QUIX'"),
        ["TAMR header sequence"] = ("TAMR", Replace("\"fileSeq\":311", "\"fileSeq\":312"), 1, "312 is not the file name's 311"),
        ["TAMR header programme"] = ("TAMR", Replace("\"programme\":\"TAMR\"", "\"programme\":\"tamr\""), 1, "'tamr'"),
        ["LUMO header sequence"] = ("LUMO", Replace("1LUMO000042", "1LUMO000043"), 1, "43 is not the file name's 42"),
        ["LUMO header programme"] = ("LUMO", Replace("1LUMO", "1LUMA"), 1, "'LUMA'"),

        // Trailers: missing, disagreeing, or followed by more.
        ["QUIL missing trailer"] = ("QUIL", DropLine(4), 4, "without its T trailer"),
        ["TAMR missing footer"] = ("TAMR", DropLine(4), 4, "without its footer"),
        ["LUMO missing trailer"] = ("LUMO", DropLine(4), 4, "without its 9 trailer"),
        ["HALC missing trailer"] = ("HALC", DropLine(4), 4, "without its #TOTAL trailer"),
        ["QUIL trailer count"] = ("QUIL", Replace("T|3|5000", "T|4|5000"), 5, "states 4 rows but the file has 3"),
        ["QUIL trailer sum"] = ("QUIL", Replace("T|3|5000", "T|3|5001"), 5, "5001 but the rows add up to 5000"),
        ["TAMR footer count"] = ("TAMR", Replace("\"count\":3", "\"count\":2"), 5, "states 2 rows"),
        ["TAMR footer sum"] = ("TAMR", Replace("\"totalCredited\":50100", "\"totalCredited\":50000"), 5, "50000 but the rows add up to 50100"),
        ["LUMO trailer count"] = ("LUMO", Replace("9000003", "9000004"), 5, "states 4 rows"),
        ["LUMO trailer sum"] = ("LUMO", Replace("9000003000000002500", "9000003000000002501"), 5, "2501 but the rows add up to 2500"),
        ["HALC trailer count"] = ("HALC", Replace("#TOTAL;3", "#TOTAL;2"), 5, "states 2 rows but the file has 3"),
        ["HALC trailer with a sum"] = ("HALC", Replace("#TOTAL;3", "#TOTAL;3;0"), 5, "#TOTAL trailer has 3 fields"),
        ["QUIL record after the trailer"] = ("QUIL", Append("D|4|314159266|A00|0\n"), 6, "follows the T trailer"),
        ["TAMR line after the footer"] = ("TAMR", Append("{\"rec\":\"result\",\"line\":4,\"status\":\"OK\",\"credited\":0}\n"), 6, "follows the footer"),
        ["LUMO record after the trailer"] = ("LUMO", Append("9000000000000000000                                 \r\n"), 6, "follows the 9 trailer"),
        ["HALC record after the trailer"] = ("HALC", Append("#TOTAL;3\r\n"), 6, "follows the #TOTAL trailer"),

        // Encoding: byte order marks and bytes the encoding does not have.
        ["CORV byte order mark"] = ("CORV", Prepend("\u00EF\u00BB\u00BF"), 1, "byte order mark"),
        ["VERD byte order mark"] = ("VERD", Prepend("\u00EF\u00BB\u00BF"), 1, "byte order mark"),
        ["HALC byte order mark"] = ("HALC", Prepend("\u00EF\u00BB\u00BF"), 1, "byte order mark"),
        ["LUMO byte order mark"] = ("LUMO", Prepend("\u00EF\u00BB\u00BF"), 1, "byte order mark"),
        ["CORV invalid UTF-8"] = ("CORV", Replace("Account suspended", "Account susp\u00FFended"), 4, "not valid utf-8"),
        ["VERD Latin-1 instead of UTF-8"] = ("VERD", Replace("account closed", "compte ferm\u00E9"), 3, "not valid utf-8"),
        ["QUIL truncated UTF-8 sequence"] = ("QUIL", Replace("|R02|", "|R\u00C302|"), 3, "not valid utf-8"),
        ["TAMR invalid UTF-8"] = ("TAMR", Replace("\"OK\",\"credited\":100", "\"O\u00C0K\",\"credited\":100"), 2, "not valid utf-8"),
        ["LUMO non-ASCII"] = ("LUMO", Replace("M10", "\u00E910"), 3, "not valid us-ascii"),

        // Line endings, and the terminator after the last line.
        ["CORV LF instead of CRLF"] = ("CORV", text => text.Replace("\r\n", "\n", StringComparison.Ordinal), 1, "ends with LF alone"),
        ["CORV one LF line"] = ("CORV", Replace("Credited,2025-03-16\r\n", "Credited,2025-03-16\n"), 2, "ends with LF alone"),
        ["HALC one LF line"] = ("HALC", Replace("unbekannt;15.03.2025 07:40\r\n", "unbekannt;15.03.2025 07:40\n"), 4, "ends with LF alone"),
        ["LUMO LF instead of CRLF"] = ("LUMO", text => text.Replace("\r\n", "\n", StringComparison.Ordinal), 1, "ends with LF alone"),
        ["QUIL CRLF instead of LF"] = ("QUIL", Replace("|R02|0\n", "|R02|0\r\n"), 3, "ends with CR LF"),
        ["TAMR CRLF instead of LF"] = ("TAMR", text => text.Replace("\n", "\r\n", StringComparison.Ordinal), 1, "ends with CR LF"),
        ["VERD CRLF instead of LF"] = ("VERD", Replace("posted\t03/16/2025\n", "posted\t03/16/2025\r\n"), 2, "ends with CR LF"),
        ["VERD bare CR inside a line"] = ("VERD", Replace("system busy", "system\rbusy"), 4, "carriage return"),
        ["CORV bare CR inside a line"] = ("CORV", Replace("Account suspended", "Account\rsuspended"), 4, "carriage return"),
        ["CORV no final CRLF"] = ("CORV", DropEnd(2), 4, "no line terminator"),
        ["HALC no final CRLF"] = ("HALC", DropEnd(2), 5, "no line terminator"),
        ["HALC final CR without LF"] = ("HALC", DropEnd(1), 5, "no line terminator"),
        ["QUIL no final LF"] = ("QUIL", DropEnd(1), 5, "no line terminator"),
        ["TAMR no final LF"] = ("TAMR", DropEnd(1), 5, "no line terminator"),
        ["LUMO no final CRLF"] = ("LUMO", DropEnd(2), 5, "no line terminator"),
        ["VERD no final LF"] = ("VERD", DropEnd(1), 4, "no line terminator"),

        // Rows that cannot be parsed.
        ["CORV row with a field missing"] = ("CORV", Replace(",Credited,2025-03-16", ",2025-03-16"), 2, "3 fields; expected 4"),
        ["CORV unclosed quote"] = ("CORV", Replace("\"Surname differs, check spelling\"", "\"Surname differs, check spelling"), 3, "cannot be parsed"),
        ["CORV stray quote"] = ("CORV", Replace("Account suspended", "Account \"suspended\""), 4, "cannot be parsed"),
        ["CORV empty line"] = ("CORV", Replace("2025-03-16\r\n01JPAS3E", "2025-03-16\r\n\r\n01JPAS3E"), 3, "1 fields; expected 4"),
        ["CORV processed date"] = ("CORV", Replace("Credited,2025-03-16", "Credited,16.03.2025"), 2, "processed_date"),
        ["HALC row with a semicolon in the message"] = ("HALC", Replace("Mitglied unbekannt", "Mitglied; unbekannt"), 4, "5 fields; expected 4"),
        ["HALC processed time"] = ("HALC", Replace("OK;15.03.2025 07:40\r\n01JPA14", "OK;15.03.2025\r\n01JPA14"), 2, "Processed"),
        ["VERD row with a field missing"] = ("VERD", Replace("\tposted\t", "\t"), 2, "3 fields; expected 4"),
        ["QUIL non-numeric credited"] = ("QUIL", Replace("|A00|5000", "|A00|5k"), 2, "credited '5k' is not a whole number"),
        ["QUIL negative credited"] = ("QUIL", Replace("|R02|0", "|R02|-0"), 3, "not a whole number"),
        ["QUIL non-numeric row sequence"] = ("QUIL", Replace("D|2|", "D|two|"), 3, "row sequence"),
        ["QUIL unknown record type"] = ("QUIL", Replace("D|3|", "X|3|"), 4, "record type 'X'"),
        ["QUIL second header"] = ("QUIL", Replace("D|3|202501175|E99|0", "H|QUIL|002051|20250315|031502"), 4, "record type 'H'"),
        ["QUIL detail with an extra field"] = ("QUIL", Replace("|E99|0", "|E99|0|"), 4, "6 fields; expected 5"),
        ["QUIL header time"] = ("QUIL", Replace("|031502", "|251502"), 1, "date and time"),
        ["TAMR not JSON"] = ("TAMR", Replace("{\"rec\":\"result\",\"line\":2", "{\"rec\":\"result\",\"line\":2,"), 3, "not a JSON value"),
        ["TAMR not an object"] = ("TAMR", ReplaceLine(2, "[1,2]"), 3, "not a JSON object"),
        ["TAMR fractional credited"] = ("TAMR", Replace("\"credited\":100}", "\"credited\":100.0}"), 2, "\"credited\" is not a whole number"),
        ["TAMR credited as a string"] = ("TAMR", Replace("\"credited\":100}", "\"credited\":\"100\"}"), 2, "\"credited\" is not a whole number"),
        ["TAMR missing status"] = ("TAMR", Replace("\"status\":\"OK\",\"credited\":100", "\"credited\":100"), 2, "no \"status\""),
        ["TAMR duplicate property"] = ("TAMR", Replace("\"status\":\"OK\",\"credited\":100", "\"status\":\"OK\",\"status\":\"OK\",\"credited\":100"), 2, "not a JSON value"),
        ["TAMR unknown record type"] = ("TAMR", Replace("\"rec\":\"result\",\"line\":3", "\"rec\":\"item\",\"line\":3"), 4, "\"item\" object"),
        ["TAMR number status"] = ("TAMR", Replace("\"status\":\"OK\",\"credited\":100", "\"status\":0,\"credited\":100"), 2, "\"status\" is not a string"),
        ["LUMO short detail record"] = ("LUMO", Replace("M100000000020250315", "M10000000002025031"), 3, "51 characters long"),
        ["LUMO long header record"] = ("LUMO", Replace("20250315                                 \r\n", "20250315                                  \r\n"), 1, "53 characters long"),
        ["LUMO non-numeric credited"] = ("LUMO", Replace("0000000250020250315", "00000002X0020250315"), 2, "credited"),
        ["LUMO text in the padding"] = ("LUMO", Replace("9000003000000002500                                ", "9000003000000002500x                               "), 5, "must be spaces"),
        ["LUMO unknown record type"] = ("LUMO", Replace("200000301JPARE", "300000301JPARE"), 4, "record type '3'"),
        ["LUMO processed date"] = ("LUMO", Replace("M100000000020250315", "M100000000020251315"), 3, "processed date"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BrokenHandback_IsRefusedWhole_NamingTheLineAndReason(string caseName)
    {
        var (code, breakIt, line, reason) = Cases[caseName];
        var example = DomainExamples.For(code);
        var broken = Encoding.Latin1.GetBytes(breakIt(Bytes(example.HandbackFile)));
        Assert.NotEqual(example.HandbackFile, broken);

        var refusal = await RefusedHandbackAsync(example.Spec, broken, example.HandbackFileName);

        Assert.Equal(line, refusal.LineNumber);
        Assert.Contains(reason, refusal.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"{example.HandbackFileName}, line {line}: ", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task EmptyHandback_IsRefused_AtLineOne(string code)
    {
        var example = DomainExamples.For(code);

        var refusal = await RefusedHandbackAsync(example.Spec, [], example.HandbackFileName);

        Assert.Equal(1, refusal.LineNumber);
        Assert.Contains("empty", refusal.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task HandbackUnderAnotherName_IsRefused_WithoutALine(string code)
    {
        var example = DomainExamples.For(code);
        var other = DomainExamples.All.First(e => e.Code != code);
        string[] wrongNames =
        [
            example.AccrualFileName,
            FlipFirstLetterCase(example.HandbackFileName),
            example.HandbackFileName + ".gz",
            " " + example.HandbackFileName,
            other.HandbackFileName,
        ];

        foreach (var name in wrongNames)
        {
            var refusal = await RefusedHandbackAsync(example.Spec, example.HandbackFile, name);

            Assert.Null(refusal.LineNumber);
            Assert.Contains($"not a {code} handback file name", refusal.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("QUIL")]
    [InlineData("TAMR")]
    public async Task ByteOrderMark_IsTolerated_WhereTheFormatSaysOnlyUtf8(string code)
    {
        var example = DomainExamples.For(code);

        var handback = await ReadHandbackAsync(example.Spec, [0xEF, 0xBB, 0xBF, .. example.HandbackFile], example.HandbackFileName);

        Assert.Equal(example.HandbackLines, handback.Lines);
    }

    [Fact]
    public async Task LineLongerThanTheCap_IsRefused_InsteadOfBufferedWithoutEnd()
    {
        var example = DomainExamples.For("VERD");
        var endless = Encoding.ASCII.GetBytes("txn_id\tstatus\tdetail\tposted\n" + new string('x', 200_000));

        var refusal = await RefusedHandbackAsync(example.Spec, endless, example.HandbackFileName);

        Assert.Equal(2, refusal.LineNumber);
        Assert.Contains("longer than", refusal.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("QUIL", "T|3|1030000", "T|3|1029999", 5, "1029999 but the rows add up to 1030000")]
    [InlineData("TAMR", "\"totalMiles\":57877", "\"totalMiles\":57878", 5, "57878 but the rows add up to 57877")]
    [InlineData("LUMO", "9000003000000662500", "9000002000000662500", 5, "states 2 rows but the file has 3")]
    [InlineData("HALC", "#TOTAL;3;341250", "#TOTAL;3;341000", 5, "341000 but the rows add up to 341250")]
    [InlineData("HALC", "#TOTAL;3;341250", "#TOTAL;3", 5, "#TOTAL trailer has 2 fields")]
    [InlineData("CORV", ",12500,", ",12 500,", 2, "miles '12 500' is not a whole number")]
    [InlineData("VERD", "\t3330\t", "\t3330.0\t", 3, "points '3330.0' is not a whole number")]
    public async Task BrokenAccrualFile_IsRefusedToo(string code, string find, string replaceWith, int line, string reason)
    {
        var example = DomainExamples.For(code);
        var broken = Encoding.Latin1.GetBytes(Replace(find, replaceWith)(Bytes(example.AccrualFile)));

        var refusal = await RefusedAccrualsAsync(example.Spec, broken, example.AccrualFileName);

        Assert.Equal(line, refusal.LineNumber);
        Assert.Contains(reason, refusal.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task AccrualFileUnderTheHandbackName_IsRefused(string code)
    {
        var example = DomainExamples.For(code);

        var refusal = await RefusedAccrualsAsync(example.Spec, example.AccrualFile, example.HandbackFileName);

        Assert.Null(refusal.LineNumber);
        Assert.Contains($"not a {code} accrual file name", refusal.Reason, StringComparison.Ordinal);
    }

    private static string FlipFirstLetterCase(string name) =>
        (char.IsUpper(name[0]) ? char.ToLowerInvariant(name[0]) : char.ToUpperInvariant(name[0])) + name[1..];

    private static Func<string, string> Replace(string find, string replaceWith) => text =>
    {
        // A case whose text is not in the example would break nothing and prove nothing.
        Assert.Contains(find, text, StringComparison.Ordinal);
        var index = text.IndexOf(find, StringComparison.Ordinal);
        return string.Concat(text.AsSpan(0, index), replaceWith, text.AsSpan(index + find.Length));
    };

    private static Func<string, string> DropLine(int index) => text => ReplaceLine(index, null)(text);

    private static Func<string, string> ReplaceLine(int index, string? line) => text =>
    {
        var newLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split(newLine).ToList();
        if (line is null)
        {
            lines.RemoveAt(index);
        }
        else
        {
            lines[index] = line;
        }

        return string.Join(newLine, lines);
    };

    private static Func<string, string> Append(string tail) => text => text + tail;

    private static Func<string, string> Prepend(string head) => text => head + text;

    private static Func<string, string> DropEnd(int count) => text => text[..^count];
}
