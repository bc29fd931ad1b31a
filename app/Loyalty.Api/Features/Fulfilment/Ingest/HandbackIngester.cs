using System.Security.Cryptography;
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
/// one instance at a time (session lock), so a file is never applied twice. One database connection per
/// file: the one holding the lock does the work.
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
    public async Task<IngestResult> IngestAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        if (parts is not ["inbound", var code, var fileName] || !ProgrammeDefinitions.TryGet(code, out var programme))
        {
            return new IngestResult(key, IngestOutcome.Ignored);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var held = await SessionLock.TryAcquireAsync(connection, $"loyalty-ingest-{code}", cancellationToken);
        return held is null
            ? new IngestResult(key, IngestOutcome.Busy)
            : await IngestLockedAsync(connection, programme.Exchange, key, fileName, cancellationToken);
    }

    private async Task<IngestResult> IngestLockedAsync(
        MySqlConnection connection, PartnerFileSpec spec, string key, string fileName, CancellationToken cancellationToken)
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
        if (await ledger.SeenAsync(connection, key, response.ETag, cancellationToken))
        {
            return new IngestResult(key, IngestOutcome.AlreadySeen);
        }

        // Handback files are small next to accrual files (one short row per transaction); holding one in
        // memory lets the digest, the parse and a refusal all look at the same bytes.
        using var content = new MemoryStream();
        await response.ResponseStream.CopyToAsync(content, cancellationToken);
        var file = new HandbackObject(spec.ProgrammeCode, key, fileName, response.ETag,
            SHA256.HashData(content.GetBuffer().AsSpan(0, (int)content.Length)));

        HandbackFile handback;
        try
        {
            content.Position = 0;
            handback = await spec.Format.ReadHandbackAsync(content, fileName, cancellationToken);
        }
        catch (PartnerFileException e)
        {
            return await RefuseAsync(connection, file, null, e.Message, cancellationToken);
        }

        var sequence = handback.Header.FileSequence;
        if (await ledger.AppliedDigestAsync(connection, spec.ProgrammeCode, sequence, cancellationToken) is { } applied)
        {
            if (applied.AsSpan().SequenceEqual(file.Sha256))
            {
                await ledger.RecordAsync(connection, null, new HandbackRecord(file, sequence, IngestOutcome.Duplicate), cancellationToken);
                return new IngestResult(key, IngestOutcome.Duplicate);
            }

            return await RefuseAsync(connection, file, sequence,
                $"{fileName}: sequence {sequence} was already applied from a file with different content; refused whole", cancellationToken);
        }

        return await ApplyAsync(connection, spec, file, handback, cancellationToken);
    }

    private async Task<IngestResult> ApplyAsync(
        MySqlConnection connection, PartnerFileSpec spec, HandbackObject file, HandbackFile handback, CancellationToken cancellationToken)
    {
        var sequence = handback.Header.FileSequence;
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

        var items = (await connection.QueryAsync<BatchItem>(new CommandDefinition(IngestSql.BatchItems,
            new { BatchId = batch.Id }, transaction, cancellationToken: cancellationToken))).AsList();
        if (spec.Format.HandbackAnswersEveryRow && handback.Lines.Count != items.Count)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await RefuseAsync(connection, file, sequence,
                $"{file.FileName}: {handback.Lines.Count} rows, but accrual file {sequence} had {items.Count}; a {spec.ProgrammeCode} handback answers every row; refused whole",
                cancellationToken);
        }

        var decisions = HandbackRules.Decide(spec, handback.Lines, batch.Id, items, options.Value.MaxAttempts);
        await TransactionLifecycle.SettleAsync(transaction, batch.Id, [.. decisions
            .Where(d => d.Verdict == RowVerdict.Apply)
            .Select(d => new Settlement(d.Item!.TransactionId, d.Effect!.NewStatus, d.Effect.OutcomeCode, d.Effect.ProgrammeCode, d.Effect.Reason))],
            time.GetUtcNow().TruncateToMicroseconds(), cancellationToken);

        var appliedCount = decisions.Count(d => d.Verdict == RowVerdict.Apply);
        var anomalies = decisions.Where(d => d.Verdict == RowVerdict.Anomaly).ToList();
        var reportKey = await reports.StoreAsync(file, sequence, "applied", null, decisions, cancellationToken);
        await ledger.RecordAsync(connection, transaction, new HandbackRecord(file, sequence, IngestOutcome.Applied, batch.Id,
            handback.Lines.Count, appliedCount, anomalies.Count, reportKey), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var anomaly in anomalies)
        {
            LogAnomaly(spec.ProgrammeCode, file.FileName, anomaly.Line.LineNumber, anomaly.Reference, anomaly.Anomaly!);
        }

        LogApplied(spec.ProgrammeCode, file.FileName, appliedCount, handback.Lines.Count, anomalies.Count);
        return new IngestResult(file.Key, IngestOutcome.Applied, handback.Lines.Count, appliedCount, anomalies.Count);
    }

    private async Task<IngestResult> RefuseAsync(
        MySqlConnection connection, HandbackObject file, int? sequence, string error, CancellationToken cancellationToken)
    {
        var reportKey = await reports.StoreAsync(file, sequence, "refused", error, [], cancellationToken);
        await ledger.RecordAsync(connection, null,
            new HandbackRecord(file, sequence, IngestOutcome.Refused, ReportKey: reportKey, Error: error), cancellationToken);
        LogRefused(file.ProgrammeCode, file.FileName, error);
        return new IngestResult(file.Key, IngestOutcome.Refused, Error: error);
    }

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
}
