using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Loyalty.Core.PartnerFiles;
using static Loyalty.Core.PartnerFiles.HandbackReference;
using static Loyalty.Core.PartnerFiles.PartnerFileKind;

namespace Loyalty.Core;

/// <summary>
/// The programmes of DOMAIN.md §3 and §5, one record each: the only place a programme is defined. The API, the
/// exporter, the ingester and the programme simulator read them from here; each migration run writes them into
/// the <c>programmes</c> table (the API's CatalogueSync), which the database's keys and reports use. A new
/// programme is one more record here, choosing existing rules, a registered file kind and a code set, plus a
/// migration offering it to banks.
/// </summary>
public static class ProgrammeDefinitions
{
    public static IReadOnlyList<Programme> All { get; } =
    [
        Define("CORV", "Corvane Airways Miles", "airline", "Europe", "Corvane Miles",
            "Miles on Corvane's European network.", min: 500, max: 200_000, multiple: 50, promiseDays: 3, cutoffUtc: new(17, 0),
            "https://corvane.example.com/join", NameRule.SurnameFold,
            new(MemberIdRule.RemoveSpaces, "^[0-9]{10}$", "LUHN"), "10 digits, e.g. 0047182902 (spaces are ignored)",
            CsvHeader, "CORV_ACC_{yyyyMMdd}_{seq:D5}.csv", "CORV_HBK_{yyyyMMdd}_{seq:D5}.csv", TransactionId, OutcomeCodeSets.Shared),
        Define("QUIL", "Quillon Air Club", "airline", "East Asia", "QuillMiles",
            "Quillon Air's club for East Asia and the Pacific.", min: 1_000, max: 1_000_000, multiple: 1_000, promiseDays: 5, cutoffUtc: new(9, 0),
            "https://club.quillon.example.com/enrol", NameRule.InitialSurnameFold,
            new(MemberIdRule.TrimUpper, "^[0-9]{8}[0-9X]$", "MOD11"), "8 digits then a digit or X, e.g. 56000012X",
            PipeHdt, "QUIL.ACCR.{yyyyMMdd}.S{seq:D6}.txt", "QUIL.HBCK.{yyyyMMdd}.S{seq:D6}.txt", RowSequence, OutcomeCodeSets.Quil),
        Define("TAMR", "Tamarind Airways Spice Club", "airline", "South Asia / Gulf", "Spice Miles",
            "Spice Club for South Asia and Gulf routes.", min: 100, max: 50_000, multiple: 1, promiseDays: 2, cutoffUtc: new(12, 0),
            "https://tamarind-air.example.com/spice", NameRule.FullExact,
            new(MemberIdRule.TrimUpper, "^[A-HJ-NP-Z]{2}[0-9]{6}$", "NONE"), "2 letters (no I or O) then 6 digits, e.g. TK004512",
            JsonLines, "tamr_{seq:D6}_{yyyy-MM-dd}.jsonl", "tamr_{seq:D6}_{yyyy-MM-dd}.result.jsonl", RowSequence, OutcomeCodeSets.Tamr),
        Define("LUMO", "Lumora Hotels Glow", "hotel", "Global", "Glow Points",
            "Glow Points for free nights at Lumora hotels worldwide.", min: 2_500, max: 600_000, multiple: 500, promiseDays: 7, cutoffUtc: new(20, 0),
            "https://lumora.example.com/glow/join", NameRule.None,
            new(MemberIdRule.RemoveSpaces, "^[0-9]{12}$", "MOD97_10"), "12 digits, e.g. 001234567889 (spaces are ignored)",
            FixedWidth, "LUMO{seq:D6}{yyyyMMdd}.DAT", "LUMO{seq:D6}{yyyyMMdd}.RET", TransactionId, OutcomeCodeSets.Lumo),
        Define("HALC", "Halcyra Alpine Resorts", "hotel", "Central Europe", "Halcyra Stars",
            "Stars at Halcyra's mountain resorts and spas.", min: 1_000, max: 300_000, multiple: 250, promiseDays: 4, cutoffUtc: new(16, 0),
            "https://halcyra.example.com/stars", NameRule.FullFold,
            new(MemberIdRule.Trim, "^[0-9]{9}$", "DAMM"), "9 digits, e.g. 572004136",
            SemicolonCsv, "halc_credit_{ddMMyyyy}_{seq:D4}.csv", "halc_reply_{ddMMyyyy}_{seq:D4}.csv", TransactionId, OutcomeCodeSets.Shared),
        Define("VERD", "Verdanta Inns Leaves", "hotel", "North America", "Leaves",
            "Leaves at Verdanta roadside inns in North America.", min: 200, max: 100_000, multiple: 10, promiseDays: 3, cutoffUtc: new(22, 0),
            "https://verdanta.example.com/leaves", NameRule.SurnameCase,
            new(MemberIdRule.TrimUpperRemoveHyphen, "^[0-9A-HJKMNP-TV-Z]{8}$", "NONE"),
            "8 letters or digits shown as XXXX-XXXX, e.g. 7KQ4-M2ZD (no I, L, O or U)",
            TsvHeader, "VERD-ACCRUAL-{seq:D5}-{MMddyyyy}.tsv", "VERD-HANDBACK-{seq:D5}-{MMddyyyy}.tsv", TransactionId, OutcomeCodeSets.Shared),
    ];

    private static readonly FrozenDictionary<string, Programme> ByCode =
        All.ToFrozenDictionary(programme => programme.Code, StringComparer.Ordinal);

    /// <exception cref="KeyNotFoundException">No programme has that code (exact, case-sensitive).</exception>
    public static Programme Get(string code) =>
        TryGet(code, out var programme)
            ? programme
            : throw new KeyNotFoundException($"No programme is defined with code '{code}'.");

    public static bool TryGet(string code, [NotNullWhen(true)] out Programme? programme)
    {
        ArgumentNullException.ThrowIfNull(code);
        return ByCode.TryGetValue(code, out programme);
    }

    private static Programme Define(string code, string name, string type, string region, string currency,
        string description, long min, long max, long multiple, int promiseDays, TimeOnly cutoffUtc, string enrolmentUrl,
        NameRule nameRule, MemberIdRule memberId, string memberIdHint, PartnerFileKind fileKind, string accrualFiles,
        string handbackFiles, HandbackReference handbackRefersTo, OutcomeCodeSet outcomeCodes) =>
        new(code, name, type, region, currency, description, min, max, multiple, promiseDays, cutoffUtc, enrolmentUrl,
            memberIdHint, nameRule, memberId,
            new PartnerFileSpec(code, fileKind, new(accrualFiles), new(handbackFiles), handbackRefersTo, outcomeCodes));
}
