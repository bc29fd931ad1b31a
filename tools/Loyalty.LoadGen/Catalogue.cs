namespace Loyalty.LoadGen;

/// <summary>What the load generator reads of <c>GET /v1/programmes</c>.</summary>
public sealed record CatalogueResponse(IReadOnlyList<CatalogueProgramme> Programmes);

public sealed record CatalogueProgramme(string Code, AmountRules Amount, NameFields NameFields);

public sealed record AmountRules(long Min, long Max, long MultipleOf);

/// <summary><c>required</c> or <c>optional</c> per name field.</summary>
public sealed record NameFields(string GivenName, string Surname);

/// <summary>A programme the generator can validate members of and accrue to, with members that pass its checks.</summary>
public sealed record AccrualTarget(string Code, AmountRules Amount, IReadOnlyList<TestMember> Members)
{
    /// <summary>
    /// The n-th amount: one of the first few multiples at or above the programme's minimum, so amounts vary
    /// but stay within the limits.
    /// </summary>
    public long AmountFor(long ordinal)
    {
        var first = FirstAmount(Amount);
        var steps = Math.Min(20, ((Amount.Max - first) / Amount.MultipleOf) + 1);
        return first + (Amount.MultipleOf * (ordinal % steps));
    }

    /// <summary>Whether any amount is valid at all: a positive multiple with one between min and max.</summary>
    public static bool HasValidAmount(AmountRules amount) =>
        amount.MultipleOf > 0 && amount.Min <= amount.Max && FirstAmount(amount) <= amount.Max;

    private static long FirstAmount(AmountRules amount) =>
        Math.Max(1, (amount.Min + amount.MultipleOf - 1) / amount.MultipleOf) * amount.MultipleOf;
}

/// <summary>What one token's bank may be sent: its catalogue's codes, and the programmes with known members.</summary>
public sealed record BankTargets(IReadOnlyList<string> ProgrammeCodes, IReadOnlyList<AccrualTarget> Accruals)
{
    public static BankTargets Empty { get; } = new([], []);

    public static BankTargets From(CatalogueResponse catalogue, IReadOnlyDictionary<string, IReadOnlyList<TestMember>> members)
    {
        var accruals = new List<AccrualTarget>();
        foreach (var programme in catalogue.Programmes)
        {
            var usable = members.GetValueOrDefault(programme.Code, [])
                .Where(m => Has(m.GivenName, programme.NameFields.GivenName) && Has(m.Surname, programme.NameFields.Surname))
                .ToList();
            if (usable.Count > 0 && AccrualTarget.HasValidAmount(programme.Amount))
            {
                accruals.Add(new AccrualTarget(programme.Code, programme.Amount, usable));
            }
        }

        return new BankTargets([.. catalogue.Programmes.Select(p => p.Code)], accruals);
    }

    private static bool Has(string? name, string rule) => rule != "required" || !string.IsNullOrWhiteSpace(name);
}
