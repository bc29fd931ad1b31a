using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Loyalty.Api.Domain.PartnerFiles;

/// <summary>The file definitions of DOMAIN.md §5, one per programme.</summary>
public static class PartnerFileSpecs
{
    public static IReadOnlyList<PartnerFileSpec> All { get; } =
    [
        new("CORV", PartnerFileKind.CsvHeader,
            new("CORV_ACC_{yyyyMMdd}_{seq:D5}.csv"), new("CORV_HBK_{yyyyMMdd}_{seq:D5}.csv"),
            HandbackReference.TransactionId, OutcomeCodeSets.Shared),
        new("QUIL", PartnerFileKind.PipeHdt,
            new("QUIL.ACCR.{yyyyMMdd}.S{seq:D6}.txt"), new("QUIL.HBCK.{yyyyMMdd}.S{seq:D6}.txt"),
            HandbackReference.RowSequence, OutcomeCodeSets.Quil),
        new("TAMR", PartnerFileKind.JsonLines,
            new("tamr_{seq:D6}_{yyyy-MM-dd}.jsonl"), new("tamr_{seq:D6}_{yyyy-MM-dd}.result.jsonl"),
            HandbackReference.RowSequence, OutcomeCodeSets.Tamr),
        new("LUMO", PartnerFileKind.FixedWidth,
            new("LUMO{seq:D6}{yyyyMMdd}.DAT"), new("LUMO{seq:D6}{yyyyMMdd}.RET"),
            HandbackReference.TransactionId, OutcomeCodeSets.Lumo),
        new("HALC", PartnerFileKind.SemicolonCsv,
            new("halc_credit_{ddMMyyyy}_{seq:D4}.csv"), new("halc_reply_{ddMMyyyy}_{seq:D4}.csv"),
            HandbackReference.TransactionId, OutcomeCodeSets.Shared),
        new("VERD", PartnerFileKind.TsvHeader,
            new("VERD-ACCRUAL-{seq:D5}-{MMddyyyy}.tsv"), new("VERD-HANDBACK-{seq:D5}-{MMddyyyy}.tsv"),
            HandbackReference.TransactionId, OutcomeCodeSets.Shared),
    ];

    private static readonly FrozenDictionary<string, PartnerFileSpec> ByCode =
        All.ToFrozenDictionary(spec => spec.ProgrammeCode, StringComparer.Ordinal);

    /// <exception cref="KeyNotFoundException">No programme has that code (exact, case-sensitive).</exception>
    public static PartnerFileSpec Get(string programmeCode) =>
        TryGet(programmeCode, out var spec)
            ? spec
            : throw new KeyNotFoundException($"No partner file definition for programme '{programmeCode}'.");

    public static bool TryGet(string programmeCode, [NotNullWhen(true)] out PartnerFileSpec? spec)
    {
        ArgumentNullException.ThrowIfNull(programmeCode);
        return ByCode.TryGetValue(programmeCode, out spec);
    }
}
