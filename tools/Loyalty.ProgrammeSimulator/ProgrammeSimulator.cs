using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Loyalty.Simulation;

/// <summary>
/// The loyalty programmes' side of the file exchange, for tests and the local demo: reads the accrual files the
/// platform wrote to <c>outbound/{CODE}/</c> and answers each with one handback in the programme's own format under
/// <c>inbound/{CODE}/</c>. What it has dealt with is remembered in the bucket itself
/// (<c>simulator/answered/{CODE}/{accrual file name}</c>), so a restart never answers a file twice.
/// </summary>
public sealed partial class ProgrammeSimulator
{
    public const string OutboundPrefix = Loyalty.Core.BucketPrefixes.Outbound;
    public const string InboundPrefix = Loyalty.Core.BucketPrefixes.Inbound;
    public const string AnsweredPrefix = "simulator/answered/";

    private static readonly FrozenDictionary<CanonicalOutcome, string> Texts = new Dictionary<CanonicalOutcome, string>
    {
        [CanonicalOutcome.Success] = "Credited",
        [CanonicalOutcome.MemberNotFound] = "Member unknown",
        [CanonicalOutcome.NameMismatch] = "Name does not match",
        [CanonicalOutcome.AccountClosed] = "Account closed",
        [CanonicalOutcome.AccountSuspended] = "Account suspended",
        [CanonicalOutcome.InvalidAmount] = "Amount refused",
        [CanonicalOutcome.Duplicate] = "Already credited",
        [CanonicalOutcome.InvalidRecord] = "Record malformed",
        [CanonicalOutcome.ProgrammeError] = "System busy, resend",
    }.ToFrozenDictionary();

    private readonly IAmazonS3 s3;
    private readonly string bucket;
    private readonly SimulatorSettings settings;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    /// <param name="s3">Not disposed here: the caller owns it.</param>
    /// <param name="bucket">The partner-files bucket (the API's <c>Fulfilment:Bucket</c>).</param>
    public ProgrammeSimulator(IAmazonS3 s3, string bucket, SimulatorSettings settings, TimeProvider time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        this.s3 = s3;
        this.bucket = bucket;
        this.settings = settings;
        this.time = time;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Answers every accrual file of a seeded programme under <c>outbound/</c> not dealt with yet, in key order. A file
    /// that already has a handback for its sequence in <c>inbound/</c> (someone answered it by hand, or the simulator
    /// stopped between writing the handback and remembering it) is only marked, not answered again.
    /// </summary>
    /// <returns>One record per file dealt with in this pass, including files that could not be read.</returns>
    public async Task<IReadOnlyList<AnsweredFile>> AnswerNewFilesAsync(CancellationToken cancellationToken)
    {
        var answered = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var key in ListKeysAsync(AnsweredPrefix, cancellationToken))
        {
            answered.Add(key);
        }

        var handbacks = new Dictionary<(string Programme, int Sequence), string>();
        await foreach (var key in ListKeysAsync(InboundPrefix, cancellationToken))
        {
            if (key.Split('/') is ["inbound", var code, var fileName]
                && ProgrammeDefinitions.TryGet(code, out var programme)
                && programme.Exchange.TryParseHandbackFileName(fileName, out var sequence, out _))
            {
                handbacks.TryAdd((code, sequence), key);
            }
        }

        var results = new List<AnsweredFile>();
        await foreach (var key in ListKeysAsync(OutboundPrefix, cancellationToken))
        {
            if (TryLocate(key) is not { } accrual || answered.Contains(accrual.MarkerKey))
            {
                continue;
            }

            if (handbacks.TryGetValue((accrual.Spec.ProgrammeCode, accrual.Sequence), out var existing))
            {
                await MarkAsync(accrual, $"answered before by {existing}", cancellationToken);
                LogAlreadyAnswered(logger, accrual.Key, existing);
                continue;
            }

            results.Add(await AnswerAsync(accrual, cancellationToken));
        }

        return results;
    }

