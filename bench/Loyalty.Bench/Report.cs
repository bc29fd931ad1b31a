using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loyalty.Bench;

/// <summary>
/// One measurement: Loyalty beside its baseline (the limit of the same work) in <see cref="Unit"/>, or a single
/// <see cref="Value"/>; latencies where the row is an HTTP path. <see cref="Note"/> says what was measured in detail.
/// </summary>
public sealed record BenchRow(
    string Id, double? Loyalty, double? Baseline, string Unit, double? Ratio = null, double? P50Ms = null, double? P99Ms = null,
    double? Value = null, string? Note = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static BenchRow Compare(string id, double loyalty, double baseline, string unit, string? note = null) =>
        new(id, loyalty, baseline, unit, Math.Round(loyalty / baseline, 3), Note: note);

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>What each row is, and the goal it is held to (issue 16): the one place the goals live.</summary>
public sealed record Goal(string Id, string Path, string Baseline, double? MinRatio = null, double? MaxP99Ms = null, double? MaxValue = null)
{
    public static readonly IReadOnlyList<Goal> All =
    [
        new("catalogue-read", "Catalogue read: `GET /v1/programmes` (token, bank, ETag)", "the same bytes from bare Kestrel", MinRatio: 0.9, MaxP99Ms: 5),
        new("accrual-write", "Accrual write: `POST /v1/accruals` (validation, transaction + event, one commit)",
            "the very statements the accrual commits, from a bare endpoint through the same driver", MinRatio: 0.8, MaxP99Ms: 20),
        new("accrual-write-single-insert", "Accrual write, second reference", "one raw autocommitted INSERT of a transaction-sized row"),
        new("events-feed", "Event feed: `GET /v1/events`, pages of 100 at random positions", "the same SELECT issued raw, rows written as JSON",
            MinRatio: 0.7, MaxP99Ms: 10),
        new("export-end-to-end", "Export, end to end (claim, number, file, upload, submit + one event each)",
            "the same set-based SQL, raw, on a twin of the rows (claim, number, read, submit, events)", MinRatio: 0.6),
        new("export-file-stage", "Export file stage (stream the rows, write the format, upload)", "a raw streaming read of the same rows", MinRatio: 0.5),
        new("ingest-end-to-end", "Handback ingest, end to end (read, parse, decide, settle + one event each, report)",
            "the same set-based SQL, raw, on a twin of the rows (lock them, settle, events)", MinRatio: 0.5),
        new("export-peak-mb", "Export peak memory (process working set)", "", MaxValue: 200),
        new("ingest-peak-mb", "Ingest peak memory (process working set)", "", MaxValue: 200),
    ];

    /// <summary>Whether <paramref name="row"/> meets the goal; null where there is none.</summary>
    public bool? Met(BenchRow row)
    {
        if (MinRatio is null && MaxP99Ms is null && MaxValue is null)
        {
            return null;
        }

        return (MinRatio is not { } ratio || row.Ratio >= ratio)
            && (MaxP99Ms is not { } p99 || row.P99Ms <= p99)
            && (MaxValue is not { } max || row.Value < max);
    }

    public string Text => string.Join(", ", new[]
    {
        MinRatio is { } r ? $">= {r.ToString(CultureInfo.InvariantCulture)}x" : null,
        MaxP99Ms is { } p ? $"p99 <= {p.ToString(CultureInfo.InvariantCulture)} ms" : null,
        MaxValue is { } v ? $"< {v.ToString(CultureInfo.InvariantCulture)} MB" : null,
    }.Where(t => t is not null));
}

public static class Report
{
    /// <summary>Writes results.md and results/latest.json under <paramref name="output"/>; fails when a row is missing or has no figures.</summary>
    public static int Write(string rowsFile, string machineFile, string output)
    {
        var rows = File.ReadLines(rowsFile).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<BenchRow>(l, BenchRow.Json)!)
            .ToDictionary(r => r.Id);
        var missing = Goal.All.Select(g => g.Id).Where(id => !rows.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            Console.Error.WriteLine($"{rowsFile}: no measurement for {string.Join(", ", missing)}");
            return 1;
        }

        var empty = rows.Values.Where(r => !(r.Value > 0 || (r.Loyalty > 0 && r.Baseline > 0 && (r.Unit != "req/s" || r.P99Ms > 0)))).ToList();
        if (empty.Count > 0)
        {
            Console.Error.WriteLine($"{rowsFile}: no figures in {string.Join(", ", empty.Select(r => r.Id))}");
            return 1;
        }

        var machine = JsonNode.Parse(File.ReadAllText(machineFile))!.AsObject();
        var latest = new JsonObject
        {
            ["commit"] = machine["commit"]?.DeepClone(),
            ["date"] = machine["date"]?.DeepClone(),
            ["machine"] = machine["machine"]?.DeepClone(),
            ["rows"] = new JsonArray([.. Goal.All.Select(g => JsonNode.Parse(rows[g.Id].ToJson()))]),
        };
        Directory.CreateDirectory(Path.Combine(output, "results"));
        File.WriteAllText(Path.Combine(output, "results", "latest.json"), latest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(output, "results.md"), Markdown(rows, machine));
        Console.WriteLine(Table(rows));
        return 0;
    }

    public static string Table(IReadOnlyDictionary<string, BenchRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("| Row | Path | Loyalty | Baseline | Ratio | p50 / p99 | Goal |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var goal in Goal.All)
        {
            var row = rows[goal.Id];
            var met = goal.Met(row) switch { true => " (meets)", false => " (MISSES)", null => "" };
            var baseline = row.Baseline is { } b ? $"{Number(b)} {row.Unit}<br/>{goal.Baseline}" : "";
            var loyalty = row.Loyalty is { } l ? $"{Number(l)} {row.Unit}" : row.Value is { } v ? $"{Number(v)} {row.Unit}" : "";
            var latency = row.P50Ms is { } p50 && row.P99Ms is { } p99 ? $"{Number(p50)} / {Number(p99)} ms" : "";
            var ratio = row.Ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{goal.Id}` | {goal.Path} | {loyalty} | {baseline} | {ratio} | {latency} | {goal.Text}{met} |");
        }

        return md.ToString();
    }

    private static string Markdown(Dictionary<string, BenchRow> rows, JsonObject machine)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`make bench` (bench/run.sh) at {machine["commit"]} on {machine["date"]}: {machine["machine"]?.ToJsonString()}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"{machine["method"]}");
        md.AppendLine();
        md.Append(Table(rows));
        md.AppendLine();
        md.AppendLine("How to read it: each ratio is Loyalty's throughput over its baseline's, measured side by side in this one run on");
        md.AppendLine("the same machine, MariaDB and driver; the baseline is the limit of the same work (the same statements issued");
        md.AppendLine("raw), so 1.0 would mean Loyalty adds nothing to them. Client, API and MariaDB share the machine: absolute");
        md.AppendLine("numbers are low and move between runs, the ratios much less. Notes per row:");
        md.AppendLine();
        foreach (var goal in Goal.All.Where(g => rows[g.Id].Note is not null))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- `{goal.Id}`: {rows[goal.Id].Note}");
        }

        return md.ToString();
    }

    private static string Number(double value) =>
        value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
