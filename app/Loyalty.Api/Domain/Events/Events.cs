using Loyalty.Api.Domain.Transactions;

namespace Loyalty.Api.Domain.Events;

/// <summary>A notification of DOMAIN.md §7, as the polling feed and the bank's queue carry it.</summary>
public sealed record EventView(
    string EventId,
    string Type,
    int Sequence,
    string TransactionId,
    string BankCode,
    string BankReference,
    string ProgrammeCode,
    long Amount,
    string? PreviousStatus,
    string NewStatus,
    Outcome? Outcome,
    DateTime OccurredAt);

public sealed record EventRow(
    long Id,
    string EventId,
    long FeedPosition,
    int Sequence,
    string TransactionId,
    string BankCode,
    string BankReference,
    string ProgrammeCode,
    long Amount,
    string? PreviousStatus,
    string NewStatus,
    string? OutcomeCode,
    string? OutcomeProgrammeCode,
    string? OutcomeReason,
    DateTime OccurredAt)
{
    public const string StatusChanged = "transaction.status_changed";

    public EventView ToView() => new(
        EventId, StatusChanged, Sequence, TransactionId, BankCode, BankReference, ProgrammeCode, Amount,
        PreviousStatus, NewStatus, Outcome.From(OutcomeCode, OutcomeProgrammeCode, OutcomeReason), OccurredAt);
}
