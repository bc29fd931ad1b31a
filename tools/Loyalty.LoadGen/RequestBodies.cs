using System.Text.Json.Serialization;

namespace Loyalty.LoadGen;

/// <summary>The body of <c>POST /v1/programmes/{code}/member-validations</c>.</summary>
public sealed record MemberValidationBody(
    string MemberId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? GivenName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Surname);

/// <summary>The body of <c>POST /v1/accruals</c>.</summary>
public sealed record AccrualBody(
    string BankReference,
    string ProgrammeCode,
    string MemberId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? GivenName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Surname,
    long Amount,
    string RequestedAt);

/// <summary>What the generator reads of an accrual's answer (a transaction).</summary>
public sealed record AccrualAnswer(string? TransactionId);
