using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Loyalty.LoadGen;

/// <summary>Request n, ready to send. <see cref="Body"/> is owned by the request message it goes into.</summary>
/// <param name="Path">Relative to the endpoint, without a leading slash, so an endpoint with a path prefix keeps it.</param>
public sealed record PlannedRequest(
    long Seq,
    string TraceId,
    ApiCall Call,
    HttpMethod Method,
    string Path,
    string? Token,
    HttpContent? Body,
    string? BankReference);

/// <summary>
/// Turns a sequence number into a request: its call from the mix, then its token, programme, member and
/// amount from the call's ordinal, so consecutive calls of a kind walk every token, programme and member.
/// </summary>
/// <param name="targets">Per token, in the same order as <paramref name="tokens"/>.</param>
public sealed class Workload(Mix mix, string baseTraceId, IReadOnlyList<string> tokens, IReadOnlyList<BankTargets> targets, TimeProvider time)
{
    public PlannedRequest Plan(long seq)
    {
        var (call, ordinal) = mix.PickFor(seq);
        var traceId = TraceIds.For(baseTraceId, seq);
        if (call == ApiCall.Instance)
        {
            return new(seq, traceId, call, HttpMethod.Get, $"instance?trace_id={traceId}", null, null, null);
        }

        var tokenIndex = (int)(ordinal % tokens.Count);
        var token = tokens[tokenIndex];
        var bank = targets[tokenIndex];
        var n = ordinal / tokens.Count;
        switch (call)
        {
            case ApiCall.Catalogue:
                return new(seq, traceId, call, HttpMethod.Get, "v1/programmes", token, null, null);
            case ApiCall.Programme:
                var code = bank.ProgrammeCodes[(int)(n % bank.ProgrammeCodes.Count)];
                return new(seq, traceId, call, HttpMethod.Get, $"v1/programmes/{Uri.EscapeDataString(code)}", token, null, null);
        }

        var target = bank.Accruals[(int)(n % bank.Accruals.Count)];
        var round = n / bank.Accruals.Count;
        var member = target.Members[(int)(round % target.Members.Count)];
        if (call == ApiCall.Validate)
        {
            var validation = new MemberValidationBody(member.MemberId, member.GivenName, member.Surname);
            return new(seq, traceId, call, HttpMethod.Post, $"v1/programmes/{Uri.EscapeDataString(target.Code)}/member-validations",
                token, Content(validation, LoadGenJson.Default.MemberValidationBody), null);
        }

        // The trace id is unique per run and request, so the reference is too: every accrual is a new one.
        var bankReference = "lg-" + traceId;
        var accrual = new AccrualBody(bankReference, target.Code, member.MemberId, member.GivenName, member.Surname,
            target.AmountFor(round), time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        return new(seq, traceId, call, HttpMethod.Post, "v1/accruals", token, Content(accrual, LoadGenJson.Default.AccrualBody), bankReference);
    }

    // Bytes rather than JsonContent: a known length, so the body is not sent chunked.
    private static ByteArrayContent Content<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json", "utf-8");
        return content;
    }
}
