using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Simulation;

/// <summary>How the simulated programmes answer.</summary>
public sealed record SimulatorSettings
{
    public required SeededMembers Members { get; init; }

    /// <summary>The outcomes of rows whose member is found, active and named right. Default: all succeed.</summary>
    public OutcomeMix Mix { get; init; } = OutcomeMix.AllSuccess;

    /// <summary>Treat a member id nobody seeded as an active member whose names match (for load tests with made-up ids).</summary>
    public bool AcceptUnknownMembers { get; init; }
}

/// <summary>
/// Canonical outcomes with integer weights, written <c>SUCCESS=90,PROGRAMME_ERROR=5,ACCOUNT_CLOSED=5</c>. A row gets
/// the outcome its draw lands on among the outcomes its programme has a code for.
/// </summary>
public sealed class OutcomeMix
{
    private readonly KeyValuePair<CanonicalOutcome, int>[] weights;

    private OutcomeMix(IEnumerable<KeyValuePair<CanonicalOutcome, int>> weights) =>
        // Enum order, so the same weights always split the draw range the same way however they were written.
        this.weights = [.. weights.Where(w => w.Value > 0).OrderBy(w => w.Key)];

    public static OutcomeMix AllSuccess { get; } = new([new(CanonicalOutcome.Success, 1)]);

    /// <summary>The outcomes with a weight above zero.</summary>
    public IReadOnlyDictionary<CanonicalOutcome, int> Weights => weights.ToDictionary();

    /// <exception cref="FormatException">The text names an unknown outcome, has a bad weight, or weighs nothing.</exception>
    public static OutcomeMix Parse(string text) =>
        TryParse(text, out var mix, out var error) ? mix : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out OutcomeMix? mix, [NotNullWhen(false)] out string? error)
    {
        mix = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The outcome mix is empty; write it like SUCCESS=90,PROGRAMME_ERROR=10.";
            return false;
        }

        var parsed = new Dictionary<CanonicalOutcome, int>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                error = $"'{entry}' in the outcome mix is not OUTCOME=WEIGHT.";
                return false;
            }

            if (!CanonicalOutcomes.TryParse(parts[0], out var outcome))
            {
                error = $"'{parts[0]}' is not a canonical outcome; use one of "
                    + string.Join(", ", CanonicalOutcomes.All.Select(d => d.Code)) + ".";
                return false;
            }

            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
            {
                error = $"The weight of {parts[0]}, '{parts[1]}', is not a whole number of 0 or more.";
                return false;
            }

            if (!parsed.TryAdd(outcome, weight))
            {
                error = $"{parts[0]} appears more than once in the outcome mix.";
                return false;
            }
        }

        if (parsed.Values.Sum(w => (long)w) == 0)
        {
            error = "The outcome mix weighs nothing; give at least one outcome a weight above 0.";
            return false;
        }

        mix = new OutcomeMix(parsed);
        error = null;
        return true;
    }

    /// <summary>
    /// The outcome a uniformly distributed <paramref name="draw"/> lands on, among the outcomes
    /// <paramref name="codes"/> can report (LUMO has no NAME_MISMATCH); SUCCESS when the mix names none of them.
    /// </summary>
    public CanonicalOutcome Pick(ulong draw, OutcomeCodeSet codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var reportable = weights.Where(w => codes.TryGetCode(w.Key, out _)).ToList();
        var total = (ulong)reportable.Sum(w => (long)w.Value);
        if (total == 0)
        {
            return CanonicalOutcome.Success;
        }

        // The modulo bias of a 64-bit draw over weights this small is far below anything a test could see.
        var point = draw % total;
        foreach (var (outcome, weight) in reportable)
        {
            if (point < (ulong)weight)
            {
                return outcome;
            }

            point -= (ulong)weight;
        }

        throw new InvalidOperationException("The draw fell outside the weights.");
    }

    public override string ToString() => string.Join(",", weights.Select(w => $"{w.Key.ToCode()}={w.Value}"));
}
