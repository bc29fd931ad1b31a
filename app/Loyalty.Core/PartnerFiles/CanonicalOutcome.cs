namespace Loyalty.Core.PartnerFiles;

/// <summary>What a handback row means, whatever the programme's own code for it (DOMAIN.md §6).</summary>
public enum CanonicalOutcome
{
    Success,
    MemberNotFound,
    NameMismatch,
    AccountClosed,
    AccountSuspended,
    InvalidAmount,
    Duplicate,
    InvalidRecord,
    ProgrammeError,
}

/// <summary>One row of the canonical outcome table: its stored name and what it does to a transaction.</summary>
/// <param name="Code">The name stored and sent to banks (<c>SUCCESS</c>, …).</param>
/// <param name="IsFinal">Whether the transaction ends here; otherwise it goes back to the next batch.</param>
/// <param name="RaisesOpsAlert">Whether operations must look at it even though the transaction is settled.</param>
public sealed record CanonicalOutcomeDefinition(CanonicalOutcome Outcome, string Code, bool IsFinal, bool RaisesOpsAlert);

public static class CanonicalOutcomes
{
    /// <summary>DOMAIN.md §6, in the order of <see cref="CanonicalOutcome"/>.</summary>
    public static IReadOnlyList<CanonicalOutcomeDefinition> All { get; } =
    [
        new(CanonicalOutcome.Success, "SUCCESS", IsFinal: true, RaisesOpsAlert: false),
        new(CanonicalOutcome.MemberNotFound, "MEMBER_NOT_FOUND", IsFinal: true, RaisesOpsAlert: false),
        new(CanonicalOutcome.NameMismatch, "NAME_MISMATCH", IsFinal: true, RaisesOpsAlert: false),
        new(CanonicalOutcome.AccountClosed, "ACCOUNT_CLOSED", IsFinal: true, RaisesOpsAlert: false),
        new(CanonicalOutcome.AccountSuspended, "ACCOUNT_SUSPENDED", IsFinal: true, RaisesOpsAlert: false),
        new(CanonicalOutcome.InvalidAmount, "INVALID_AMOUNT", IsFinal: true, RaisesOpsAlert: false),
        new(CanonicalOutcome.Duplicate, "DUPLICATE", IsFinal: true, RaisesOpsAlert: true),
        new(CanonicalOutcome.InvalidRecord, "INVALID_RECORD", IsFinal: true, RaisesOpsAlert: true),
        new(CanonicalOutcome.ProgrammeError, "PROGRAMME_ERROR", IsFinal: false, RaisesOpsAlert: false),
    ];

    public static CanonicalOutcomeDefinition Definition(this CanonicalOutcome outcome) =>
        (uint)outcome < (uint)All.Count
            ? All[(int)outcome]
            : throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown canonical outcome.");

    public static string ToCode(this CanonicalOutcome outcome) => outcome.Definition().Code;

    public static bool IsFinal(this CanonicalOutcome outcome) => outcome.Definition().IsFinal;

    public static bool RaisesOpsAlert(this CanonicalOutcome outcome) => outcome.Definition().RaisesOpsAlert;

    /// <summary>The outcome stored under <paramref name="code"/> (exact, case-sensitive).</summary>
    public static bool TryParse(string code, out CanonicalOutcome outcome)
    {
        foreach (var definition in All)
        {
            if (string.Equals(definition.Code, code, StringComparison.Ordinal))
            {
                outcome = definition.Outcome;
                return true;
            }
        }

        outcome = default;
        return false;
    }
}
