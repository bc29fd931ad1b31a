using System.Text.Json.Serialization;

namespace Loyalty.LoadGen;

/// <summary>
/// One request as the log records it (one JSON line each; the platform tests parse these field names).
/// </summary>
/// <param name="Status">The HTTP status, 0 when no response arrived.</param>
/// <param name="Instance">The <c>X-Served-By</c> header: the API instance that answered.</param>
/// <param name="Upstream">The <c>X-Upstream</c> header: what the local nginx tried, also on its own 502.</param>
/// <param name="StartedAt">UTC, so it serialises with a Z.</param>
/// <param name="Error">Null exactly when the status is 2xx; else a short kind, see <see cref="ErrorKinds"/>.</param>
/// <param name="BankReference">Accruals only.</param>
/// <param name="TransactionId">Accruals answered 200 or 201 only.</param>
public sealed record RequestRecord(
    long Seq,
    string TraceId,
    string Call,
    string Method,
    string Path,
    int Status,
    string? Instance,
    string? Upstream,
    DateTime StartedAt,
    double Ms,
    string? Error,
    string? BankReference,
    string? TransactionId)
{
    [JsonIgnore]
    public bool Succeeded => Error is null;
}
