using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
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

    /// <summary>
    /// Not a handback: outside inbound/, a folder marker, or gone before it was read; or deleted or replaced between its
    /// two reads (a replacement is announced and read on its own).
    /// </summary>
    Ignored,

    /// <summary>
    /// Under inbound/ but not readable as a handback (unknown folder, wrong name, over the size limit, archived): set
    /// aside and recorded, never read again.
    /// </summary>
    Quarantined,
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
        IngestOutcome.Quarantined => $"{Key}: QUARANTINED: {Error}",
        _ => $"{Key}: not a handback, ignored",
    };
}

/// <summary>
/// Reads one handback file from inbound/{CODE}/ and applies it by DOMAIN.md §6, all or nothing: the
/// outcomes, their events and the record of the file commit in one transaction, after the processing
/// report is stored under reports/{CODE}/. A file that is wrong as a whole changes nothing. Per programme,
/// one instance at a time (session lock), so a file is never applied twice. One database connection per
/// file: the one holding the lock does the work. The file is read twice, as a stream each time: once to check
/// it whole, then to apply it <see cref="PartRows"/> rows at a time, so memory does not grow with its size.
/// </summary>
public sealed partial class HandbackIngester(
    MySqlDataSource database,
    IAmazonS3 s3,
    HandbackLedger ledger,
    HandbackReports reports,
    IOptions<FulfilmentOptions> options,
    TimeProvider time,
    ILogger<HandbackIngester> logger)
{
    /// <summary>The S3 tag set on a quarantined object; its value says why (location, name, size, unreadable).</summary>
    public const string QuarantineTag = "loyalty-quarantine";

    public const string InboundPrefix = BucketPrefixes.Inbound;

    /// <summary>How many rows are decided and settled together: one lookup of their batch rows each.</summary>
    public const int PartRows = 5000;

    /// <summary><c>transactions.id</c>: a ULID, 26 ASCII characters.</summary>
    private const int TransactionIdLength = 26;

    public async Task<IngestResult> IngestAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(InboundPrefix, StringComparison.Ordinal) || key.EndsWith('/'))
        {
            return new IngestResult(key, IngestOutcome.Ignored); // another prefix, or a console "folder"
        }

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
        catch (AmazonS3Exception e) when (e.ErrorCode == "InvalidObjectState")
        {
            // Archived (Glacier): it cannot be read until someone restores it, which is a person's decision.
            var head = await s3.GetObjectMetadataAsync(options.Value.Bucket, key, cancellationToken);
            return await QuarantineAsync(key, head.ETag, null, "unreadable", $"cannot be read: {e.Message}", cancellationToken);
        }

        using var opened = response;
        var parts = key.Split('/');
        if (parts is not ["inbound", var code, var fileName] || !ProgrammeDefinitions.TryGet(code, out var programme))
        {
            return await QuarantineAsync(key, response.ETag, null, "location",
                "not in the inbound/{CODE}/ folder of a programme", cancellationToken);
        }

        var spec = programme.Exchange;
        if (!spec.TryParseHandbackFileName(fileName, out var sequence, out _))
        {
            return await QuarantineAsync(key, response.ETag, code, "name",
                $"not a {code} handback file name ({spec.HandbackFiles})", cancellationToken);
        }

        if (response.ContentLength > spec.MaxHandbackBytes)
        {
            return await QuarantineAsync(key, response.ETag, code, "size",
                $"{response.ContentLength} bytes, over the {code} limit of {spec.MaxHandbackBytes}", cancellationToken);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var held = await SessionLock.TryAcquireAsync(connection, $"loyalty-ingest-{code}", cancellationToken);
        return held is null
            ? new IngestResult(key, IngestOutcome.Busy)
            : await IngestLockedAsync(connection, spec, new HandbackName(key, fileName, response.ETag, sequence), response, cancellationToken);
    }

    private async Task<IngestResult> IngestLockedAsync(
        MySqlConnection connection, PartnerFileSpec spec, HandbackName name, GetObjectResponse response, CancellationToken cancellationToken)
    {
        if (await ledger.SeenAsync(connection, name.Key, name.ETag, cancellationToken))
        {
            return new IngestResult(name.Key, IngestOutcome.AlreadySeen);
        }

        // The first read checks the file whole and takes its digest; only a file that reads, and is not a repeat,
        // is read again to apply it.
        var scan = await HandbackScan.ReadAsync(spec, response.ResponseStream, name.FileName, cancellationToken);
        var file = new HandbackObject(spec.ProgrammeCode, name.Key, name.FileName, name.ETag, scan.Sha256);
        if (scan.Refusal is { } refusal)
        {
            return await RefuseAsync(connection, file, null, refusal, cancellationToken);
        }

        var sequence = name.Sequence;
        if (await ledger.AppliedDigestAsync(connection, spec.ProgrammeCode, sequence, cancellationToken) is { } applied)
        {
            if (applied.AsSpan().SequenceEqual(file.Sha256))
            {
                await ledger.RecordAsync(connection, null, new HandbackRecord(file, sequence, IngestOutcome.Duplicate), cancellationToken);
                return new IngestResult(name.Key, IngestOutcome.Duplicate);
            }

            return await RefuseAsync(connection, file, sequence,
                $"{name.FileName}: sequence {sequence} was already applied from a file with different content; refused whole", cancellationToken);
        }

        return await ApplyAsync(connection, spec, file, sequence, scan, cancellationToken);
    }

    /// <summary>
    /// Sets aside an object that is not a handback this platform can read: recorded by key and ETag with the reason (so
    /// it is never fetched again), tagged in the bucket for whoever looks there, and raised as an ops alert.
    /// </summary>
    private async Task<IngestResult> QuarantineAsync(
        string key, string etag, string? programmeCode, string kind, string reason, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            if (!await ledger.QuarantineAsync(connection, key, etag, programmeCode, reason, cancellationToken))
            {
                return new IngestResult(key, IngestOutcome.AlreadySeen);
            }
        }

        LogQuarantined(key, etag, reason);
        try
        {
            await s3.PutObjectTaggingAsync(new PutObjectTaggingRequest
            {
                BucketName = options.Value.Bucket,
                Key = key,
                Tagging = new Tagging { TagSet = [new Tag { Key = QuarantineTag, Value = kind }] },
            }, cancellationToken);
        }
        catch (AmazonS3Exception e)
        {
            // The record is what keeps it out of the pipeline; the tag only helps someone browsing the bucket.
            LogTagFailed(e, key);
        }

        return new IngestResult(key, IngestOutcome.Quarantined, Error: reason);
    }

    private async Task<IngestResult> ApplyAsync(
        MySqlConnection connection, PartnerFileSpec spec, HandbackObject file, int sequence, HandbackScan scan, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = await connection.QuerySingleOrDefaultAsync<BatchState>(new CommandDefinition(IngestSql.Batch,
            new { spec.ProgrammeCode, FileSequence = sequence }, transaction, cancellationToken: cancellationToken));
        if (batch is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await RefuseAsync(connection, file, sequence,
                $"{file.FileName}: no {spec.ProgrammeCode} accrual file with sequence {sequence} was sent; refused whole", cancellationToken);
        }

        if (batch.Status != BatchStatus.Submitted)
        {
            // The export that uploaded this file died before it committed; its next run finishes the batch, and
            // this handback is applied after that. Nothing is recorded, so it is picked up again.
            await transaction.RollbackAsync(cancellationToken);
            return new IngestResult(file.Key, IngestOutcome.Deferred);
        }

        if (spec.Format.HandbackAnswersEveryRow)
        {
            var batchRows = await connection.ExecuteScalarAsync<int>(new CommandDefinition(IngestSql.BatchRowCount,
                new { BatchId = batch.Id }, transaction, cancellationToken: cancellationToken));
            if (scan.Rows != batchRows)
            {
                await transaction.RollbackAsync(cancellationToken);
                return await RefuseAsync(connection, file, sequence,
                    $"{file.FileName}: {scan.Rows} rows, but accrual file {sequence} had {batchRows}; a {spec.ProgrammeCode} handback answers every row; refused whole",
                    cancellationToken);
            }
        }

        GetObjectResponse response;
        try
        {
            // The very content the first read checked: the same ETag, or nothing.
            response = await s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = options.Value.Bucket, Key = file.Key, EtagToMatch = file.ETag,
            }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.PreconditionFailed)
        {
            // Deleted or replaced since the first read: a deleted file has nothing to apply, and a replacement is
            // announced, and read, on its own.
            await transaction.RollbackAsync(cancellationToken);
            return new IngestResult(file.Key, IngestOutcome.Ignored);
        }

        var rows = new RowTally();
        var now = time.GetUtcNow().TruncateToMicroseconds();
        using (response)
        {
            var parts = spec.Format.ReadHandbackLinesAsync(response.ResponseStream, file.FileName, null, cancellationToken).Chunk(PartRows);
            await foreach (var lines in parts.WithCancellation(cancellationToken))
            {
                var items = await LockItemsAsync(connection, transaction, batch.Id, lines, cancellationToken);
                var decisions = HandbackRules.Decide(spec, lines, batch.Id, items, scan.IsRepeated, options.Value.MaxAttempts);
                await TransactionLifecycle.SettleAsync(transaction, batch.Id, [.. decisions
                    .Where(d => d.Verdict == RowVerdict.Apply)
                    .Select(d => new Settlement(d.Item!.TransactionId, d.Effect!.NewStatus, d.Effect.OutcomeCode, d.Effect.ProgrammeCode, d.Effect.Reason))],
                    now, cancellationToken);
                rows.Add(decisions);
            }
        }

        var reportKey = await reports.StoreAsync(file, sequence, "applied", null, rows, cancellationToken);
        await ledger.RecordAsync(connection, transaction, new HandbackRecord(file, sequence, IngestOutcome.Applied, batch.Id,
            rows.Rows, rows.Applied, rows.Anomalies.Count, reportKey), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var anomaly in rows.Anomalies)
        {
            LogAnomaly(spec.ProgrammeCode, file.FileName, anomaly.Line, anomaly.Reference, anomaly.Reason);
        }

        LogApplied(spec.ProgrammeCode, file.FileName, rows.Applied, rows.Rows, rows.Anomalies.Count);
        return new IngestResult(file.Key, IngestOutcome.Applied, rows.Rows, rows.Applied, rows.Anomalies.Count);
    }

    /// <summary>The batch rows <paramref name="lines"/> refer to, with their transactions, locked.</summary>
    private static async Task<IReadOnlyList<BatchItem>> LockItemsAsync(
        MySqlConnection connection, MySqlTransaction transaction, long batchId, HandbackLine[] lines, CancellationToken cancellationToken)
    {
        // Only a reference that can name a batch row is looked up: a transaction id is 26 ASCII characters.
        var ids = lines.Select(l => l.TransactionId).OfType<string>()
            .Where(id => id.Length == TransactionIdLength && Ascii.IsValid(id)).Distinct(StringComparer.Ordinal).ToArray();
        var sequences = lines.Select(l => l.RowSequence).OfType<int>().Distinct().ToArray();
        var items = new List<BatchItem>();
        if (ids.Length > 0)
        {
            items.AddRange(await connection.QueryAsync<BatchItem>(new CommandDefinition(IngestSql.ItemsById,
                new { BatchId = batchId, Ids = JsonSerializer.Serialize(ids) }, transaction, cancellationToken: cancellationToken)));
        }

        if (sequences.Length > 0)
        {
            items.AddRange(await connection.QueryAsync<BatchItem>(new CommandDefinition(IngestSql.ItemsBySequence,
                new { BatchId = batchId, Sequences = JsonSerializer.Serialize(sequences) }, transaction, cancellationToken: cancellationToken)));
        }

        return items;
    }

    private async Task<IngestResult> RefuseAsync(
        MySqlConnection connection, HandbackObject file, int? sequence, string error, CancellationToken cancellationToken)
    {
        var reportKey = await reports.StoreAsync(file, sequence, "refused", error, new RowTally(), cancellationToken);
        await ledger.RecordAsync(connection, null,
            new HandbackRecord(file, sequence, IngestOutcome.Refused, ReportKey: reportKey, Error: error), cancellationToken);
        LogRefused(file.ProgrammeCode, file.FileName, error);
        return new IngestResult(file.Key, IngestOutcome.Refused, Error: error);
    }

    [LoggerMessage(EventId = 3104, EventName = "HandbackQuarantined", Level = LogLevel.Error,
        Message = "OPS ALERT: inbound object {Key} (ETag {ETag}) quarantined: {Reason}; it is tagged " + QuarantineTag + " and will not be read again")]
    private partial void LogQuarantined(string key, string etag, string reason);

    [LoggerMessage(EventId = 3105, EventName = "QuarantineTagFailed", Level = LogLevel.Warning,
        Message = "Could not tag quarantined object {Key}; it is recorded as quarantined all the same")]
    private partial void LogTagFailed(Exception exception, string key);

    [LoggerMessage(EventId = 3101, EventName = "HandbackApplied", Level = LogLevel.Information,
        Message = "Applied {ProgrammeCode} handback {FileName}: {Applied} of {Rows} rows, {Anomalies} anomalies")]
    private partial void LogApplied(string programmeCode, string fileName, int applied, int rows, int anomalies);

    [LoggerMessage(EventId = 3102, EventName = "HandbackRefused", Level = LogLevel.Error,
        Message = "OPS ALERT: {ProgrammeCode} handback {FileName} refused: {Error}")]
    private partial void LogRefused(string programmeCode, string fileName, string error);

    [LoggerMessage(EventId = 3103, EventName = "HandbackAnomaly", Level = LogLevel.Warning,
        Message = "OPS ALERT: {ProgrammeCode} handback {FileName} line {LineNumber} (reference {Reference}): {Anomaly}")]
    private partial void LogAnomaly(string programmeCode, string fileName, int lineNumber, string reference, string anomaly);

    private sealed record BatchState(long Id, string Status);

    /// <summary>The object being ingested: its key and version, and what its file name says.</summary>
    private sealed record HandbackName(string Key, string FileName, string ETag, int Sequence);
}
