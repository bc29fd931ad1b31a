namespace Loyalty.LoadGen;

/// <summary>The API calls the load generator makes; their names are the ones the mix, log and report use.</summary>
public enum ApiCall
{
    Catalogue,
    Programme,
    Validate,
    Accrual,
    Instance,
}

public static class ApiCalls
{
    public static IReadOnlyList<ApiCall> All { get; } = Enum.GetValues<ApiCall>();

    public static string Name(this ApiCall call) => call switch
    {
        ApiCall.Catalogue => "catalogue",
        ApiCall.Programme => "programme",
        ApiCall.Validate => "validate",
        ApiCall.Accrual => "accrual",
        ApiCall.Instance => "instance",
        _ => throw new ArgumentOutOfRangeException(nameof(call), call, null),
    };

    public static bool TryParse(string name, out ApiCall call)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                call = candidate;
                return true;
            }
        }

        call = default;
        return false;
    }

    /// <summary>Only <c>/instance</c> is anonymous; every other call needs a bank token.</summary>
    public static bool NeedsToken(this ApiCall call) => call != ApiCall.Instance;

    /// <summary>Calls that name a programme need the bank's catalogue, fetched once before the run.</summary>
    public static bool NeedsCatalogue(this ApiCall call) => call is ApiCall.Programme or ApiCall.Validate or ApiCall.Accrual;
}
