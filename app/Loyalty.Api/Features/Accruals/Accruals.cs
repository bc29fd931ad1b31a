using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Loyalty.Api.Domain;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.OpenApi;
using Loyalty.Core;

namespace Loyalty.Api.Features.Accruals;

/// <summary>
/// An accrual request as sent. Every field is optional at the JSON level so that a missing or mistyped
/// value is reported with its DOMAIN.md error code (422) rather than as a generic malformed body (400).
/// </summary>
[OpenApiExample("""
    {"bankReference":"HB-2025-000123","programmeCode":"CORV","memberId":"0047182902","givenName":"Jörg",
     "surname":"Müller","amount":12500,"requestedAt":"2025-03-13T09:30:00Z"}
    """)]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AccrualRequest(
    string? BankReference,
    string? ProgrammeCode,
    string? MemberId,
    string? GivenName,
    string? Surname,
    [property: OpenApiInteger("Programme units: a JSON integer within the programme's bounds and a multiple of its step.")]
    JsonElement? Amount,
    string? RequestedAt);

/// <summary>A request that passed every rule, normalised as it is stored.</summary>
public sealed record ValidAccrual(
    string BankReference,
    Programme Programme,
    string MemberId,
    string? GivenName,
    string? Surname,
    long Amount,
    DateTime RequestedAt,
    byte[] PayloadHash);

public static partial class AccrualValidator
{
    public const string AmountField = "amount";

    /// <summary>JSON numbers above 2^53 lose precision in most bank clients' JSON parsers.</summary>
    private const long MaxSafeInteger = 9_007_199_254_740_992;
    private static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Rfc3339UtcPattern();

    /// <summary>Checks every field (all failures together) and normalises the request.</summary>
    public static ValidAccrual? Validate(AccrualRequest request, string bank, Catalogue catalogue, DateTimeOffset now, List<FieldError> errors)
    {
        var bankReference = Identifiers.IsBankReference(request.BankReference) ? request.BankReference : null;
        if (bankReference is null)
        {
            errors.Add(new FieldError("bankReference", "REFERENCE_INVALID"));
        }

        var programme = request.ProgrammeCode is { } code ? catalogue.Offered(bank, code) : null;
        if (programme is null)
        {
            errors.Add(new FieldError("programmeCode",
                request.ProgrammeCode is { } known && catalogue.Programmes.ContainsKey(known) ? "PROGRAMME_NOT_OFFERED" : "PROGRAMME_UNKNOWN"));
        }

        var memberId = programme is null ? null : MemberChecks.Check(programme, request.MemberId, request.GivenName, request.Surname, errors);
        var amount = CheckAmount(request.Amount, programme, errors);
        var requestedAt = CheckRequestedAt(request.RequestedAt, now, errors);

        if (errors.Count > 0 || bankReference is null || programme is null || memberId is null || amount is null || requestedAt is null)
        {
            return null;
        }

        var givenName = StoredName(request.GivenName);
        var surname = StoredName(request.Surname);
        return new ValidAccrual(bankReference, programme, memberId, givenName, surname, amount.Value, requestedAt.Value,
            PayloadHash(programme.Code, memberId, givenName, surname, amount.Value, request.RequestedAt is null ? null : requestedAt));
    }

    private static long? CheckAmount(JsonElement? value, Programme? programme, List<FieldError> errors)
    {
        // Only a JSON integer literal: 1.0, 1e3, "500", true and null are not amounts.
        if (value is not { ValueKind: JsonValueKind.Number } number
            || number.GetRawText().AsSpan().IndexOfAny(".eE") >= 0
            || !number.TryGetInt64(out var amount)
            || amount <= 0 || amount > MaxSafeInteger)
        {
            errors.Add(new FieldError(AmountField, "AMOUNT_INVALID"));
            return null;
        }

        if (programme is null)
        {
            return amount;
        }

        var code = amount < programme.MinAmount ? "AMOUNT_BELOW_MIN"
            : amount > programme.MaxAmount ? "AMOUNT_ABOVE_MAX"
            : amount % programme.AmountMultiple != 0 ? "AMOUNT_NOT_MULTIPLE"
            : null;
        if (code is not null)
        {
            errors.Add(new FieldError(AmountField, code));
        }

        return amount;
    }

    private static DateTime? CheckRequestedAt(string? value, DateTimeOffset now, List<FieldError> errors)
    {
        if (value is null)
        {
            return now.UtcDateTime;
        }

        if (!Rfc3339UtcPattern().IsMatch(value)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed)
            || parsed > now + MaxFutureSkew)
        {
            errors.Add(new FieldError("requestedAt", "TIME_INVALID"));
            return null;
        }

        return parsed.UtcDateTime;
    }

    private static string? StoredName(string? value) => PersonNames.Normalise(value) is { Length: > 0 } name ? name : null;

    /// <summary>
    /// Identity of a request for idempotency: the normalised payload, so '0047 1829 02' and '0047182902'
    /// replay each other while any real difference is a conflict. An omitted requestedAt is part of it.
    /// </summary>
    private static byte[] PayloadHash(string programme, string memberId, string? givenName, string? surname, long amount, DateTime? requestedAt)
    {
        var canonical = string.Join('\u001f',
            programme, memberId, givenName ?? "", surname ?? "",
            amount.ToString(CultureInfo.InvariantCulture),
            requestedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "");
        return SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
    }
}
