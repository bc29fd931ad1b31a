using System.Security.Cryptography;
using System.Text;
using Dapper;
using Loyalty.Api.Infrastructure.Database;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>One version of a handback object, as read: where it is, and the digest of its bytes.</summary>
public sealed record HandbackObject(string ProgrammeCode, string Key, string FileName, string ETag, byte[] Sha256);

/// <summary>How the handling of one handback object ended, as <c>handback_files</c> keeps it.</summary>
public sealed record HandbackRecord(
    HandbackObject File, int? FileSequence, IngestOutcome Outcome, long? BatchId = null, int Rows = 0, int Applied = 0,
    int Anomalies = 0, string? ReportKey = null, string? Error = null);

/// <summary>
/// The <c>handback_files</c> table: which object versions were handled and how, so none is handled twice and a
/// sequence is applied from one content only.
/// </summary>
public sealed class HandbackLedger(TimeProvider time)
{
    private const int ErrorLength = 1000;

    public Task<bool> SeenAsync(MySqlConnection connection, string key, string etag, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(IngestSql.Seen,
            new { KeySha256 = KeySha256(key), ETag = etag }, cancellationToken: cancellationToken));

    /// <summary>The digest of the file already applied for this programme and sequence, if any.</summary>
    public Task<byte[]?> AppliedDigestAsync(MySqlConnection connection, string programmeCode, int sequence, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(IngestSql.AppliedDigest,
            new { ProgrammeCode = programmeCode, FileSequence = sequence }, cancellationToken: cancellationToken));

    public Task RecordAsync(MySqlConnection connection, MySqlTransaction? transaction, HandbackRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return connection.ExecuteAsync(new CommandDefinition(IngestSql.Record, new
        {
            record.File.ProgrammeCode,
            record.File.Key,
            KeySha256 = KeySha256(record.File.Key),
            record.File.ETag,
            record.FileSequence,
            record.File.Sha256,
            Outcome = record.Outcome.ToString().ToLowerInvariant(),
            record.BatchId,
            RowCount = record.Rows,
            AppliedCount = record.Applied,
            AnomalyCount = record.Anomalies,
            Error = Truncated(record.Error),
            record.ReportKey,
            Now = time.GetUtcNow().TruncateToMicroseconds().UtcDateTime,
        }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Records an object that will not be read again, and why; false if it was recorded already.</summary>
    /// <param name="programmeCode">The programme whose folder it is in, when that is one.</param>
    public async Task<bool> QuarantineAsync(
        MySqlConnection connection, string key, string etag, string? programmeCode, string reason, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(IngestSql.Quarantine, new
        {
            ProgrammeCode = programmeCode,
            Key = key,
            KeySha256 = KeySha256(key),
            ETag = etag,
            Error = Truncated(reason),
            Now = time.GetUtcNow().TruncateToMicroseconds().UtcDateTime,
        }, cancellationToken: cancellationToken)) == 1;

    /// <summary>Objects are known by the digest of their key: S3 allows keys longer than any index prefix.</summary>
    private static byte[] KeySha256(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string? Truncated(string? error) => error is { Length: > ErrorLength } ? error[..ErrorLength] : error;
}
