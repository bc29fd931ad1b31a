using System.Globalization;
using System.Text;

namespace Loyalty.Infra.PolicyGate;

/// <summary>
/// Generates the README's policy sections from the rule objects and the suppression list, so the published
/// rules and exceptions cannot drift from what the gate enforces (a test compares them).
/// </summary>
public static class PolicyReadme
{
    public const string RulesStart = "<!-- policy:rules -->";
    public const string RulesEnd = "<!-- /policy:rules -->";
    public const string SuppressionsStart = "<!-- policy:suppressions -->";
    public const string SuppressionsEnd = "<!-- /policy:suppressions -->";

    public static string RulesTable(IEnumerable<PolicyRule> rules)
    {
        var text = new StringBuilder();
        text.Append("| Id | Severity | Area | Why | Fix |\n|---|---|---|---|---|\n");
        foreach (var rule in rules)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {rule.Id} | {rule.SeverityWord} | {rule.Area} | {Cell(rule.Why)} | {Cell(rule.Fix)} |\n");
        }

        return text.ToString();
    }

    public static string SuppressionsTable(IEnumerable<PolicySuppression> suppressions)
    {
        var text = new StringBuilder();
        text.Append("| Stage | Id | Path | Reason |\n|---|---|---|---|\n");
        foreach (var s in suppressions.OrderBy(s => s.Stage, StringComparer.Ordinal).ThenBy(s => s.RuleId, StringComparer.Ordinal).ThenBy(s => s.Path, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {s.Stage} | {s.RuleId} | `{s.Path}` | {Cell(s.Reason)} |\n");
        }

        return text.ToString();
    }

    /// <summary>The README with both sections replaced by the generator's output.</summary>
    public static string Render(string readme) =>
        Replace(Replace(readme, RulesStart, RulesEnd, RulesTable(PolicyRules.All)), SuppressionsStart, SuppressionsEnd, SuppressionsTable(PolicySuppressions.All));

    private static string Replace(string text, string start, string end, string body)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        if (from < 0 || to < from)
        {
            throw new InvalidOperationException($"README.md lacks the markers {start} ... {end}.");
        }

        return string.Concat(text.AsSpan(0, from + start.Length), "\n", body, text.AsSpan(to));
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
