using FluentMigrator;

namespace Loyalty.Api.Infrastructure.Database.Migrations;

/// <summary>
/// The programme catalogue and the banks of DOMAIN.md §3 and §8. A new programme is a new migration with
/// one more row: its member id rule, name rule and file kind are chosen by name from existing algorithms.
/// </summary>
[Migration(2, "Seed the programme catalogue and the banks")]
public sealed class M0002SeedCatalogue : ForwardOnlyMigration
{
    public override void Up()
    {
        Programme("CORV", "Corvane Airways Miles", "airline", "Europe", "Corvane Miles",
            "Miles on Corvane's European network.", 500, 200_000, 50, 3, "17:00:00",
            "https://corvane.example.com/join", "SURNAME_FOLD",
            "REMOVE_SPACES", "^[0-9]{10}$", "LUHN", "10 digits, e.g. 0047182902 (spaces are ignored)",
            "CSV_HEADER", "UTF-8");
        Programme("QUIL", "Quillon Air Club", "airline", "East Asia", "QuillMiles",
            "Quillon Air's club for East Asia and the Pacific.", 1_000, 1_000_000, 1_000, 5, "09:00:00",
            "https://club.quillon.example.com/enrol", "INITIAL_SURNAME_FOLD",
            "TRIM_UPPER", "^[0-9]{8}[0-9X]$", "MOD11", "8 digits then a digit or X, e.g. 56000012X",
            "PIPE_HDT", "UTF-8");
        Programme("TAMR", "Tamarind Airways Spice Club", "airline", "South Asia / Gulf", "Spice Miles",
            "Spice Club for South Asia and Gulf routes.", 100, 50_000, 1, 2, "12:00:00",
            "https://tamarind-air.example.com/spice", "FULL_EXACT",
            "TRIM_UPPER", "^[A-HJ-NP-Z]{2}[0-9]{6}$", "NONE", "2 letters (no I or O) then 6 digits, e.g. TK004512",
            "JSON_LINES", "UTF-8");
        Programme("LUMO", "Lumora Hotels Glow", "hotel", "Global", "Glow Points",
            "Glow Points for free nights at Lumora hotels worldwide.", 2_500, 600_000, 500, 7, "20:00:00",
            "https://lumora.example.com/glow/join", "NONE",
            "REMOVE_SPACES", "^[0-9]{12}$", "MOD97_10", "12 digits, e.g. 001234567889 (spaces are ignored)",
            "FIXED_WIDTH", "US-ASCII");
        Programme("HALC", "Halcyra Alpine Resorts", "hotel", "Central Europe", "Halcyra Stars",
            "Stars at Halcyra's mountain resorts and spas.", 1_000, 300_000, 250, 4, "16:00:00",
            "https://halcyra.example.com/stars", "FULL_FOLD",
            "TRIM", "^[0-9]{9}$", "DAMM", "9 digits, e.g. 572004136",
            "SEMICOLON_CSV", "ISO-8859-1");
        Programme("VERD", "Verdanta Inns Leaves", "hotel", "North America", "Leaves",
            "Leaves at Verdanta roadside inns in North America.", 200, 100_000, 10, 3, "22:00:00",
            "https://verdanta.example.com/leaves", "SURNAME_CASE",
            "TRIM_UPPER_REMOVE_HYPHEN", "^[0-9A-HJKMNP-TV-Z]{8}$", "NONE",
            "8 letters or digits shown as XXXX-XXXX, e.g. 7KQ4-M2ZD (no I, L, O or U)",
            "TSV_HEADER", "UTF-8");

        Bank("HARB", "Harbourline Bank", "CORV", "QUIL", "LUMO", "HALC");
        Bank("ORCH", "Orchid Commercial Bank", "QUIL", "TAMR", "LUMO", "VERD");
        Bank("NVAL", "Northvale Savings & Trust", "CORV", "TAMR", "HALC", "VERD");
    }

    private void Programme(string code, string name, string type, string region, string currency,
        string description, long min, long max, long multiple, int promiseDays, string cutoffUtc,
        string enrolmentUrl, string nameRule, string idNormalisation, string idPattern, string idCheck,
        string idHint, string fileKind, string fileEncoding) =>
        Insert.IntoTable("programmes").Row(new Dictionary<string, object>
        {
            ["code"] = code, ["name"] = name, ["type"] = type, ["region"] = region, ["currency"] = currency,
            ["description"] = description, ["min_amount"] = min, ["max_amount"] = max,
            ["amount_multiple"] = multiple, ["promise_days"] = promiseDays, ["cutoff_utc"] = cutoffUtc,
            ["enrolment_url"] = enrolmentUrl, ["name_rule"] = nameRule,
            ["member_id_normalisation"] = idNormalisation, ["member_id_pattern"] = idPattern,
            ["member_id_check"] = idCheck, ["member_id_hint"] = idHint,
            ["file_kind"] = fileKind, ["file_encoding"] = fileEncoding, ["active"] = true,
        });

    private void Bank(string code, string name, params string[] programmes)
    {
        Insert.IntoTable("banks").Row(new { code, name });
        Insert.IntoTable("event_feed_positions").Row(new { bank_code = code, position = 0 });
        foreach (var programme in programmes)
        {
            Insert.IntoTable("bank_programmes").Row(new { bank_code = code, programme_code = programme });
        }
    }
}
