using System.Text;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using static Loyalty.Api.Tests.Fulfilment.Formats.PartnerFileTesting;
using static Loyalty.Core.PartnerFiles.CanonicalOutcome;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>
/// One programme's example pair of DOMAIN.md §5, byte for byte, with the rows behind the accrual file and what the
/// handback means. Batches are created at the programme's cutoff on 2025-03-14 (DOMAIN.md §3).
/// </summary>
/// <param name="Accruals">The rows as the platform holds them; the file carries only some of each.</param>
/// <param name="Handback">The header a simulator writes the handback with.</param>
/// <param name="HandbackLines">The rows the handback reads as.</param>
/// <param name="ProcessedAt">The processing time the handback reads as: the file's own, down to what it states.</param>
internal sealed record ProgrammeExample(
    string Code,
    AccrualBatch Batch,
    IReadOnlyList<AccrualLine> Accruals,
    string AccrualFileName,
    byte[] AccrualFile,
    HandbackHeader Handback,
    string HandbackFileName,
    byte[] HandbackFile,
    IReadOnlyList<HandbackLine> HandbackLines,
    IReadOnlyList<CanonicalOutcome> Outcomes,
    DateTimeOffset ProcessedAt)
{
    public PartnerFileSpec Spec => ProgrammeDefinitions.Get(Code).Exchange;
}

internal static class DomainExamples
{
    private const string CrLf = "\r\n";
    private const string Lf = "\n";

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static ProgrammeExample For(string code) => All.Single(example => example.Code == code);

