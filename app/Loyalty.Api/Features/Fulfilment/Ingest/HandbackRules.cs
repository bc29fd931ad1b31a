using Loyalty.Api.Domain.Transactions;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>A row of the batch a handback answers, with the current state of its transaction.</summary>
public sealed record BatchItem(
    int RowSequence, string TransactionId, string MemberId, long Amount, string Status, long? BatchId, int Attempts,
    string? OutcomeCode, string? OutcomeProgrammeCode);

/// <summary>What a row does to its transaction: the new status and the outcome recorded with it.</summary>
public sealed record RowEffect(string NewStatus, string OutcomeCode, string? ProgrammeCode, string? Reason);

public enum RowVerdict
{
    /// <summary>The transaction changes as <see cref="RowDecision.Effect"/> says.</summary>
    Apply,

    /// <summary>The row repeats the outcome already recorded: nothing to do.</summary>
    NoOp,

    /// <summary>Listed in the processing report; the transaction is not touched.</summary>
    Anomaly,
}

public sealed record RowDecision(HandbackLine Line, string Reference, BatchItem? Item, RowVerdict Verdict, RowEffect? Effect, string? Anomaly);

/// <summary>
/// DOMAIN.md §6 for the rows of one handback file, as a pure function of the rows, the batch rows they refer to and
/// which references the file repeats: which rows apply, which repeat what is recorded, and which are anomalies (with
/// the reason that goes in the report). A file is decided a part at a time, so it need not be in memory whole.
/// </summary>
public static class HandbackRules
{
    public const string RetriesExhausted = "RETRIES_EXHAUSTED";

    /// <param name="items">The rows of batch <paramref name="batchId"/> the lines may refer to (more do no harm).</param>
    /// <param name="isRepeated">Whether a reference is used by more than one row of the whole file.</param>
    public static IReadOnlyList<RowDecision> Decide(
        PartnerFileSpec spec, IReadOnlyList<HandbackLine> lines, long batchId, IReadOnlyCollection<BatchItem> items,
        Func<string, bool> isRepeated, int maxAttempts)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(isRepeated);
        var byId = items.ToDictionary(i => i.TransactionId, StringComparer.Ordinal);
        var bySequence = items.ToDictionary(i => i.RowSequence);

        return [.. lines.Select(line =>
        {
            var reference = Reference(line);
            var item = line.TransactionId is { } id ? byId.GetValueOrDefault(id)
                : line.RowSequence is { } sequence ? bySequence.GetValueOrDefault(sequence) : null;
            if (item is null)
            {
                return Anomaly(line, reference, null, "REFERENCE_NOT_IN_BATCH: the row refers to no row of the file it answers");
            }

            if (isRepeated(reference))
            {
                return Anomaly(line, reference, item, "DUPLICATE_ROW: more than one row for this reference; all of them are ignored");
            }

            if (!spec.OutcomeCodes.TryGetCanonical(line.Code, out var canonical))
            {
                return Anomaly(line, reference, item, $"UNKNOWN_CODE: '{line.Code}' is not a {spec.ProgrammeCode} outcome code");
            }

            if (line.MemberId is { } echoed && !string.Equals(echoed, item.MemberId, StringComparison.Ordinal))
            {
                return Anomaly(line, reference, item, $"MEMBER_ID_MISMATCH: the row says '{echoed}', the file sent '{item.MemberId}'");
            }

            if (canonical == CanonicalOutcome.Success && line.Credited is { } credited && credited != item.Amount)
            {
                return Anomaly(line, reference, item, $"CREDITED_MISMATCH: success with {credited} credited of {item.Amount} requested");
            }

            var effect = EffectOf(canonical, line, item.Attempts, maxAttempts);
            if (item.Status == TransactionStatus.Submitted && item.BatchId == batchId)
            {
                return new RowDecision(line, reference, item, RowVerdict.Apply, effect, null);
            }

            return item.OutcomeCode == effect.OutcomeCode && item.OutcomeProgrammeCode == effect.ProgrammeCode
                ? new RowDecision(line, reference, item, RowVerdict.NoOp, null, null)
                : Anomaly(line, reference, item,
                    $"NOT_SUBMITTED_IN_THIS_FILE: the transaction is {item.Status} with outcome {item.OutcomeCode ?? "none"}; the row says {effect.OutcomeCode}");
        })];
    }

    private static RowEffect EffectOf(CanonicalOutcome canonical, HandbackLine line, int attempts, int maxAttempts)
    {
        var name = canonical.ToCode();
        if (canonical == CanonicalOutcome.Success)
        {
            return new RowEffect(TransactionStatus.Fulfilled, name, line.Code, line.Text);
        }

        if (canonical != CanonicalOutcome.ProgrammeError)
        {
            return new RowEffect(TransactionStatus.Rejected, name, line.Code, line.Text);
        }

        return attempts < maxAttempts
            ? new RowEffect(TransactionStatus.Pending, name, line.Code, line.Text)
            : new RowEffect(TransactionStatus.Rejected, RetriesExhausted, null, null);
    }

    /// <summary>What the row refers to, as the report names it: its transaction id or its row sequence.</summary>
    public static string Reference(HandbackLine line) =>
        line.TransactionId ?? line.RowSequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static RowDecision Anomaly(HandbackLine line, string reference, BatchItem? item, string reason) =>
        new(line, reference, item, RowVerdict.Anomaly, null, reason);
}
