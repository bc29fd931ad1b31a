using Loyalty.Core;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>The processing report stored beside each handled handback file.</summary>
public sealed record ProcessingReport(
    string File, string ProgrammeCode, int? FileSequence, string Sha256, string Outcome, string? Error,
    int Rows, int Applied, int Unchanged, IReadOnlyList<ReportAnomaly> Anomalies);

public sealed record ReportAnomaly(int Line, string Reference, string? TransactionId, string Code, string Reason);

/// <summary>
/// Writes a handback's processing report under reports/{CODE}/. Stored before the database commit and derived
/// only from the file and the batch, so a run that dies in between and is repeated writes the same report again.
/// </summary>
public sealed class HandbackReports(IAmazonS3 s3, IOptions<FulfilmentOptions> options)
{
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Returns the report's key.</summary>
    public async Task<string> StoreAsync(HandbackObject file, int? sequence, string outcome, string? error,
        IReadOnlyList<RowDecision> decisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(decisions);
        var report = new ProcessingReport(file.Key, file.ProgrammeCode, sequence, Convert.ToHexStringLower(file.Sha256), outcome, error,
            decisions.Count, decisions.Count(d => d.Verdict == RowVerdict.Apply), decisions.Count(d => d.Verdict == RowVerdict.NoOp),
            [.. decisions.Where(d => d.Verdict == RowVerdict.Anomaly)
                .Select(d => new ReportAnomaly(d.Line.LineNumber, d.Reference, d.Item?.TransactionId, d.Line.Code, d.Anomaly!))]);
        var key = $"{BucketPrefixes.Reports}{file.ProgrammeCode}/{file.FileName}.report.json";
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = options.Value.Bucket,
            Key = key,
            ContentBody = JsonSerializer.Serialize(report, ReportJson),
            ContentType = "application/json",
        }, cancellationToken);
        return key;
    }
}
