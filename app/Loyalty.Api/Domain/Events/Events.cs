using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure.OpenApi;
using Loyalty.Core;

namespace Loyalty.Api.Domain.Events;

/// <summary>A notification of DOMAIN.md §7, as the polling feed and the bank's queue carry it.</summary>
[OpenApiExample(Example)]
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
    DateTime OccurredAt)
{
    internal const string Example = """
        {"eventId":"01JPB2T7X4K9QH3M8RZC5VWN6D","type":"transaction.status_changed","sequence":3,
         "transactionId":"01JPAM9S346Q3D25VT4F5V37E3","bankCode":"HARB","bankReference":"HB-2025-000123",
         "programmeCode":"CORV","amount":12500,"previousStatus":"submitted","newStatus":"fulfilled",
         "outcome":{"code":"SUCCESS","programmeCode":"0000","reason":"Credited"},"occurredAt":"2025-03-16T06:12:09Z"}
        """;
}

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
