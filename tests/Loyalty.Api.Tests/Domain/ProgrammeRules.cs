using Loyalty.Api.Domain;

namespace Loyalty.Api.Tests.Domain;

/// <summary>The six catalogue programmes' member id rules (DOMAIN.md §3.2) as the database stores them.</summary>
internal static class ProgrammeRules
{
    public static MemberIdRule Corv { get; } = new("REMOVE_SPACES", "^[0-9]{10}$", "LUHN");
    public static MemberIdRule Quil { get; } = new("TRIM_UPPER", "^[0-9]{8}[0-9X]$", "MOD11");
    public static MemberIdRule Tamr { get; } = new("TRIM_UPPER", "^[A-HJ-NP-Z]{2}[0-9]{6}$", "NONE");
    public static MemberIdRule Lumo { get; } = new("REMOVE_SPACES", "^[0-9]{12}$", "MOD97_10");
    public static MemberIdRule Halc { get; } = new("TRIM", "^[0-9]{9}$", "DAMM");
    public static MemberIdRule Verd { get; } = new("TRIM_UPPER_REMOVE_HYPHEN", "^[0-9A-HJKMNP-TV-Z]{8}$", "NONE");

    public static MemberIdRule For(string programmeCode) => programmeCode switch
    {
        "CORV" => Corv,
        "QUIL" => Quil,
        "TAMR" => Tamr,
        "LUMO" => Lumo,
        "HALC" => Halc,
        "VERD" => Verd,
        _ => throw new ArgumentOutOfRangeException(nameof(programmeCode), programmeCode, "Not a catalogue programme."),
    };
}
