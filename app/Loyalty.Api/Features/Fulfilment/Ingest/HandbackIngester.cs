using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.PartnerFiles;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure.Database;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

public enum IngestOutcome
{
    /// <summary>The file's rows were applied (anomalies, if any, are in its report).</summary>
    Applied,

    /// <summary>The same content was already applied for this sequence: acknowledged and ignored.</summary>
    Duplicate,

    /// <summary>Refused whole: nothing applied; the report says why.</summary>
    Refused,

    /// <summary>This object (key and ETag) was handled before.</summary>
    AlreadySeen,

    /// <summary>Another instance holds this programme's ingest lock; try again later.</summary>
    Busy,

    /// <summary>The accrual file it answers is not confirmed sent yet (an export was interrupted); try again later.</summary>
    Deferred,

    /// <summary>Not a handback location (outside inbound/{CODE}/ of a known programme).</summary>
    Ignored,
}

public sealed record IngestResult(string Key, IngestOutcome Outcome, int Rows = 0, int Applied = 0, int Anomalies = 0, string? Error = null)
{
    public override string ToString() => Outcome switch
    {
        IngestOutcome.Applied => $"{Key}: applied {Applied} of {Rows} rows, {Anomalies} anomalies",
        IngestOutcome.Refused => $"{Key}: REFUSED: {Error}",
        IngestOutcome.Duplicate => $"{Key}: re-delivery of an applied file, ignored",
        IngestOutcome.AlreadySeen => $"{Key}: already processed",
        IngestOutcome.Busy => $"{Key}: another instance is ingesting this programme",
        IngestOutcome.Deferred => $"{Key}: its accrual file is still being sent; retried later",
        _ => $"{Key}: not a handback location, ignored",
    };
}

