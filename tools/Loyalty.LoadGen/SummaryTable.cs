using System.Globalization;
using Spectre.Console;

namespace Loyalty.LoadGen;

/// <summary>The end-of-run summary for people: where the requests went, how long they took, what failed.</summary>
public static class SummaryTable
{
    public static void Write(IAnsiConsole console, Summary summary)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(summary);

        var instances = new Table().Title("Requests per instance")
            .AddColumn("Instance").AddColumn(Right("Requests")).AddColumn(Right("Share"));
        foreach (var (instance, count) in summary.PerInstance)
        {
            instances.AddRow(Cell(instance), Cell(count), Cell(Share(count, summary.Requests)));
        }

        var latency = new Table().Title("Latency (ms)")
            .AddColumn(Right("p50")).AddColumn(Right("p90")).AddColumn(Right("p99")).AddColumn(Right("max"))
            .AddRow(Cell(summary.LatencyMs.P50), Cell(summary.LatencyMs.P90), Cell(summary.LatencyMs.P99), Cell(summary.LatencyMs.Max));

        var calls = new Table().Title("Calls").AddColumn("Call").AddColumn(Right("Requests"));
        foreach (var (call, count) in summary.Calls)
        {
            calls.AddRow(Cell(call), Cell(count));
        }

        console.Write(instances);
        console.Write(new Columns(latency, calls).Collapse());
        if (summary.Errors.Count > 0)
        {
            var errors = new Table().Title("Errors").AddColumn("Kind").AddColumn(Right("Requests"));
            foreach (var (kind, count) in summary.Errors)
            {
                errors.AddRow(Cell(kind), Cell(count));
            }

            console.Write(errors);
        }

        var invariant = CultureInfo.InvariantCulture;
        console.WriteLine(string.Create(invariant,
            $"{summary.Requests} requests: {summary.Succeeded} succeeded, {summary.Failed} failed in {summary.ElapsedSeconds:0.00} s ({summary.RequestsPerSecond:0.0} requests/s)"));
        console.WriteLine(summary.BusiestToIdlest is { } ratio
            ? string.Create(invariant, $"busiest/idlest instance: {ratio:0.00}x")
            : "busiest/idlest instance: n/a (no response named its instance)");
    }

    private static TableColumn Right(string header) => new TableColumn(header).RightAligned();

    // Text, not markup: an instance id or error kind with a bracket in it must not be read as a style.
    private static Text Cell(string value) => new(value);

    private static Text Cell(long value) => new(value.ToString(CultureInfo.InvariantCulture));

    private static Text Cell(double value) => new(value.ToString("0.0", CultureInfo.InvariantCulture));

    private static string Share(long count, long total) =>
        total == 0 ? "-" : (100.0 * count / total).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