    /// <summary>
    /// Answers one accrual file now, whether or not it was answered before (a second answer on another day or minute
    /// differs from the first, which the platform refuses as a conflicting re-delivery).
    /// </summary>
    /// <param name="accrualKey"><c>outbound/{CODE}/{accrual file name}</c> of a seeded programme.</param>
    /// <exception cref="ArgumentException">The key is not an accrual file of a programme the simulator knows.</exception>
    public Task<AnsweredFile> AnswerAsync(string accrualKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accrualKey);
        var accrual = TryLocate(accrualKey)
            ?? throw new ArgumentException(
                $"'{accrualKey}' is not outbound/{{CODE}}/{{accrual file name}} of a programme with seeded members.", nameof(accrualKey));
        return AnswerAsync(accrual, cancellationToken);
    }

    /// <summary>
    /// The programme's work on one accrual file, without S3: reads it, decides every row and writes the handback to
    /// <paramref name="handback"/>. Both streams stay open.
    /// </summary>
    /// <param name="processedAt">When the programme processed the file: the handback's file-name date and stamps.</param>
    /// <exception cref="PartnerFileException">The accrual file (or its name) is not valid for the programme's format.</exception>
    public static async Task<FileAnswer> AnswerFileAsync(
        PartnerFileSpec spec, SimulatorSettings settings, Stream accrual, string accrualFileName, Stream handback,
        DateTimeOffset processedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        var file = await spec.Format.ReadAccrualsAsync(accrual, accrualFileName, cancellationToken);
        var sequence = file.Batch.FileSequence;
        var rows = file.Lines.Select(line => AnswerRow(spec, settings, sequence, line)).ToList();
        await spec.Format.WriteHandbackAsync(
            handback, new HandbackHeader(spec.ProgrammeCode, sequence, processedAt), [.. rows.Select(row => row.Line)], cancellationToken);
        var handbackFileName = spec.HandbackFileName(sequence, DateOnly.FromDateTime(processedAt.UtcDateTime));
        return new FileAnswer(spec.ProgrammeCode, sequence, handbackFileName, rows);
    }

    /// <summary>
    /// What the programme answers for one accrual row, by these rules in order: member id not seeded →
    /// MEMBER_NOT_FOUND (unless <see cref="SimulatorSettings.AcceptUnknownMembers"/>: then an active member whose
    /// names match); closed → ACCOUNT_CLOSED; suspended → ACCOUNT_SUSPENDED; names fail the programme's rule →
    /// NAME_MISMATCH; otherwise the <see cref="SimulatorSettings.Mix"/> decides, by a SHA-256 draw over the row's
    /// identity and the file sequence: the same row in the same file always gets the same answer, and a row resent
    /// in a later file draws again.
    /// </summary>
    /// <remarks>
    /// The handback row refers to the transaction id or the row sequence as the programme's files do, echoes the
    /// member id, credits the amount on success and 0 otherwise, and carries a short text; each format writes only
    /// what it has columns for.
    /// </remarks>
    /// <param name="line">The row as the programme's format reads it: names as far as the file carries them.</param>
    /// <exception cref="KeyNotFoundException">No members are seeded for the programme.</exception>
    public static RowAnswer AnswerRow(PartnerFileSpec spec, SimulatorSettings settings, int fileSequence, AccrualLine line)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(line);
        var programme = settings.Members.For(spec.ProgrammeCode);
        var outcome = RuleOutcome(programme, settings.AcceptUnknownMembers, line)
            ?? settings.Mix.Pick(Draw(spec.ProgrammeCode, fileSequence, line), spec.OutcomeCodes);

        if (!spec.OutcomeCodes.TryGetCode(outcome, out var code))
        {
            throw new InvalidOperationException($"{spec.ProgrammeCode} has no code for {outcome.ToCode()}.");
        }

        var byTransactionId = spec.HandbackRefersTo == HandbackReference.TransactionId;
        return new RowAnswer(outcome, new HandbackLine(
            LineNumber: 0,
            TransactionId: byTransactionId ? line.TransactionId : null,
            RowSequence: byTransactionId ? null : line.RowSequence,
            Code: code,
            Credited: outcome == CanonicalOutcome.Success ? line.Amount : 0,
            MemberId: line.MemberId,
            Text: Texts[outcome]));
    }

    /// <summary>The outcome the member data decides by itself; null when the row goes to the mix.</summary>
    private static CanonicalOutcome? RuleOutcome(ProgrammeMembers programme, bool acceptUnknownMembers, AccrualLine line)
    {
        if (!programme.TryFind(line.MemberId, out var member))
        {
            return acceptUnknownMembers ? null : CanonicalOutcome.MemberNotFound;
        }

        return member.Status switch
        {
            MemberStatus.Closed => CanonicalOutcome.AccountClosed,
            MemberStatus.Suspended => CanonicalOutcome.AccountSuspended,
            _ => PersonNames.Matches(programme.NameRule, member.GivenName, member.Surname ?? "", line.GivenName, line.Surname)
                ? null
                : CanonicalOutcome.NameMismatch,
        };
    }

    /// <summary>
    /// A uniform 64-bit number fixed by the row and the file it came in. The transaction id names a row where the
    /// file carries it; QUIL and TAMR files do not, so their rows are named by position, member and amount.
    /// </summary>
    private static ulong Draw(string programmeCode, int fileSequence, AccrualLine line)
    {
        var identity = line.TransactionId.Length > 0
            ? line.TransactionId
            : $"{line.RowSequence}:{line.MemberId}:{line.Amount}";
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{programmeCode}\n{identity}\n{fileSequence}"), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    private async Task<AnsweredFile> AnswerAsync(AccrualObject accrual, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream();
        using (var response = await s3.GetObjectAsync(bucket, accrual.Key, cancellationToken))
        {
            await response.ResponseStream.CopyToAsync(input, cancellationToken);
        }

        input.Position = 0;
        using var output = new MemoryStream();
        FileAnswer answer;
        try
        {
            answer = await AnswerFileAsync(accrual.Spec, settings, input, accrual.FileName, output, time.GetUtcNow(), cancellationToken);
        }
        catch (PartnerFileException e)
        {
            // A programme rejects such a file outright; marking it keeps the simulator from reading it every pass.
            await MarkAsync(accrual, $"cannot read it: {e.Message}", cancellationToken);
            LogUnreadable(logger, accrual.Key, e.Message);
            return new AnsweredFile(accrual.Spec.ProgrammeCode, accrual.Key, null, 0, new Dictionary<CanonicalOutcome, int>(), e.Message);
        }

        var handbackKey = $"{InboundPrefix}{accrual.Spec.ProgrammeCode}/{answer.HandbackFileName}";
        output.Position = 0;
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = handbackKey,
            InputStream = output,
            AutoCloseStream = false,
            ContentType = "application/octet-stream",
        }, cancellationToken);
        // Remembered only once the handback is there: a crash in between leaves the handback, which the next pass
        // finds by its sequence instead of answering again.
        await MarkAsync(accrual, $"answered by {handbackKey}", cancellationToken);

        var result = new AnsweredFile(accrual.Spec.ProgrammeCode, accrual.Key, handbackKey, answer.Rows.Count, answer.OutcomeCounts());
        LogAnswered(logger, result);
        return result;
    }

    private async Task MarkAsync(AccrualObject accrual, string note, CancellationToken cancellationToken) =>
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = accrual.MarkerKey,
            ContentBody = note,
            ContentType = "text/plain; charset=utf-8",
        }, cancellationToken);

    private AccrualObject? TryLocate(string key) =>
        key.Split('/') is [var prefix, var code, var fileName]
        && prefix == OutboundPrefix.TrimEnd('/')
        && ProgrammeDefinitions.TryGet(code, out var programme)
        && settings.Members.Programmes.ContainsKey(code)
        && programme.Exchange.TryParseAccrualFileName(fileName, out var sequence, out _)
            ? new AccrualObject(programme.Exchange, key, fileName, sequence)
            : null;

    private async IAsyncEnumerable<string> ListKeysAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item.Key;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
    }

    [LoggerMessage(EventId = 1, EventName = "Answered", Level = LogLevel.Information,
        Message = "{Answered}")]
    private static partial void LogAnswered(ILogger logger, AnsweredFile answered);

    [LoggerMessage(EventId = 2, EventName = "Unreadable", Level = LogLevel.Warning,
        Message = "{AccrualKey} not answered, it cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string accrualKey, string reason);

    [LoggerMessage(EventId = 3, EventName = "AlreadyAnswered", Level = LogLevel.Information,
        Message = "{AccrualKey} already has a handback, {HandbackKey}; marked answered")]
    private static partial void LogAlreadyAnswered(ILogger logger, string accrualKey, string handbackKey);

    private sealed record AccrualObject(PartnerFileSpec Spec, string Key, string FileName, int Sequence)
    {
        public string MarkerKey => $"{AnsweredPrefix}{Spec.ProgrammeCode}/{FileName}";
    }
}
