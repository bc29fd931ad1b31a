using System.Data;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using Loyalty.Api.Domain;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Features.Fulfilment.Export;

public enum ExportOutcome
{
    /// <summary>A file was written and its rows are submitted.</summary>
    Exported,

    /// <summary>Nothing was pending before the cutoff: no file, no sequence consumed.</summary>
    Empty,

    /// <summary>The scheduled cutoff was already exported.</summary>
    NotDue,

    /// <summary>Another instance holds this programme's export lock.</summary>
    Busy,

    /// <summary>This programme's export failed (logged); the next run resumes or retries it. Others are unaffected.</summary>
    Failed,
}

/// <summary>Where an export's time went: claiming the rows, writing and uploading the file, marking them submitted.</summary>
public sealed record ExportTimings(TimeSpan Claim, TimeSpan File, TimeSpan Submit);

/// <param name="Resumed">The batch was claimed by an earlier run that did not finish; this run sent it.</param>
/// <param name="Error">Why the export failed, for <see cref="ExportOutcome.Failed"/>.</param>
public sealed record ExportResult(
    string ProgrammeCode, ExportOutcome Outcome, int Rows, long AmountSum, string? FileName, ExportTimings? Timings = null,
    bool Resumed = false, string? Error = null)
{
    /// <summary>The operator's one line: programme, rows, amount sum, file.</summary>
    public override string ToString() => Outcome switch
    {
        ExportOutcome.Exported => $"{ProgrammeCode}: {Rows} rows, amount {AmountSum}, {FileName}{(Resumed ? " (an interrupted batch, finished)" : "")}",
        ExportOutcome.Empty => $"{ProgrammeCode}: 0 rows, nothing sent",
        ExportOutcome.NotDue => $"{ProgrammeCode}: already exported for its last cutoff",
        ExportOutcome.Failed => $"{ProgrammeCode}: FAILED: {Error}",
        _ => $"{ProgrammeCode}: another instance is exporting",
    };
}

