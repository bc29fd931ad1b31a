using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Loyalty.LoadGen;

/// <summary>Which call request n makes, and its ordinal among the calls of its kind (0, 1, 2, ...).</summary>
public readonly record struct Pick(ApiCall Call, long Ordinal);

/// <summary>
/// Relative weights of the calls, e.g. <c>catalogue=5,programme=2,validate=2,accrual=1</c>. Calls are
/// dealt from a fixed cycle rather than drawn at random: request n always makes the same call, so a run
/// can be replayed and a test can predict its call counts exactly (1000 requests at 5:2:2:1 are 500,
/// 200, 200 and 100), and the cycle is interleaved so every stretch of a run carries the same mix.
/// </summary>
public sealed class Mix
{
    public const string DefaultText = "catalogue=5,programme=2,validate=2,accrual=1";

    /// <summary>Keeps the dealing cycle (the sum of the weights) small.</summary>
    public const int MaxWeight = 1000;

    private readonly ApiCall[] cycle;
    private readonly long[] rankInCycle;

    private Mix(IReadOnlyDictionary<ApiCall, int> weights)
    {
        Weights = weights;
        cycle = Interleave(weights);
        rankInCycle = new long[cycle.Length];
        var seen = new Dictionary<ApiCall, long>();
        for (var slot = 0; slot < cycle.Length; slot++)
        {
            seen.TryGetValue(cycle[slot], out var rank);
            rankInCycle[slot] = rank;
            seen[cycle[slot]] = rank + 1;
        }
    }

    public static Mix Default { get; } = Parse(DefaultText);

    /// <summary>The calls with a weight above zero, in <see cref="ApiCall"/> order.</summary>
    public IReadOnlyDictionary<ApiCall, int> Weights { get; }

    public IEnumerable<ApiCall> Used => Weights.Keys;

    public bool Uses(ApiCall call) => Weights.ContainsKey(call);

    /// <summary>The call of request <paramref name="seq"/> (1-based).</summary>
    public Pick PickFor(long seq)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        var index = (seq - 1) % cycle.Length;
        var round = (seq - 1) / cycle.Length;
        var call = cycle[index];
        return new Pick(call, (round * Weights[call]) + rankInCycle[index]);
    }

    public static Mix Parse(string text) =>
        TryParse(text, out var mix, out var error) ? mix : throw new FormatException(error);

    /// <summary>
    /// <c>name=weight</c> pairs separated by commas; a bare name means weight 1. Names are the
    /// <see cref="ApiCall"/> names, case-insensitive; unlisted calls get weight 0.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Mix? mix, [NotNullWhen(false)] out string? error)
    {
        mix = null;
        var known = string.Join(", ", ApiCalls.All.Select(c => c.Name()));
        var weights = new Dictionary<ApiCall, int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0)
            {
                error = $"empty entry; expected name=weight pairs separated by commas, e.g. {DefaultText}";
                return false;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? part : part[..equals]).Trim();
            var weightText = equals < 0 ? "1" : part[(equals + 1)..].Trim();
            if (!ApiCalls.TryParse(name, out var call))
            {
                error = $"unknown call '{name}'; the calls are {known}";
                return false;
            }

            if (!int.TryParse(weightText, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > MaxWeight)
            {
                error = $"the weight of {call.Name()} must be a whole number from 0 to {MaxWeight}, not '{weightText}'";
                return false;
            }

            if (!weights.TryAdd(call, weight))
            {
                error = $"{call.Name()} is listed twice";
                return false;
            }
        }

        if (weights.Values.Sum() == 0)
        {
            error = "at least one call needs a weight above 0";
            return false;
        }

        mix = new Mix(ApiCalls.All.Where(c => weights.GetValueOrDefault(c) > 0).ToDictionary(c => c, c => weights[c]));
        error = null;
        return true;
    }

    public override string ToString() => string.Join(',', Weights.Select(w => $"{w.Key.Name()}={w.Value}"));

    /// <summary>
    /// Smooth weighted round robin (nginx's upstream algorithm): 5:2:2:1 deals
    /// catalogue, programme, validate, catalogue, catalogue, accrual, ... rather than five catalogues in a row.
    /// </summary>
    private static ApiCall[] Interleave(IReadOnlyDictionary<ApiCall, int> weights)
    {
        var total = weights.Values.Sum();
        var current = weights.Keys.ToDictionary(c => c, _ => 0);
        var cycle = new ApiCall[total];
        for (var slot = 0; slot < total; slot++)
        {
            var best = default(ApiCall);
            var bestCurrent = int.MinValue;
            foreach (var (call, weight) in weights)
            {
                current[call] += weight;
                if (current[call] > bestCurrent)
                {
                    (best, bestCurrent) = (call, current[call]);
                }
            }

            cycle[slot] = best;
            current[best] -= total;
        }

        return cycle;
    }
}
