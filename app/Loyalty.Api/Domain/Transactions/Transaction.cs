using Loyalty.Api.Infrastructure.OpenApi;
using Loyalty.Core;

namespace Loyalty.Api.Domain.Transactions;

/// <summary>
/// The statuses of DOMAIN.md §2, as the <c>transactions.status</c> column holds them. Only
/// <see cref="TransactionLifecycle"/> writes them.
/// </summary>
public static class TransactionStatus
{
    public const string Pending = "pending";
    public const string Submitted = "submitted";
    public const string Fulfilled = "fulfilled";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
}

/// <summary>What a bank sees of one of its transactions.</summary>
[OpenApiExample("""
    {"transactionId":"01JPAM9S346Q3D25VT4F5V37E3","bankReference":"HB-2025-000123","programmeCode":"CORV",
     "memberId":"0047182902","givenName":"Jörg","surname":"Müller","amount":12500,"status":"pending","outcome":null,
     "attempts":0,"expectedBy":null,"requestedAt":"2025-03-13T09:30:00Z","createdAt":"2025-03-13T09:30:01.123456Z",
     "updatedAt":"2025-03-13T09:30:01.123456Z"}
    """)]
public sealed record TransactionView(
    string TransactionId,
    string BankReference,
    string ProgrammeCode,
    string MemberId,
    string? GivenName,
    string? Surname,
    long Amount,
    string Status,
    Outcome? Outcome,
    int Attempts,
    DateOnly? ExpectedBy,
    DateTime RequestedAt,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>
/// The canonical outcome (DOMAIN.md §6, or CANCELLED / EXPIRED / RETRIES_EXHAUSTED), the programme's own
/// code when a handback row caused it, and the programme's reason text.
/// </summary>
public sealed record Outcome(string Code, string? ProgrammeCode, string? Reason)
{
    public static Outcome? From(string? code, string? programmeCode, string? reason) =>
        code is null ? null : new Outcome(code, programmeCode, reason);
}

/// <summary>A transactions row as Dapper reads it.</summary>
public sealed record TransactionRow(
    string TransactionId,
    string BankReference,
    byte[] PayloadHash,
    string ProgrammeCode,
    string MemberId,
    string? GivenName,
    string? Surname,
    long Amount,
    string Status,
    string? OutcomeCode,
    string? OutcomeProgrammeCode,
    string? OutcomeReason,
    int Attempts,
    DateTime? ExpectedBy,
    DateTime RequestedAt,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    public TransactionView ToView() => new(
        TransactionId, BankReference, ProgrammeCode, MemberId, GivenName, Surname, Amount, Status,
        Outcome.From(OutcomeCode, OutcomeProgrammeCode, OutcomeReason), Attempts,
        ExpectedBy is { } date ? DateOnly.FromDateTime(date) : null, RequestedAt, CreatedAt, UpdatedAt);
}
