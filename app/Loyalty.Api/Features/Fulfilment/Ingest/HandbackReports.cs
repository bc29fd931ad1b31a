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

/// <summary>What a handback's rows came to, counted as each part of the file is decided.</summary>
public sealed class RowTally
{
    private readonly List<ReportAnomaly> anomalies = [];

    public int Rows { get; private set; }

    public int Applied { get; private set; }

    public int Unchanged { get; private set; }

    /// <summary>In file order.</summary>
    public IReadOnlyList<ReportAnomaly> Anomalies => anomalies;

    public void Add(IEnumerable<RowDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        foreach (var decision in decisions)
        {
            Rows++;
            switch (decision.Verdict)
            {
                case RowVerdict.Apply:
                    Applied++;
                    break;
                case RowVerdict.NoOp:
                    Unchanged++;
                    break;
                default:
                    anomalies.Add(new ReportAnomaly(
                        decision.Line.LineNumber, decision.Reference, decision.Item?.TransactionId, decision.Line.Code, decision.Anomaly!));
                    break;
            }
        }
    }
}

/// <summary>
/// Writes a handback's processing report under reports/{CODE}/. Stored before the database commit and derived
/// only from the file and the batch, so a run that dies in between and is repeated writes the same report again.
/// </summary>
public sealed class HandbackReports(IAmazonS3 s3, IOptions<FulfilmentOptions> options)
{
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Returns the report's key.</summary>
    public async Task<string> StoreAsync(HandbackObject file, int? sequence, string outcome, string? error,
        RowTally rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(rows);
        var report = new ProcessingReport(file.Key, file.ProgrammeCode, sequence, Convert.ToHexStringLower(file.Sha256), outcome, error,
            rows.Rows, rows.Applied, rows.Unchanged, rows.Anomalies);
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
