using System.Globalization;
using System.Text.RegularExpressions;

namespace Loyalty.LoadGen;

/// <summary>Durations as people type them: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1m30s</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"\G(\d+(?:\.\d+)?)(ms|s|m|h)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var position = 0;
        var total = 0.0;
        var trimmed = text.Trim();
        while (position < trimmed.Length)
        {
            var match = Part().Match(trimmed, position);
            if (!match.Success)
            {
                return false;
            }

            var value = double.Parse(match.Groups[1].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            total += match.Groups[2].ValueSpan switch
            {
                "ms" => value,
                "s" => value * 1_000,
                "m" => value * 60_000,
                _ => value * 3_600_000,
            };
            position += match.Length;
        }

        if (total > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(total);
        return true;
    }

    public static string Format(TimeSpan duration)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (duration.TotalSeconds < 1)
        {
            return string.Create(invariant, $"{duration.TotalMilliseconds:0}ms");
        }

        return duration.TotalMinutes < 1
            ? string.Create(invariant, $"{duration.TotalSeconds:0.#}s")
            : string.Create(invariant, $"{(int)duration.TotalMinutes}m{duration.Seconds}s");
    }
}
