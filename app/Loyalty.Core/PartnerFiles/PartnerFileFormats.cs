using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// The format class of each file kind. A new kind is a <see cref="PartnerFileKind"/> member, its format class and
/// one line here; everything that differs between kinds (encoding, whole-file checks, file size) is the format's.
/// </summary>
public static partial class PartnerFileFormats
{
    private static readonly FrozenDictionary<PartnerFileKind, Func<PartnerFileSpec, IPartnerFileFormat>> Registered =
        new Dictionary<PartnerFileKind, Func<PartnerFileSpec, IPartnerFileFormat>>
        {
            [PartnerFileKind.CsvHeader] = spec => new HeaderedDelimitedFormat(spec, HeaderedDelimitedLayout.CsvHeader),
            [PartnerFileKind.PipeHdt] = spec => new PipeHdtFormat(spec),
            [PartnerFileKind.JsonLines] = spec => new JsonLinesFormat(spec),
            [PartnerFileKind.FixedWidth] = spec => new FixedWidthFormat(spec),
            [PartnerFileKind.SemicolonCsv] = spec => new HeaderedDelimitedFormat(spec, HeaderedDelimitedLayout.SemicolonCsv),
            [PartnerFileKind.TsvHeader] = spec => new HeaderedDelimitedFormat(spec, HeaderedDelimitedLayout.TsvHeader),
        }.ToFrozenDictionary();

    public static bool IsRegistered(PartnerFileKind kind) => Registered.ContainsKey(kind);

    /// <exception cref="InvalidOperationException">No format is registered for the spec's kind.</exception>
    public static IPartnerFileFormat Create(PartnerFileSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Registered.TryGetValue(spec.Kind, out var create)
            ? create(spec)
            : throw new InvalidOperationException($"{spec.ProgrammeCode} has file kind {spec.Kind}, for which no format is registered.");
    }

    /// <summary>How the <c>programmes</c> table names a kind: <c>CsvHeader</c> is <c>CSV_HEADER</c>.</summary>
    public static string Code(PartnerFileKind kind) =>
        WordBoundary().Replace(kind.ToString(), "_").ToUpperInvariant();

    [GeneratedRegex("(?<=[a-z])(?=[A-Z])")]
    private static partial Regex WordBoundary();
}