/// <summary>
/// Builds a programme's accrual file and hands it to S3, exactly once per batch across a fleet:
/// 1. under the programme's session lock, claim the pending rows into a new batch with the next sequence
///    (a chunk per transaction; nothing claimed = nothing consumed), then number them;
/// 2. stream the rows into the file and upload it to outbound/{CODE}/;
/// 3. mark the batch and its transactions submitted, with their events (one transaction).
/// A crash between 1 and 3 leaves a 'claiming' or 'claimed' batch, which the next run finishes with the same sequence,
/// cutoff and rows; the file is a pure function of them, so a re-upload writes the same bytes under the same key.
/// </summary>
public sealed partial class BatchExporter(
    MySqlDataSource database,
    IAmazonS3 s3,
    CatalogueStore catalogue,
    IOptions<FulfilmentOptions> options,
    TimeProvider time,
    ILogger<BatchExporter> logger)
{
    // Claiming or submitting a day's batch touches every one of its rows: a million take minutes, not the
    // driver's default 30 s. Still bounded, so a stuck statement ends and the next run resumes the batch.
    private const int BulkTimeoutSeconds = 1800;

    /// <summary>Rows claimed per transaction: long enough to be cheap, short enough that a racing cancel barely waits.</summary>
    private const int ClaimChunkRows = 5_000;

    /// <summary>
    /// Every programme whose daily cutoff has passed since its last export, each on its own: one that fails (its
    /// bucket folder refused, a lock timeout) is logged and reported, and the others still go out.
    /// </summary>
    public async Task<IReadOnlyList<ExportResult>> ExportDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var results = new List<ExportResult>();
        foreach (var programme in catalogue.Current.Programmes.Values.OrderBy(p => p.Code, StringComparer.Ordinal))
        {
            try
            {
                results.AddRange(await ExportAsync(programme, LastCutoff(now, programme.CutoffUtc), dailyCutoff: true, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogExportFailed(e, programme.Code);
                results.Add(new ExportResult(programme.Code, ExportOutcome.Failed, 0, 0, null, Error: e.Message));
            }
        }

        return results;
    }

    /// <summary>On demand: everything pending for the programme up to now (one file, or more if one cannot hold it).</summary>
    public Task<IReadOnlyList<ExportResult>> ExportNowAsync(string programmeCode, CancellationToken cancellationToken) =>
        catalogue.Current.Programmes.TryGetValue(programmeCode, out var programme)
            ? ExportAsync(programme, time.GetUtcNow().TruncateToMicroseconds(), dailyCutoff: false, cancellationToken)
            : throw new ArgumentException($"Unknown programme '{programmeCode}'.", nameof(programmeCode));

    /// <summary>The latest cutoff instant at or before <paramref name="now"/> (DOMAIN.md §9.9: at the instant belongs to the next batch).</summary>
    public static DateTimeOffset LastCutoff(DateTimeOffset now, TimeOnly cutoffUtc)
    {
        var today = new DateTimeOffset(DateOnly.FromDateTime(now.UtcDateTime).ToDateTime(cutoffUtc), TimeSpan.Zero);
        return today <= now ? today : today.AddDays(-1);
    }

    private async Task<IReadOnlyList<ExportResult>> ExportAsync(Programme programme, DateTimeOffset cutoff, bool dailyCutoff, CancellationToken cancellationToken)
    {
        var results = new List<ExportResult>();
        var plan = new ExportPlan(programme, cutoff,
            Math.Min(programme.Exchange.Format.MaxRowsPerFile, options.Value.MaxRowsPerFile ?? int.MaxValue), dailyCutoff);
        while (true)
        {
            var result = await ExportOneAsync(plan, cancellationToken);
            results.Add(result);
            // A full file, or one an earlier run left unfinished, may leave rows of this cutoff behind.
            if (result.Outcome != ExportOutcome.Exported || (result.Rows < plan.MaxRows && !result.Resumed))
            {
                return results;
            }

            // The cutoff is remembered as done with the first file; the rest of it follows in more files.
            plan = plan with { DailyCutoff = false };
        }
    }

    private async Task<ExportResult> ExportOneAsync(ExportPlan plan, CancellationToken cancellationToken)
    {
        var programme = plan.Programme;
        var code = programme.Code;
        await using var lockConnection = await database.OpenConnectionAsync(cancellationToken);
        await using var held = await SessionLock.TryAcquireAsync(lockConnection, $"loyalty-export-{code}", cancellationToken);
        if (held is null)
        {
            return new ExportResult(code, ExportOutcome.Busy, 0, 0, null);
        }

        var claimStarted = time.GetTimestamp();
        var batch = await lockConnection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition(ExportSql.OpenBatch,
            new { ProgrammeCode = code }, cancellationToken: cancellationToken));
        var resumed = batch is not null;
        if (batch is not null)
        {
            LogResuming(code, batch.FileSequence);
        }
        else
        {
            var started = await StartBatchAsync(plan, cancellationToken);
            if (started.Batch is null)
            {
                return new ExportResult(code, started.Outcome, 0, 0, null);
            }

            batch = started.Batch;
        }

        if (batch.Status == BatchStatus.Claiming)
        {
            batch = await FinishClaimAsync(batch, plan.MaxRows, cancellationToken);
        }

        var claimTime = time.GetElapsedTime(claimStarted);
        var fileStarted = time.GetTimestamp();
        var sha256 = await UploadAsync(programme, batch, cancellationToken);
        var fileTime = time.GetElapsedTime(fileStarted);
        await MarkSubmittedAsync(programme, batch, sha256, cancellationToken);
        var timings = new ExportTimings(claimTime, fileTime, time.GetElapsedTime(fileStarted) - fileTime);
        LogExported(code, batch.FileSequence, batch.RowCount, batch.AmountSum, batch.FileName,
            (long)timings.Claim.TotalMilliseconds, (long)timings.File.TotalMilliseconds, (long)timings.Submit.TotalMilliseconds);
        return new ExportResult(code, ExportOutcome.Exported, batch.RowCount, batch.AmountSum, batch.FileName, timings, resumed);
    }

    /// <summary>
    /// Takes the next sequence for a new batch with the first chunk of its rows, in one transaction: when nothing is
    /// pending before the cutoff, nothing is consumed (and a scheduled cutoff is remembered as done).
    /// </summary>
    private async Task<(BatchRow? Batch, ExportOutcome Outcome)> StartBatchAsync(ExportPlan plan, CancellationToken cancellationToken)
    {
        var (programme, cutoff, maxRows, dailyCutoff) = plan;
        var code = programme.Code;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var counter = await connection.QuerySingleAsync<CounterRow>(new CommandDefinition(ExportSql.LockCounter,
            new { ProgrammeCode = code }, transaction, cancellationToken: cancellationToken));
        if (dailyCutoff && counter.LastCutoffAt is { } last && last >= cutoff.UtcDateTime)
        {
            return (null, ExportOutcome.NotDue);
        }

        var sequence = counter.LastSequence + 1;
        var batchId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ExportSql.CreateBatch, new
        {
            ProgrammeCode = code,
            FileSequence = sequence,
            CutoffAt = cutoff.UtcDateTime,
            FileName = programme.Exchange.AccrualFileName(sequence, DateOnly.FromDateTime(cutoff.UtcDateTime)),
            Now = time.GetUtcNow().TruncateToMicroseconds().UtcDateTime,
        }, transaction, cancellationToken: cancellationToken));
        if ((await ClaimChunkAsync(connection, transaction, batchId, code, cutoff.UtcDateTime, null, Math.Min(ClaimChunkRows, maxRows), cancellationToken)).Claimed == 0)
        {
            // Drop the empty batch (its sequence was never used) but remember the cutoff as done.
            await transaction.RollbackAsync(cancellationToken);
            if (dailyCutoff)
            {
                await connection.ExecuteAsync(new CommandDefinition(ExportSql.SaveCutoff,
                    new { ProgrammeCode = code, CutoffAt = cutoff.UtcDateTime }, cancellationToken: cancellationToken));
            }

            return (null, ExportOutcome.Empty);
        }

        await connection.ExecuteAsync(new CommandDefinition(ExportSql.UseSequence,
            new { ProgrammeCode = code, FileSequence = sequence }, transaction, cancellationToken: cancellationToken));
        if (dailyCutoff)
        {
            await connection.ExecuteAsync(new CommandDefinition(ExportSql.SaveCutoff,
                new { ProgrammeCode = code, CutoffAt = cutoff.UtcDateTime }, transaction, cancellationToken: cancellationToken));
        }

        var batch = await connection.QuerySingleAsync<BatchRow>(new CommandDefinition(ExportSql.OpenBatch,
            new { ProgrammeCode = code }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (batch, ExportOutcome.Exported);
    }

    /// <summary>
    /// Claims the rest of a claiming batch's rows a chunk per transaction, then numbers them and marks it claimed. Short
    /// transactions under READ COMMITTED lock only the rows of the chunk at hand, never the gaps around them: new
    /// accruals of the programme never wait for a claim, and a cancel waits at most for one chunk (then loses, 409).
    /// Run again after a crash, it carries on where it stopped: the batch keeps its cutoff, sequence and rows.
    /// </summary>
    private async Task<BatchRow> FinishClaimAsync(BatchRow batch, int maxRows, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var claimed = await connection.ExecuteScalarAsync<int>(new CommandDefinition(ExportSql.ClaimedRows,
            new { BatchId = batch.Id }, cancellationToken: cancellationToken));
        // The first chunk starts at the beginning (after a crash, the rows claimed before it are passed over once).
        ClaimKey? last = null;
        while (claimed < maxRows)
        {
            var wanted = Math.Min(ClaimChunkRows, maxRows - claimed);
            await using var chunk = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            var (got, end) = await ClaimChunkAsync(connection, chunk, batch.Id, batch.ProgrammeCode, batch.CutoffAt, last, wanted, cancellationToken);
            await chunk.CommitAsync(cancellationToken);
            claimed += got;
            if (end is null)
            {
                break; // fewer than a chunk were left, and this one took them
            }

            last = end;
        }

        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ExportSql.NumberRows,
            new { BatchId = batch.Id }, transaction, BulkTimeoutSeconds, cancellationToken: cancellationToken));
        var numbered = await connection.QuerySingleAsync<BatchRow>(new CommandDefinition(ExportSql.OpenBatch,
            new { batch.ProgrammeCode }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return numbered;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> rows after <paramref name="after"/>. Returns how many, and the key the chunk
    /// ended at: null when fewer than <paramref name="limit"/> were left to claim, so there is nothing after them.
    /// </summary>
    private static async Task<(int Claimed, ClaimKey? End)> ClaimChunkAsync(MySqlConnection connection, MySqlTransaction transaction,
        long batchId, string programmeCode, DateTime cutoff, ClaimKey? after, int limit, CancellationToken cancellationToken)
    {
        var range = new
        {
            BatchId = batchId,
            ProgrammeCode = programmeCode,
            CutoffAt = cutoff,
            AfterCreatedAt = after?.CreatedAt,
            AfterId = after?.Id,
            EndCreatedAt = (DateTime?)null,
            EndId = (string?)null,
            Offset = limit - 1,
            Limit = limit,
        };
        var end = await connection.QuerySingleOrDefaultAsync<ClaimKey>(new CommandDefinition(ExportSql.ChunkEnd, range, transaction,
            BulkTimeoutSeconds, cancellationToken: cancellationToken));
        var claimed = await connection.ExecuteAsync(new CommandDefinition(ExportSql.Claim,
            range with { EndCreatedAt = end?.CreatedAt, EndId = end?.Id }, transaction, BulkTimeoutSeconds, cancellationToken: cancellationToken));
        return (claimed, end);
    }

    /// <summary>
    /// Writes the file to a private temporary file (memory stays flat however big the batch), then uploads it.
    /// Returns the file's SHA-256.
    /// </summary>
    private async Task<byte[]> UploadAsync(Programme programme, BatchRow batch, CancellationToken cancellationToken)
    {
        var spec = programme.Exchange;
        var path = Path.Combine(Path.GetTempPath(), $"loyalty-{Guid.NewGuid():N}.tmp");
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Member names and ids: readable by this service's user only.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var file = new FileStream(path, fileOptions);
        var header = new AccrualBatch(programme.Code, batch.FileSequence, new DateTimeOffset(batch.CutoffAt, TimeSpan.Zero));
        using var hash = SHA256.Create();
        // Hashed on its way to the file: no second pass over it before the upload.
        await using (var hashed = new CryptoStream(file, hash, CryptoStreamMode.Write, leaveOpen: true))
        {
            await spec.Format.WriteAccrualsAsync(hashed, header, LinesAsync(batch.Id, cancellationToken), cancellationToken);
        }

        var sha256 = hash.Hash!;
        file.Position = 0;
        var key = $"{BucketPrefixes.Outbound}{programme.Code}/{batch.FileName}";
        try
        {
            // Only if no such object yet: a resumed batch whose file did reach the bucket must not reach the partner twice.
            await s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = options.Value.Bucket,
                Key = key,
                InputStream = file,
                AutoCloseStream = false,
                ContentType = "application/octet-stream",
                IfNoneMatch = "*",
            }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
        {
            await ExpectDeliveredAsync(key, sha256, cancellationToken);
        }

        return sha256;
    }

    /// <summary>
    /// The file is already in the bucket: an earlier run of this batch uploaded it and died before recording that. It is
    /// the same file (a pure function of the batch) unless something else wrote that key, which nobody may overwrite.
    /// </summary>
    private async Task ExpectDeliveredAsync(string key, byte[] sha256, CancellationToken cancellationToken)
    {
        using var existing = await s3.GetObjectAsync(options.Value.Bucket, key, cancellationToken);
        var found = await SHA256.HashDataAsync(existing.ResponseStream, cancellationToken);
        if (!found.AsSpan().SequenceEqual(sha256))
        {
            throw new InvalidOperationException(
                $"{key} is already in the bucket with other content than this batch's file; it is left as it is and the batch stays unsent.");
        }

        LogAlreadyDelivered(key);
    }

    private async IAsyncEnumerable<AccrualLine> LinesAsync(long batchId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await foreach (var row in connection.QueryUnbufferedAsync<LineRow>(ExportSql.Lines, new { BatchId = batchId }, commandTimeout: BulkTimeoutSeconds)
                           .WithCancellation(cancellationToken))
        {
            yield return new AccrualLine(row.RowSequence, row.TransactionId, row.MemberId, row.GivenName, row.Surname,
                row.Amount, DateOnly.FromDateTime(row.RequestedAt), row.BankCode);
        }
    }

    private async Task MarkSubmittedAsync(Programme programme, BatchRow batch, byte[] sha256, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().TruncateToMicroseconds();
        var expectedBy = BusinessDays.After(DateOnly.FromDateTime(now.UtcDateTime), programme.PromiseDays);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TransactionLifecycle.SubmitBatchAsync(transaction, batch.Id, batch.RowCount, expectedBy, now, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ExportSql.CloseBatch,
            new { BatchId = batch.Id, Now = now.UtcDateTime, Sha256 = sha256 }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 3001, EventName = "ExportResuming", Level = LogLevel.Warning, Message = "Finishing {ProgrammeCode} batch {FileSequence}, claimed by an earlier run that did not complete")]
    private partial void LogResuming(string programmeCode, int fileSequence);

    [LoggerMessage(EventId = 3003, EventName = "ExportFailed", Level = LogLevel.Error, Message = "OPS ALERT: exporting {ProgrammeCode} failed; the other programmes go on, and the next run resumes or retries it")]
    private partial void LogExportFailed(Exception exception, string programmeCode);

    [LoggerMessage(EventId = 3004, EventName = "ExportAlreadyDelivered", Level = LogLevel.Information, Message = "{Key} was uploaded by the interrupted run already (same content); not sent again")]
    private partial void LogAlreadyDelivered(string key);

    [LoggerMessage(EventId = 3002, EventName = "Exported", Level = LogLevel.Information, Message = "Exported {ProgrammeCode} batch {FileSequence}: {Rows} rows, amount {AmountSum}, {FileName} (claim {ClaimMs} ms, file {FileMs} ms, submit {SubmitMs} ms)")]
    private partial void LogExported(string programmeCode, int fileSequence, int rows, long amountSum, string fileName, long claimMs, long fileMs, long submitMs);

    /// <param name="MaxRows">The most rows one file of this programme takes.</param>
    /// <param name="DailyCutoff">
    /// The claim is the schedule's for <paramref name="Cutoff"/>: skipped when that cutoff was exported already, and
    /// remembered as exported. On-demand exports and the later files of a cutoff are not.
    /// </param>
    private sealed record ExportPlan(Programme Programme, DateTimeOffset Cutoff, int MaxRows, bool DailyCutoff);

    private sealed record CounterRow(int LastSequence, DateTime? LastCutoffAt);

    /// <summary>A row's place in the claim's order.</summary>
    private sealed record ClaimKey(DateTime CreatedAt, string Id);

    private sealed record LineRow(int RowSequence, string TransactionId, string MemberId, string? GivenName,
        string? Surname, long Amount, DateTime RequestedAt, string BankCode);
}

public sealed record BatchRow(
    long Id, string ProgrammeCode, int FileSequence, DateTime CutoffAt, string FileName, string Status, int RowCount, long AmountSum);