    public static IReadOnlyList<ProgrammeExample> All { get; } =
    [
        new(
            "CORV",
            new AccrualBatch("CORV", 1, At(14, 17, 0)),
            [
                new(1, "01JPAM9S346Q3D25VT4F5V37E3", "0047182902", "Jörg", "Müller", 12500, Day(13), "HARB"),
                new(2, "01JPAS3E28JT97KB6CQ643DZVM", "7310592642", "Aoife", "O'Brien-Núñez", 500, Day(14), "NVAL"),
                new(3, "01JPAXXQKFBF5KZNWJ47TAN9ZT", "1200000055", null, "Dubois", 200000, Day(14), "HARB"),
            ],
            "CORV_ACC_20250314_00001.csv",
            Utf8.GetBytes(Lines(CrLf,
                "transaction_id,member_id,surname,given_name,miles,request_date,bank_code",
                "01JPAM9S346Q3D25VT4F5V37E3,0047182902,Müller,Jörg,12500,2025-03-13,HARB",
                "01JPAS3E28JT97KB6CQ643DZVM,7310592642,O'Brien-Núñez,Aoife,500,2025-03-14,NVAL",
                "01JPAXXQKFBF5KZNWJ47TAN9ZT,1200000055,Dubois,,200000,2025-03-14,HARB")),
            new HandbackHeader("CORV", 1, At(16, 6, 12)),
            "CORV_HBK_20250316_00001.csv",
            Utf8.GetBytes(Lines(CrLf,
                "transaction_id,result_code,result_text,processed_date",
                "01JPAM9S346Q3D25VT4F5V37E3,0000,Credited,2025-03-16",
                "01JPAS3E28JT97KB6CQ643DZVM,1002,\"Surname differs, check spelling\",2025-03-16",
                "01JPAXXQKFBF5KZNWJ47TAN9ZT,1004,Account suspended,2025-03-16")),
            [
                new(2, "01JPAM9S346Q3D25VT4F5V37E3", null, "0000", null, null, "Credited"),
                new(3, "01JPAS3E28JT97KB6CQ643DZVM", null, "1002", null, null, "Surname differs, check spelling"),
                new(4, "01JPAXXQKFBF5KZNWJ47TAN9ZT", null, "1004", null, null, "Account suspended"),
            ],
            [Success, NameMismatch, AccountSuspended],
            At(16, 0, 0)),
        new(
            "QUIL",
            new AccrualBatch("QUIL", 2051, At(14, 9, 0)),
            [
                new(1, "01JPAQ0000000000000000000A", "314159266", "Hiroshi", "Tanaka", 5000, Day(13), "HARB"),
                new(2, "01JPAQ0000000000000000000B", "56000012X", "wei Ling", "Lim", 1000000, Day(14), "ORCH"),
                new(3, "01JPAQ0000000000000000000C", "202501175", "Seo-yeon", "Park", 25000, Day(14), "ORCH"),
            ],
            "QUIL.ACCR.20250314.S002051.txt",
            Utf8.GetBytes(Lines(Lf,
                "H|QUIL|002051|20250314|090000",
                "D|1|314159266|H|Tanaka|5000|20250313",
                "D|2|56000012X|W|Lim|1000000|20250314",
                "D|3|202501175|S|Park|25000|20250314",
                "T|3|1030000")),
            new HandbackHeader("QUIL", 2051, At(15, 3, 15, 2)),
            "QUIL.HBCK.20250315.S002051.txt",
            Utf8.GetBytes(Lines(Lf,
                "H|QUIL|002051|20250315|031502",
                "D|1|314159266|A00|5000",
                "D|2|56000012X|R02|0",
                "D|3|202501175|E99|0",
                "T|3|5000")),
            [
                new(2, null, 1, "A00", 5000, "314159266", null),
                new(3, null, 2, "R02", 0, "56000012X", null),
                new(4, null, 3, "E99", 0, "202501175", null),
            ],
            [Success, NameMismatch, ProgrammeError],
            At(15, 3, 15, 2)),
        new(
            "TAMR",
            new AccrualBatch("TAMR", 311, At(14, 12, 0)),
            [
                new(1, "01JPAT0000000000000000000A", "TK004512", "Anjali", "Rao", 100, Day(14), "ORCH"),
                new(2, "01JPAT0000000000000000000B", "MN998201", "Omar", "Haddad", 7777, Day(14), "NVAL"),
                new(3, "01JPAT0000000000000000000C", "RS100000", "Li", "Na", 50000, Day(13), "NVAL"),
            ],
            "tamr_000311_2025-03-14.jsonl",
            Utf8.GetBytes(Lines(Lf,
                """{"rec":"header","programme":"TAMR","fileSeq":311,"createdAt":"2025-03-14T12:00:00Z"}""",
                """{"rec":"item","line":1,"memberId":"TK004512","fullName":"Anjali Rao","miles":100,"requestedOn":"2025-03-14"}""",
                """{"rec":"item","line":2,"memberId":"MN998201","fullName":"Omar Haddad","miles":7777,"requestedOn":"2025-03-14"}""",
                """{"rec":"item","line":3,"memberId":"RS100000","fullName":"Li Na","miles":50000,"requestedOn":"2025-03-13"}""",
                """{"rec":"footer","count":3,"totalMiles":57877}""")),
            new HandbackHeader("TAMR", 311, At(15, 4, 10)),
            "tamr_000311_2025-03-15.result.jsonl",
            Utf8.GetBytes(Lines(Lf,
                """{"rec":"header","programme":"TAMR","fileSeq":311,"createdAt":"2025-03-15T04:10:00Z"}""",
                """{"rec":"result","line":1,"status":"OK","credited":100}""",
                """{"rec":"result","line":2,"status":"NAME_MISMATCH","credited":0}""",
                """{"rec":"result","line":3,"status":"OK","credited":50000}""",
                """{"rec":"footer","count":3,"totalCredited":50100}""")),
            [
                new(2, null, 1, "OK", 100, null, null),
                new(3, null, 2, "NAME_MISMATCH", 0, null, null),
                new(4, null, 3, "OK", 50000, null, null),
            ],
            [Success, NameMismatch, Success],
            At(15, 4, 10)),
        new(
            "LUMO",
            new AccrualBatch("LUMO", 42, At(14, 20, 0)),
            [
                // Names are accepted and stored for LUMO (rule NONE) but never sent.
                new(1, "01JPA24MNPZX45HY43KWJRP1XP", "001234567889", "Ana", "Lopez", 2500, Day(14), "HARB"),
                new(2, "01JPAA7Z3DJ8FSSZ5AWSH8VHTP", "440091827357", null, null, 60000, Day(14), "ORCH"),
                new(3, "01JPARE95B9EE0ZBGJ09TQM83X", "100000000093", null, "Okafor", 600000, Day(14), "HARB"),
            ],
            "LUMO00004220250314.DAT",
            Encoding.ASCII.GetBytes(Lines(CrLf,
                "1LUMO00004220250314                                               ",
                "200000101JPA24MNPZX45HY43KWJRP1XP00123456788900000250020250314HARB",
                "200000201JPAA7Z3DJ8FSSZ5AWSH8VHTP44009182735700006000020250314ORCH",
                "200000301JPARE95B9EE0ZBGJ09TQM83X10000000009300060000020250314HARB",
                "9000003000000662500                                               ")),
            new HandbackHeader("LUMO", 42, At(15, 5, 30)),
            "LUMO00004220250315.RET",
            Encoding.ASCII.GetBytes(Lines(CrLf,
                "1LUMO00004220250315                                 ",
                "200000101JPA24MNPZX45HY43KWJRP1XP0000000250020250315",
                "200000201JPAA7Z3DJ8FSSZ5AWSH8VHTPM100000000020250315",
                "200000301JPARE95B9EE0ZBGJ09TQM83X9900000000020250315",
                "9000003000000002500                                 ")),
            [
                new(2, "01JPA24MNPZX45HY43KWJRP1XP", null, "00", 2500, null, null),
                new(3, "01JPAA7Z3DJ8FSSZ5AWSH8VHTP", null, "M1", 0, null, null),
                new(4, "01JPARE95B9EE0ZBGJ09TQM83X", null, "99", 0, null, null),
            ],
            [Success, MemberNotFound, ProgrammeError],
            At(15, 0, 0)),
        new(
            "HALC",
            new AccrualBatch("HALC", 7, At(14, 16, 0)),
            [
                new(1, "01JPASSSS6YS3C4DWA7N36096Q", "572004136", "Jürgen", "Weiß", 1250, Day(14), "HARB"),
                new(2, "01JPA14DR9GPQY77ZXYYK596NG", "800112359", "Zoë", "Brandstätter", 40000, Day(13), "NVAL"),
                // Ł is not in Latin-1: the file carries its FOLD form.
                new(3, "01JPAYA1DQ91K5GQAPENECFSEC", "100000006", "Łukasz", "Nowak", 300000, Day(14), "HARB"),
            ],
            "halc_credit_14032025_0007.csv",
            Encoding.Latin1.GetBytes(Lines(CrLf,
                "TxnRef;MemberNo;FirstName;LastName;Stars;Date",
                "01JPASSSS6YS3C4DWA7N36096Q;572004136;Jürgen;Weiß;1250;14.03.2025",
                "01JPA14DR9GPQY77ZXYYK596NG;800112359;Zoë;Brandstätter;40000;13.03.2025",
                "01JPAYA1DQ91K5GQAPENECFSEC;100000006;Lukasz;Nowak;300000;14.03.2025",
                "#TOTAL;3;341250")),
            new HandbackHeader("HALC", 7, At(15, 7, 40)),
            "halc_reply_15032025_0007.csv",
            Encoding.Latin1.GetBytes(Lines(CrLf,
                "TxnRef;Code;Message;Processed",
                "01JPASSSS6YS3C4DWA7N36096Q;0000;OK;15.03.2025 07:40",
                "01JPA14DR9GPQY77ZXYYK596NG;0000;OK;15.03.2025 07:40",
                "01JPAYA1DQ91K5GQAPENECFSEC;1001;Mitglied unbekannt;15.03.2025 07:40",
                "#TOTAL;3")),
            [
                new(2, "01JPASSSS6YS3C4DWA7N36096Q", null, "0000", null, null, "OK"),
                new(3, "01JPA14DR9GPQY77ZXYYK596NG", null, "0000", null, null, "OK"),
                new(4, "01JPAYA1DQ91K5GQAPENECFSEC", null, "1001", null, null, "Mitglied unbekannt"),
            ],
            [Success, Success, MemberNotFound],
            At(15, 7, 40)),
        new(
            "VERD",
            new AccrualBatch("VERD", 12, At(14, 22, 0)),
            [
                // VERD matches on the surname alone; the given name is not sent.
                new(1, "01JPAZP11HYGCPWPQ5E6EYCNDY", "7KQ4M2ZD", "Lucía", "García", 200, Day(14), "ORCH"),
                new(2, "01JPA0YP57RCYBVN5SXS5AA819", "A9C3X8RT", "John", "Smith", 3330, Day(13), "NVAL"),
                new(3, "01JPAX9YP981068VCD1GDJFMGT", "H2N6V0PW", null, "Nguyen", 100000, Day(14), "ORCH"),
            ],
            "VERD-ACCRUAL-00012-03142025.tsv",
            Utf8.GetBytes(Lines(Lf,
                "txn_id\tmember\tlast_name\tpoints\trequested",
                "01JPAZP11HYGCPWPQ5E6EYCNDY\t7KQ4M2ZD\tGarcía\t200\t03/14/2025",
                "01JPA0YP57RCYBVN5SXS5AA819\tA9C3X8RT\tSmith\t3330\t03/13/2025",
                "01JPAX9YP981068VCD1GDJFMGT\tH2N6V0PW\tNguyen\t100000\t03/14/2025")),
            new HandbackHeader("VERD", 12, At(16, 1, 5)),
            "VERD-HANDBACK-00012-03162025.tsv",
            Utf8.GetBytes(Lines(Lf,
                "txn_id\tstatus\tdetail\tposted",
                "01JPAZP11HYGCPWPQ5E6EYCNDY\t0000\tposted\t03/16/2025",
                "01JPA0YP57RCYBVN5SXS5AA819\t1003\taccount closed\t03/16/2025",
                "01JPAX9YP981068VCD1GDJFMGT\t9001\tsystem busy, resend\t03/16/2025")),
            [
                new(2, "01JPAZP11HYGCPWPQ5E6EYCNDY", null, "0000", null, null, "posted"),
                new(3, "01JPA0YP57RCYBVN5SXS5AA819", null, "1003", null, null, "account closed"),
                new(4, "01JPAX9YP981068VCD1GDJFMGT", null, "9001", null, null, "system busy, resend"),
            ],
            [Success, AccountClosed, ProgrammeError],
            At(16, 0, 0)),
    ];

    private static DateOnly Day(int day) => new(2025, 3, day);

    private static DateTimeOffset At(int day, int hour, int minute, int second = 0) =>
        new(2025, 3, day, hour, minute, second, TimeSpan.Zero);
}
