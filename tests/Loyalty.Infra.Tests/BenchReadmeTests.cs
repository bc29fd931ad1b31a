using System.Text.Json;

namespace Loyalty.Infra.Tests;

/// <summary>
/// The README's performance table is a copy of the last bench run's (bench/results.md, written by make bench): the same
/// rows, and the commit latest.json names. A new run that is committed without the README fails here.
/// </summary>
public sealed class BenchReadmeTests
{
    [Fact]
    public void Readme_ShowsTheTableOfTheLastBenchRun_AndItsCommit()
    {
        var bench = Path.Combine(RepositoryRoot.Path, "bench");
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var table = Table(File.ReadAllText(Path.Combine(bench, "results.md")));
        using var latest = JsonDocument.Parse(File.ReadAllText(Path.Combine(bench, "results", "latest.json")));

        Assert.True(table.Count > 2, "bench/results.md has no table");
        Assert.Equal(table, Table(readme[readme.IndexOf("## Performance", StringComparison.Ordinal)..]));
        Assert.Equal(latest.RootElement.GetProperty("rows").EnumerateArray().Select(r => $"`{r.GetProperty("id").GetString()}`"),
            table.Skip(2).Select(line => line.Split('|')[1].Trim()));
        Assert.Contains($"commit {latest.RootElement.GetProperty("commit").GetString()}", readme, StringComparison.Ordinal);
    }

    /// <summary>The lines of the first table that starts with a "| Row |" header.</summary>
    private static List<string> Table(string markdown) =>
        [.. markdown.Split('\n').SkipWhile(line => !line.StartsWith("| Row |", StringComparison.Ordinal)).TakeWhile(line => line.StartsWith('|'))];
}