/// <summary>
/// Reads one handback file from inbound/{CODE}/ and applies it by DOMAIN.md §6, all or nothing: the
/// outcomes, their events and the record of the file commit in one transaction, after the processing
/// report is stored under reports/{CODE}/. A file that is wrong as a whole changes nothing. Per programme,
/// one instance at a time (session lock), so a file is never applied twice.
/// </summary>
public sealed partial class HandbackIngester(
    MySqlDataSource database,
    IAmazonS3 s3,
    IAmazonSQS sqs,
    IOptions<FulfilmentOptions> options,
    TimeProvider time,
    ILogger<HandbackIngester> logger)
{
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Handles the files the bucket announced on the ingest queue (long-polling up to <paramref name="waitSeconds"/>).
    /// A message is deleted only once every file it names is handled; one left behind comes back after its
    /// visibility timeout, and the listing would find its file anyway.
    /// </summary>
    public async Task<IReadOnlyList<IngestResult>> IngestQueuedAsync(int waitSeconds, CancellationToken cancellationToken)
    {
        var queueUrl = options.Value.IngestQueueUrl;
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = 10,
            WaitTimeSeconds = waitSeconds,
        }, cancellationToken);
        var results = new List<IngestResult>();
        foreach (var message in received.Messages ?? [])
        {
            var handled = true;
            foreach (var key in S3Notification.ObjectKeys(message.Body))
            {
                var result = await IngestAsync(key, cancellationToken);
                results.Add(result);
                handled &= result.Outcome is not (IngestOutcome.Busy or IngestOutcome.Deferred);
            }

            if (handled)
            {
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, cancellationToken);
            }
        }

        return results;
    }

    /// <summary>The safety net beside the queue: every inbound object not handled yet.</summary>
    public async Task<IReadOnlyList<IngestResult>> IngestListedAsync(CancellationToken cancellationToken)
    {
        var results = new List<IngestResult>();
        var request = new ListObjectsV2Request { BucketName = options.Value.Bucket, Prefix = "inbound/" };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                if (!await SeenAsync(item.Key, item.ETag, cancellationToken))
                {
                    results.Add(await IngestAsync(item.Key, cancellationToken));
                }
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return results;
    }

    public async Task<IngestResult> IngestAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        if (parts is not ["inbound", var code, var fileName] || !ProgrammeDefinitions.TryGet(code, out var programme))
        {
            return new IngestResult(key, IngestOutcome.Ignored);
        }

        var spec = programme.Exchange;

        await using var lockConnection = await database.OpenConnectionAsync(cancellationToken);
        await using var held = await SessionLock.TryAcquireAsync(lockConnection, $"loyalty-ingest-{code}", cancellationToken);
        return held is null
            ? new IngestResult(key, IngestOutcome.Busy)
            : await IngestLockedAsync(spec, key, fileName, cancellationToken);
    }

    private async Task<IngestResult> IngestLockedAsync(PartnerFileSpec spec, string key, string fileName, CancellationToken cancellationToken)
    {
        GetObjectResponse response;
        try
        {
            response = await s3.GetObjectAsync(options.Value.Bucket, key, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Announced, then deleted before we got to it: nothing to apply.
            return new IngestResult(key, IngestOutcome.Ignored);
        }

        using var _ = response;
        var etag = response.ETag;
        if (await SeenAsync(key, etag, cancellationToken))
        {
            return new IngestResult(key, IngestOutcome.AlreadySeen);
        }

        // Handback files are small next to accrual files (one short row per transaction); holding one in
        // memory lets the digest, the parse and a refusal all look at the same bytes.
        using var content = new MemoryStream();
        await response.ResponseStream.CopyToAsync(content, cancellationToken);
        var sha256 = SHA256.HashData(content.GetBuffer().AsSpan(0, (int)content.Length));
        var file = new FileRecord(spec.ProgrammeCode, key, fileName, etag, sha256);

        HandbackFile handback;
        try
        {
            content.Position = 0;
            handback = await spec.Format.ReadHandbackAsync(content, fileName, cancellationToken);
        }
        catch (PartnerFileException e)
        {
            return await RefuseAsync(file, null, e.Message, cancellationToken);
        }

        var sequence = handback.Header.FileSequence;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(IngestSql.AppliedDigest,
                new { spec.ProgrammeCode, FileSequence = sequence }, cancellationToken: cancellationToken)) is { } applied)
        {
            if (applied.AsSpan().SequenceEqual(sha256))
            {
                await RecordAsync(connection, null, file, sequence, IngestOutcome.Duplicate, null, 0, 0, 0, null, cancellationToken);
                return new IngestResult(key, IngestOutcome.Duplicate);
            }

            return await RefuseAsync(file, sequence,
                $"{fileName}: sequence {sequence} was already applied from a file with different content; refused whole", cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = await connection.QuerySingleOrDefaultAsync<BatchState>(new CommandDefinition(IngestSql.Batch,
            new { spec.ProgrammeCode, FileSequence = sequence }, transaction, cancellationToken: cancellationToken));
        if (batch is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await RefuseAsync(file, sequence,
                $"{fileName}: no {spec.ProgrammeCode} accrual file with sequence {sequence} was sent; refused whole", cancellationToken);
        }

        if (batch.Status != BatchStatus.Submitted)
        {
            // The export that uploaded this file died before it committed; its next run finishes the batch, and
            // this handback is applied after that. Nothing is recorded, so it is picked up again.
            await transaction.RollbackAsync(cancellationToken);
            return new IngestResult(key, IngestOutcome.Deferred);
        }

        var batchId = batch.Id;
        var items = (await connection.QueryAsync<BatchItem>(new CommandDefinition(IngestSql.BatchItems,
            new { BatchId = batchId }, transaction, cancellationToken: cancellationToken))).AsList();
        if (spec.Format.HandbackAnswersEveryRow && handback.Lines.Count != items.Count)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await RefuseAsync(file, sequence,
                $"{fileName}: {handback.Lines.Count} rows, but accrual file {sequence} had {items.Count}; a {spec.ProgrammeCode} handback answers every row; refused whole",
                cancellationToken);
        }

        var decisions = HandbackRules.Decide(spec, handback.Lines, batchId, items, options.Value.MaxAttempts);
        var now = time.GetUtcNow().TruncateToMicroseconds();
        await TransactionLifecycle.SettleAsync(transaction, batchId, [.. decisions
            .Where(d => d.Verdict == RowVerdict.Apply)
            .Select(d => new Settlement(d.Item!.TransactionId, d.Effect!.NewStatus, d.Effect.OutcomeCode, d.Effect.ProgrammeCode, d.Effect.Reason))],
            now, cancellationToken);

        var appliedCount = decisions.Count(d => d.Verdict == RowVerdict.Apply);
        var anomalies = decisions.Where(d => d.Verdict == RowVerdict.Anomaly).ToList();
        var reportKey = await StoreReportAsync(file, sequence, "applied", null, decisions, cancellationToken);
        await RecordAsync(connection, transaction, file, sequence, IngestOutcome.Applied, batchId, handback.Lines.Count,
            appliedCount, anomalies.Count, reportKey, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var anomaly in anomalies)
        {
            LogAnomaly(spec.ProgrammeCode, fileName, anomaly.Line.LineNumber, anomaly.Reference, anomaly.Anomaly!);
        }

        LogApplied(spec.ProgrammeCode, fileName, appliedCount, handback.Lines.Count, anomalies.Count);
        return new IngestResult(key, IngestOutcome.Applied, handback.Lines.Count, appliedCount, anomalies.Count);
    }

    private async Task<IngestResult> RefuseAsync(FileRecord file, int? sequence, string error, CancellationToken cancellationToken)
    {
        var reportKey = await StoreReportAsync(file, sequence, "refused", error, [], cancellationToken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await RecordAsync(connection, null, file, sequence, IngestOutcome.Refused, null, 0, 0, 0, reportKey, cancellationToken, error);
        LogRefused(file.ProgrammeCode, file.FileName, error);
        return new IngestResult(file.Key, IngestOutcome.Refused, Error: error);
    }

    private Task<int> RecordAsync(MySqlConnection connection, MySqlTransaction? transaction, FileRecord file, int? sequence,
        IngestOutcome outcome, long? batchId, int rows, int applied, int anomalies, string? reportKey,
        CancellationToken cancellationToken, string? error = null) =>
        connection.ExecuteAsync(new CommandDefinition(IngestSql.Record, new
        {
            file.ProgrammeCode,
            file.Key,
            file.ETag,
            FileSequence = sequence,
            file.Sha256,
            Outcome = outcome.ToString().ToLowerInvariant(),
            BatchId = batchId,
            RowCount = rows,
            AppliedCount = applied,
            AnomalyCount = anomalies,
            Error = Truncate(error, 1000),
            ReportKey = reportKey,
            Now = time.GetUtcNow().TruncateToMicroseconds().UtcDateTime,
        }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Stored before the database commit and derived only from the file and the batch, so a run that dies
    /// in between and is repeated writes the same report again.
    /// </summary>
    private async Task<string> StoreReportAsync(FileRecord file, int? sequence, string outcome, string? error,
        IReadOnlyList<RowDecision> decisions, CancellationToken cancellationToken)
    {
        var report = new ProcessingReport(file.Key, file.ProgrammeCode, sequence, Convert.ToHexStringLower(file.Sha256), outcome, error,
            decisions.Count, decisions.Count(d => d.Verdict == RowVerdict.Apply), decisions.Count(d => d.Verdict == RowVerdict.NoOp),
            [.. decisions.Where(d => d.Verdict == RowVerdict.Anomaly)
                .Select(d => new ReportAnomaly(d.Line.LineNumber, d.Reference, d.Item?.TransactionId, d.Line.Code, d.Anomaly!))]);
        var key = $"reports/{file.ProgrammeCode}/{file.FileName}.report.json";
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = options.Value.Bucket,
            Key = key,
            ContentBody = JsonSerializer.Serialize(report, ReportJson),
            ContentType = "application/json",
        }, cancellationToken);
        return key;
    }

    private async Task<bool> SeenAsync(string key, string etag, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(IngestSql.Seen,
            new { Key = key, ETag = etag }, cancellationToken: cancellationToken));
    }

    private static string? Truncate(string? value, int length) => value is { Length: var n } && n > length ? value[..length] : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {ProgrammeCode} handback {FileName}: {Applied} of {Rows} rows, {Anomalies} anomalies")]
    private partial void LogApplied(string programmeCode, string fileName, int applied, int rows, int anomalies);

    [LoggerMessage(Level = LogLevel.Error, Message = "OPS ALERT: {ProgrammeCode} handback {FileName} refused: {Error}")]
    private partial void LogRefused(string programmeCode, string fileName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OPS ALERT: {ProgrammeCode} handback {FileName} line {LineNumber} (reference {Reference}): {Anomaly}")]
    private partial void LogAnomaly(string programmeCode, string fileName, int lineNumber, string reference, string anomaly);

    private sealed record BatchState(long Id, string Status);

    private sealed record FileRecord(string ProgrammeCode, string Key, string FileName, string ETag, byte[] Sha256);
}

/// <summary>The processing report stored beside each handled handback file.</summary>
public sealed record ProcessingReport(
    string File, string ProgrammeCode, int? FileSequence, string Sha256, string Outcome, string? Error,
    int Rows, int Applied, int Unchanged, IReadOnlyList<ReportAnomaly> Anomalies);

public sealed record ReportAnomaly(int Line, string Reference, string? TransactionId, string Code, string Reason);
