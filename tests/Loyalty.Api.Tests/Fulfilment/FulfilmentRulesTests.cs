using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using System.Diagnostics.Metrics;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Features.Fulfilment.Ingest;
using Loyalty.Api.Features.Fulfilment.Notifications;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MySqlConnector;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>DOMAIN.md §2, §5, §6 edge cases of export and handback, against MariaDB and the local AWS.</summary>
[Collection(FulfilmentSuite.Name)]
public sealed class FulfilmentRulesTests(FulfilmentFixture fixture)
{
    private BatchExporter Exporter => fixture.Get<BatchExporter>();

    private HandbackIngester Ingester => fixture.Get<HandbackIngester>();

    [Fact]
    public async Task EmptyBatch_SendsNothingAndConsumesNoSequence()
    {
        await Exporter.ExportNowAsync("VERD", CancellationToken.None); // whatever earlier tests left pending
        var empty = (await Exporter.ExportNowAsync("VERD", CancellationToken.None)).Single();
        Assert.Equal(ExportOutcome.Empty, empty.Outcome);
        var before = await LastSequenceAsync("VERD");
        var files = await fixture.S3.KeysAsync(fixture.Aws.Bucket, "outbound/VERD/");

        await fixture.AccrueAsync(ProgrammeCase.Of("VERD"));
        var next = (await Exporter.ExportNowAsync("VERD", CancellationToken.None)).Single();

        Assert.Equal(ExportOutcome.Exported, next.Outcome);
        Assert.Equal(before + 1, await LastSequenceAsync("VERD"));
        Assert.Equal(files.Count + 1, (await fixture.S3.KeysAsync(fixture.Aws.Bucket, "outbound/VERD/")).Count);
        await AnswerAllAsync("VERD", next.FileName!, CanonicalOutcome.Success);
    }

    [Fact]
    public async Task ABatchBiggerThanOneFile_GoesOutAsSeveralFilesOfTheSameCutoff()
    {
        await Exporter.ExportNowAsync("VERD", CancellationToken.None);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await fixture.AccrueAsync(ProgrammeCase.Of("VERD")));
        }

        var capped = fixture.ExporterWith(options: Options.Create(new FulfilmentOptions { Bucket = fixture.Aws.Bucket, MaxRowsPerFile = 2 }));
        var files = await capped.ExportNowAsync("VERD", CancellationToken.None);

        Assert.Equal([2, 2, 1], files.Select(f => f.Rows));
        var sequences = new List<int>();
        var exported = new List<string>();
        foreach (var file in files)
        {
            var accrualFile = await fixture.ReadAccrualFileAsync("VERD", file.FileName!);
            sequences.Add(accrualFile.Batch.FileSequence);
            exported.AddRange(accrualFile.Lines.Select(l => l.TransactionId));
            await AnswerAllAsync("VERD", file.FileName!, CanonicalOutcome.Success);
        }

        Assert.Equal(Enumerable.Range(sequences[0], 3), sequences);
        Assert.Equal(ids, exported); // oldest first, each once
    }

    /// <summary>
    /// DOMAIN.md §3 and §9.9 on a controlled clock against the database: QUIL's cutoff is 09:00 UTC daily; a row
    /// committed before the cutoff instant goes in that batch, one committed at the instant waits for the next; the
    /// scheduled export fires at the instant, once, and the file carries the cutoff's UTC date.
    /// </summary>
    [Fact]
    public async Task ScheduledExport_FiresAtTheCutoffInstant_Once_WithRowsCommittedBeforeIt()
    {
        const string code = "QUIL";
        var cutoffUtc = new TimeOnly(9, 0); // DOMAIN.md §3
        var before = await fixture.AccrueAsync(ProgrammeCase.Of(code));
        var atInstant = await fixture.AccrueAsync(ProgrammeCase.Of(code));
        var now = DateTimeOffset.UtcNow;
        var cutoff = new DateTimeOffset(DateOnly.FromDateTime(now.UtcDateTime).ToDateTime(cutoffUtc), TimeSpan.Zero);
        cutoff = cutoff > now ? cutoff : cutoff.AddDays(1); // the next cutoff, after both rows were committed
        await using (var connection = await fixture.OpenDatabaseAsync())
        {
            await connection.ExecuteAsync("UPDATE transactions SET created_at = @At WHERE id = @Id", new { At = cutoff.UtcDateTime, Id = atInstant });
        }

        var previousCutoff = await LastCutoffAtAsync(code);
        var files = await fixture.S3.KeysAsync(fixture.Aws.Bucket, $"outbound/{code}/");
        var clock = new FakeTimeProvider(cutoff.AddSeconds(-1));
        var exporter = fixture.ExporterWith(time: clock);
        try
        {
            await exporter.ExportDueAsync(CancellationToken.None);
            Assert.Equal(["pending", "pending"], [(await StatusAsync(before)).Status, (await StatusAsync(atInstant)).Status]);
            Assert.Equal(files, await fixture.S3.KeysAsync(fixture.Aws.Bucket, $"outbound/{code}/"));

            clock.SetUtcNow(cutoff);
            var exported = (await exporter.ExportDueAsync(CancellationToken.None)).Where(r => r.ProgrammeCode == code).ToList();
            Assert.NotEmpty(exported);
            Assert.All(exported, r => Assert.Equal(ExportOutcome.Exported, r.Outcome));
            var lines = new List<string>(); // ours, found in the files by their row sequence (QUIL files carry no ids)
            await using (var connection = await fixture.OpenDatabaseAsync())
            {
                foreach (var file in exported)
                {
                    Assert.Contains($".{cutoff:yyyyMMdd}.", file.FileName!, StringComparison.Ordinal); // the cutoff's UTC date
                    var accrualFile = await fixture.ReadAccrualFileAsync(code, file.FileName!);
                    lines.AddRange(await connection.QueryAsync<string>("""
                        SELECT r.transaction_id FROM batch_rows r JOIN batches b ON b.id = r.batch_id
                        WHERE b.programme_code = @Code AND b.file_name = @FileName AND r.row_sequence IN @Rows AND r.transaction_id IN @Ours
                        """, new { Code = code, file.FileName, Rows = accrualFile.Lines.Select(l => l.RowSequence).ToArray(), Ours = new[] { before, atInstant } }));
                }
            }

            Assert.Contains(before, lines);
            Assert.DoesNotContain(atInstant, lines);
            Assert.Equal(["submitted", "pending"], [(await StatusAsync(before)).Status, (await StatusAsync(atInstant)).Status]);
            var afterExport = await fixture.S3.KeysAsync(fixture.Aws.Bucket, $"outbound/{code}/");
            Assert.Equal(files.Count + exported.Count, afterExport.Count);

            clock.Advance(TimeSpan.FromHours(23));
            var again = Assert.Single(await exporter.ExportDueAsync(CancellationToken.None), r => r.ProgrammeCode == code);
            Assert.Equal(ExportOutcome.NotDue, again.Outcome);
            Assert.Equal(afterExport, await fixture.S3.KeysAsync(fixture.Aws.Bucket, $"outbound/{code}/"));
            Assert.Equal("pending", (await StatusAsync(atInstant)).Status);
            foreach (var file in exported)
            {
                await AnswerAllAsync(code, file.FileName!, CanonicalOutcome.Success);
            }
        }
        finally
        {
            // The clock ran ahead of the real one: later tests' real-time schedules must not see this cutoff as done.
            await using var connection = await fixture.OpenDatabaseAsync();
            await connection.ExecuteAsync("UPDATE programme_exports SET last_cutoff_at = @Previous WHERE programme_code = @Code",
                new { Previous = previousCutoff, Code = code });
        }
    }

    /// <summary>
    /// DOMAIN.md §2 and §9.5, for real: a large export of a programme while its accruals and cancels keep coming over
    /// HTTP. The claim holds no lock on the programme for its duration, so no request fails or waits for it: new
    /// accruals are stored while the batch is still claiming, and each racing cancel either wins (200, never in a file)
    /// or loses with the 409 of DOMAIN.md and the status the transaction really has.
    /// </summary>
    [Fact]
    public async Task ALargeExport_LetsAccrualsAndCancelsOfItsProgrammeThrough_AndEachCancelWinsOrIsInTheFile()
    {
        const string code = "CORV";
        const int seeded = 40_000;
        await Exporter.ExportNowAsync(code, CancellationToken.None); // whatever earlier tests left pending
        var racing = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            racing.Add(await fixture.AccrueAsync(ProgrammeCase.Of(code)));
        }

        var seededIds = await SeedPendingAsync(code, seeded);
        try
        {
            using var http = fixture.Client(ProgrammeCase.Of(code).Client);
            using var start = new SemaphoreSlim(0);
            var cancels = racing.Select(async id =>
            {
                await start.WaitAsync();
                using var response = await http.PostAsync($"/v1/transactions/{id}/cancel", null);
                var body = await response.Content.ReadAsStringAsync();
                return (Id: id, response.StatusCode, Body: body);
            }).ToList();
            var export = Task.Run(async () =>
            {
                await start.WaitAsync();
                return await Exporter.ExportNowAsync(code, CancellationToken.None);
            });
            start.Release(racing.Count + 1);

            // Accruals while the batch is claiming: answered before the claim is over.
            var duringClaim = new List<HttpStatusCode>();
            Assert.True(await EventuallyAsync(() => ClaimingAsync(code)), "the export never started claiming");
            var storedWhileClaiming = false;
            while (!export.IsCompleted && duringClaim.Count < 200)
            {
                duringClaim.Add(await AccrueOverHttpAsync(http, code));
                storedWhileClaiming |= await ClaimingAsync(code);
            }

            var answers = await Task.WhenAll(cancels);
            var files = await export;

            Assert.All(duringClaim, status => Assert.Equal(HttpStatusCode.Created, status));
            Assert.True(storedWhileClaiming, "no accrual was answered while the batch was still claiming");
            var inFiles = new HashSet<string>();
            foreach (var file in files.Where(f => f.Outcome == ExportOutcome.Exported))
            {
                inFiles.UnionWith((await fixture.ReadAccrualFileAsync(code, file.FileName!)).Lines.Select(l => l.TransactionId));
                await AnswerAllAsync(code, file.FileName!, CanonicalOutcome.Success);
            }

            Assert.Equal(seeded + racing.Count, inFiles.Count + answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            foreach (var (id, status, body) in answers)
            {
                if (status == HttpStatusCode.OK)
                {
                    Assert.DoesNotContain(id, inFiles);
                    Assert.Equal("cancelled", (await StatusAsync(id)).Status);
                    continue;
                }

                Assert.True(status == HttpStatusCode.Conflict, $"cancel of {id}: {(int)status} {body}");
                Assert.Contains(id, inFiles);
                var problem = JsonDocument.Parse(body).RootElement;
                // True when it was answered: still pending while the file was being sent, or submitted once it was.
                Assert.Contains((problem.GetProperty("code").GetString(), problem.GetProperty("transactionStatus").GetString()),
                    new[] { ((string?)Problems.BeingSubmittedCode, (string?)"pending"), (Problems.NotPendingCode, "submitted") });
            }
        }
        finally
        {
            await fixture.ForgetEventsAsync(seededIds);
        }
    }

    private static async Task<HttpStatusCode> AccrueOverHttpAsync(HttpClient http, string code)
    {
        var programme = ProgrammeCase.Of(code);
        using var response = await http.PostJsonAsync("/v1/accruals", programme.Body(AccrualBodies.NewReference(code)));
        return response.StatusCode;
    }

    private async Task<bool> ClaimingAsync(string code)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM batches WHERE programme_code = @Code AND status = 'claiming')", new { Code = code });
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return false;
    }

    /// <summary>
    /// Pending rows of the programme's bank, created after everything else pending, straight into the table; returns the
    /// prefix of their ids.
    /// </summary>
    private async Task<string> SeedPendingAsync(string code, int rows)
    {
        var run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var member = ProgrammeCase.Of(code).MemberId;
        await using var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync($"""
            INSERT INTO transactions (id, bank_code, bank_reference, payload_hash, programme_code, member_id, given_name,
                                      surname, amount, requested_at, status, attempts, event_sequence, created_at, updated_at)
            SELECT CONCAT('01KSK', @Run, LPAD(seq, 13, '0')), 'HARB', CONCAT('seed-', @Run, '-', seq), UNHEX(SHA2(seq, 256)),
                   @Code, @Member, 'Ana', 'Seed', 500, UTC_TIMESTAMP(6), 'pending', 0, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
            FROM seq_1_to_{rows}
            """, new { Run = run, Code = code, Member = member }, commandTimeout: 120);
        return $"01KSK{run}";
    }

    [Theory]
    [InlineData("2025-03-14T16:59:59Z", "2025-03-13T17:00:00Z")]
    [InlineData("2025-03-14T17:00:00Z", "2025-03-14T17:00:00Z")] // DOMAIN.md §9.9: at the instant is the new batch
    [InlineData("2025-03-15T02:00:00Z", "2025-03-14T17:00:00Z")]
    public void LastCutoff_IsTheLatestCutoffInstantAtOrBeforeNow(string now, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            BatchExporter.LastCutoff(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), new TimeOnly(17, 0)));

    [Fact]
    public async Task Redelivery_OfTheSameFileIsIgnored_AndADifferentFileForTheSameSequenceIsRefused()
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("LUMO"));
        var export = (await Exporter.ExportNowAsync("LUMO", CancellationToken.None)).Single();
        var file = await fixture.ReadAccrualFileAsync("LUMO", export.FileName!);
        var today = DateTimeOffset.UtcNow;
        var first = await fixture.PutHandbackAsync(file, _ => CanonicalOutcome.Success, today);
        Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(first, CancellationToken.None)).Outcome);
        var firstBytes = await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, first);

        // The same bytes again, delivered a day later under that day's name.
        var spec = ProgrammeDefinitions.Get("LUMO").Exchange;
        var resent = await fixture.PutInboundAsync("LUMO",
            spec.HandbackFileName(file.Batch.FileSequence, DateOnly.FromDateTime(today.UtcDateTime).AddDays(1)), firstBytes);
        Assert.Equal(IngestOutcome.Duplicate, (await Ingester.IngestAsync(resent, CancellationToken.None)).Outcome);
        Assert.Equal(IngestOutcome.AlreadySeen, (await Ingester.IngestAsync(resent, CancellationToken.None)).Outcome);

        var conflicting = await fixture.PutHandbackAsync(file, _ => CanonicalOutcome.AccountClosed, today.AddDays(2));
        var refused = await Ingester.IngestAsync(conflicting, CancellationToken.None);
        Assert.Equal(IngestOutcome.Refused, refused.Outcome);
        Assert.Contains("already applied", refused.Error, StringComparison.Ordinal);

        Assert.Equal(("fulfilled", 3), await StatusAsync(id));
    }

    [Fact]
    public async Task MalformedHandback_IsRefusedWhole_ChangesNothing_AndIsReported()
    {
        var ids = new[] { await fixture.AccrueAsync(ProgrammeCase.Of("HALC")), await fixture.AccrueAsync(ProgrammeCase.Of("HALC")) };
        var export = (await Exporter.ExportNowAsync("HALC", CancellationToken.None)).Single();
        var file = await fixture.ReadAccrualFileAsync("HALC", export.FileName!);
        var key = await fixture.PutHandbackAsync(file, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        var good = Encoding.Latin1.GetString(await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, key));
        await fixture.S3.DeleteObjectAsync(fixture.Aws.Bucket, key);
        // The trailer claims one row more than the file has.
        var trailer = $"#TOTAL;{file.Lines.Count}\r\n";
        var broken = good.Replace(trailer, $"#TOTAL;{file.Lines.Count + 1}\r\n", StringComparison.Ordinal);
        Assert.NotEqual(good, broken);
        var brokenKey = await fixture.PutInboundAsync("HALC", key.Split('/')[^1], Encoding.Latin1.GetBytes(broken));

        var result = await Ingester.IngestAsync(brokenKey, CancellationToken.None);

        Assert.Equal(IngestOutcome.Refused, result.Outcome);
        Assert.Contains($"line {file.Lines.Count + 2}", result.Error, StringComparison.Ordinal);
        foreach (var id in ids)
        {
            Assert.Equal("submitted", (await StatusAsync(id)).Status);
        }

        var report = JsonDocument.Parse(await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, $"reports/HALC/{key.Split('/')[^1]}.report.json")).RootElement;
        Assert.Equal("refused", report.GetProperty("outcome").GetString());
        Assert.Equal(result.Error, report.GetProperty("error").GetString());

        await AnswerAllAsync("HALC", export.FileName!, CanonicalOutcome.Success, DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public async Task HandbackForAFileNeverSent_IsRefused()
    {
        var spec = ProgrammeDefinitions.Get("CORV").Exchange;
        using var buffer = new MemoryStream();
        await spec.Format.WriteHandbackAsync(buffer, new HandbackHeader("CORV", 99_999, DateTimeOffset.UtcNow),
            [new HandbackLine(0, "01JPAM9S346Q3D25VT4F5V37E3", null, "0000", null, null, "Credited")], CancellationToken.None);
        var key = await fixture.PutInboundAsync("CORV", spec.HandbackFileName(99_999, DateOnly.FromDateTime(DateTime.UtcNow)), buffer.ToArray());

        var result = await Ingester.IngestAsync(key, CancellationToken.None);

        Assert.Equal(IngestOutcome.Refused, result.Outcome);
        Assert.Contains("no CORV accrual file with sequence 99999", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResumedExportWhoseFileReachedTheBucket_UploadsItNoSecondTime_AndNeverOverwritesAnotherFile()
    {
        await Exporter.ExportNowAsync("TAMR", CancellationToken.None); // whatever earlier tests left pending
        using var lostAnswers = new UploadsThenFails(fixture.Aws.Credentials, fixture.Aws.S3Config());
        var dying = fixture.ExporterWith(lostAnswers);

        // The file reaches the bucket, the run dies before it records that; the next run finishes the batch.
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("TAMR"));
        await Assert.ThrowsAsync<AmazonS3Exception>(() => dying.ExportNowAsync("TAMR", CancellationToken.None));
        var key = Assert.Single(lostAnswers.Uploaded);
        var resumed = Assert.Single(await Exporter.ExportNowAsync("TAMR", CancellationToken.None), r => r.Resumed);
        Assert.Equal(key, $"outbound/TAMR/{resumed.FileName}");
        Assert.Equal("submitted", (await StatusAsync(id)).Status);
        Assert.Single(await VersionsAsync(key)); // the partner was told of one upload
        await AnswerAllAsync("TAMR", resumed.FileName!, CanonicalOutcome.Success);

        // Someone else's bytes under the batch's file name: left alone, and the batch stays unsent until they are gone.
        var other = await fixture.AccrueAsync(ProgrammeCase.Of("TAMR"));
        await Assert.ThrowsAsync<AmazonS3Exception>(() => dying.ExportNowAsync("TAMR", CancellationToken.None));
        var otherKey = lostAnswers.Uploaded[^1];
        await fixture.S3.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Aws.Bucket, Key = otherKey, ContentBody = "not ours" });
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Exporter.ExportNowAsync("TAMR", CancellationToken.None));
        Assert.Contains("other content", refused.Message, StringComparison.Ordinal);
        Assert.Equal("not ours", Encoding.UTF8.GetString(await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, otherKey)));
        Assert.Equal("pending", (await StatusAsync(other)).Status);

        var versions = await fixture.S3.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Aws.Bucket, Prefix = otherKey });
        await fixture.S3.DeleteObjectAsync(fixture.Aws.Bucket, otherKey, versions.Versions.Single(v => v.IsLatest == true).VersionId);
        var sent = Assert.Single(await Exporter.ExportNowAsync("TAMR", CancellationToken.None), r => r.Resumed);
        Assert.Equal("submitted", (await StatusAsync(other)).Status);
        await AnswerAllAsync("TAMR", sent.FileName!, CanonicalOutcome.Success);
    }

    private async Task<IReadOnlyList<string>> VersionsAsync(string key) =>
        [.. (await fixture.S3.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Aws.Bucket, Prefix = key }))
            .Versions.Where(v => v.Key == key && v.IsDeleteMarker != true).Select(v => v.VersionId)];

    /// <summary>The bucket where someone replaces the object just before the ingester's second, conditional read.</summary>
    private sealed class ReplacedBeforeSecondRead(AWSCredentials credentials, AmazonS3Config config, Func<Task<string>> replace)
        : AmazonS3Client(credentials, config)
    {
        public int Replaced { get; private set; }

        public override async Task<GetObjectResponse> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default)
        {
            if (request.EtagToMatch is not null)
            {
                await replace();
                Replaced++;
            }

            return await base.GetObjectAsync(request, cancellationToken);
        }
    }

    /// <summary>Uploads for real, then loses the answer, as a process killed right after its upload would.</summary>
    private sealed class UploadsThenFails(AWSCredentials credentials, AmazonS3Config config) : AmazonS3Client(credentials, config)
    {
        public List<string> Uploaded { get; } = [];

        public override async Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default)
        {
            await base.PutObjectAsync(request, cancellationToken);
            Uploaded.Add(request.Key);
            throw new AmazonS3Exception("The connection was reset after the upload (test).");
        }
    }

    [Fact]
    public async Task HandbackForAFileWhoseExportHasNotCommitted_WaitsAndIsAppliedAfterwards()
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("TAMR"));
        var export = (await Exporter.ExportNowAsync("TAMR", CancellationToken.None)).Single();
        await SetBatchStatusAsync("TAMR", export.FileName!, "claimed"); // as if the exporter died after the upload
        var key = await AnswerOnlyAsync("TAMR", export.FileName!, CanonicalOutcome.Success);

        Assert.Equal(IngestOutcome.Deferred, (await Ingester.IngestAsync(key, CancellationToken.None)).Outcome);
        Assert.Equal("submitted", (await StatusAsync(id)).Status);

        await SetBatchStatusAsync("TAMR", export.FileName!, "submitted");
        Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(key, CancellationToken.None)).Outcome);
        Assert.Equal("fulfilled", (await StatusAsync(id)).Status);
    }

    [Fact]
    public async Task RowAnomalies_AreReported_AndTheRestOfTheFileApplies()
    {
        var quil = ProgrammeCase.Of("QUIL");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await fixture.AccrueAsync(quil));
        }

        var export = (await Exporter.ExportNowAsync("QUIL", CancellationToken.None)).Single();
        var file = await fixture.ReadAccrualFileAsync("QUIL", export.FileName!);
        var lines = await fixture.LinesOfAsync(file, ids);
        var spec = ProgrammeDefinitions.Get("QUIL").Exchange;
        HandbackLine Row(AccrualLine line, string code, long credited, string? memberId = null) =>
            new(0, null, line.RowSequence, code, credited, memberId ?? line.MemberId, null);
        var rows = file.Lines
            .Where(l => !lines.ContainsValue(l))
            .Select(l => FulfilmentSteps.HandbackFor(spec, l, CanonicalOutcome.Success))
            .Concat(
            [
                Row(lines[ids[0]], "A00", lines[ids[0]].Amount),
                Row(lines[ids[1]], "Z99", 0),
                Row(lines[ids[2]], "A00", lines[ids[2]].Amount, memberId: "56000012X"),
                Row(lines[ids[3]], "A00", lines[ids[3]].Amount - 1000),
                Row(lines[ids[4]], "A00", lines[ids[4]].Amount),
                Row(lines[ids[4]], "R02", 0),
                new HandbackLine(0, null, file.Lines.Count + 7, "A00", 1000, quil.MemberId, null),
            ])
            .ToList();
        using var buffer = new MemoryStream();
        await spec.Format.WriteHandbackAsync(buffer, new HandbackHeader("QUIL", file.Batch.FileSequence, DateTimeOffset.UtcNow), rows, CancellationToken.None);
        var key = await fixture.PutInboundAsync("QUIL", spec.HandbackFileName(file.Batch.FileSequence, DateOnly.FromDateTime(DateTime.UtcNow)), buffer.ToArray());

        var result = await Ingester.IngestAsync(key, CancellationToken.None);

        Assert.Equal(IngestOutcome.Applied, result.Outcome);
        Assert.Equal(6, result.Anomalies);
        Assert.Equal("fulfilled", (await StatusAsync(ids[0])).Status);
        foreach (var untouched in ids.Skip(1))
        {
            Assert.Equal("submitted", (await StatusAsync(untouched)).Status);
        }

        var report = JsonDocument.Parse(await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, $"reports/QUIL/{key.Split('/')[^1]}.report.json")).RootElement;
        var reasons = report.GetProperty("anomalies").EnumerateArray().Select(a => a.GetProperty("reason").GetString()!.Split(':')[0]).Order().ToList();
        Assert.Equal(["CREDITED_MISMATCH", "DUPLICATE_ROW", "DUPLICATE_ROW", "MEMBER_ID_MISMATCH", "REFERENCE_NOT_IN_BATCH", "UNKNOWN_CODE"], reasons);
    }

    /// <summary>
    /// The ingester applies a file a part at a time (<see cref="HandbackIngester.PartRows"/> rows); a reference given
    /// in two parts is still a duplicate of the whole file, and every other row of both parts applies.
    /// </summary>
    [Fact]
    public async Task AReferenceRepeatedInTwoPartsOfTheFile_IsADuplicate_AndEveryOtherRowApplies()
    {
        const string code = "LUMO"; // rows refer to transaction ids
        await Exporter.ExportNowAsync(code, CancellationToken.None); // whatever earlier tests left pending
        var seeded = await SeedPendingAsync(code, HandbackIngester.PartRows + 10);
        try
        {
            var export = (await Exporter.ExportNowAsync(code, CancellationToken.None)).Single(f => f.Outcome == ExportOutcome.Exported);
            var file = await fixture.ReadAccrualFileAsync(code, export.FileName!);
            var spec = ProgrammeDefinitions.Get(code).Exchange;
            var rows = file.Lines.Select(line => FulfilmentSteps.HandbackFor(spec, line, CanonicalOutcome.Success)).ToList();
            rows.Add(rows[0]); // the first part's first row, again in the second part
            using var buffer = new MemoryStream();
            await spec.Format.WriteHandbackAsync(
                buffer, new HandbackHeader(code, file.Batch.FileSequence, DateTimeOffset.UtcNow), rows, CancellationToken.None);
            var key = await fixture.PutInboundAsync(code, spec.HandbackFileName(file.Batch.FileSequence, DateOnly.FromDateTime(DateTime.UtcNow)), buffer.ToArray());

            var result = await Ingester.IngestAsync(key, CancellationToken.None);

            Assert.True(file.Lines.Count > HandbackIngester.PartRows, $"the file has {file.Lines.Count} rows: one part");
            Assert.Equal((IngestOutcome.Applied, rows.Count, rows.Count - 2, 2), (result.Outcome, result.Rows, result.Applied, result.Anomalies));
            Assert.Equal("submitted", (await StatusAsync(file.Lines[0].TransactionId)).Status);
            Assert.Equal("fulfilled", (await StatusAsync(file.Lines[^1].TransactionId)).Status);
            var report = JsonDocument.Parse(await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, $"reports/{code}/{key.Split('/')[^1]}.report.json")).RootElement;
            var anomalies = report.GetProperty("anomalies").EnumerateArray()
                .Select(a => (a.GetProperty("line").GetInt32(), a.GetProperty("reason").GetString()!.Split(':')[0])).ToList();
            // Line 1 is the header: the first row is line 2, its repeat the last before the trailer.
            Assert.Equal([(2, "DUPLICATE_ROW"), (rows.Count + 1, "DUPLICATE_ROW")], anomalies);
        }
        finally
        {
            await fixture.ForgetEventsAsync(seeded);
        }
    }

    /// <summary>
    /// A handback is read twice, checked and then applied. Replaced in between, it applies nothing and is not recorded:
    /// the replacement is read on its own, whole, as the bucket announces it.
    /// </summary>
    [Fact]
    public async Task AHandbackReplacedBetweenItsTwoReads_AppliesNothing_AndItsReplacementAppliesWhole()
    {
        var (id, file) = await AccrueAndExportAloneAsync("CORV");
        var key = await fixture.PutHandbackAsync(file, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        var options = fixture.Get<IOptions<FulfilmentOptions>>();
        using var s3 = new ReplacedBeforeSecondRead(fixture.Aws.Credentials, fixture.Aws.S3Config(),
            () => fixture.PutHandbackAsync(file, _ => CanonicalOutcome.MemberNotFound, DateTimeOffset.UtcNow));
        var ingester = new HandbackIngester(fixture.Get<MySqlDataSource>(), s3, fixture.Get<HandbackLedger>(),
            new HandbackReports(s3, options), options, TimeProvider.System, NullLogger<HandbackIngester>.Instance);

        var raced = await ingester.IngestAsync(key, CancellationToken.None);

        Assert.Equal(1, s3.Replaced);
        Assert.Equal(IngestOutcome.Ignored, raced.Outcome);
        Assert.Equal("submitted", (await StatusAsync(id)).Status);
        var replacement = await Ingester.IngestAsync(key, CancellationToken.None);
        Assert.Equal((IngestOutcome.Applied, 1), (replacement.Outcome, replacement.Applied));
        Assert.Equal("rejected", (await StatusAsync(id)).Status);
    }

    [Fact]
    public async Task ProgrammeError_IsRetriedInTheNextBatch_UntilAttemptsRunOut()
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("TAMR"));
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var export = (await Exporter.ExportNowAsync("TAMR", CancellationToken.None)).Single();
            var file = await fixture.ReadAccrualFileAsync("TAMR", export.FileName!);
            var ours = (await fixture.LinesOfAsync(file, [id]))[id];
            var key = await fixture.PutHandbackAsync(file, line => line == ours ? CanonicalOutcome.ProgrammeError : CanonicalOutcome.Success,
                DateTimeOffset.UtcNow.AddDays(attempt));
            Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(key, CancellationToken.None)).Outcome);
            // Created, then per attempt submitted and back to pending; the last attempt ends rejected.
            Assert.Equal(attempt < 3 ? ("pending", 1 + (2 * attempt)) : ("rejected", 7), await StatusAsync(id));
        }

        await using var connection = await fixture.OpenDatabaseAsync();
        var outcome = await connection.QuerySingleAsync<(string Status, int Attempts, string Code, string? ProgrammeCode)>(
            "SELECT status, attempts, outcome_code, outcome_programme_code FROM transactions WHERE id = @Id", new { Id = id });
        Assert.Equal(("rejected", 3, "RETRIES_EXHAUSTED", (string?)null), outcome);
    }

    [Fact]
    public async Task Sweep_ExpiresWhatNoHandbackSettledWithinTenDays_AndALateRowIsAnAnomaly()
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of("CORV"));
        var export = (await Exporter.ExportNowAsync("CORV", CancellationToken.None)).Single();
        await using (var connection = await fixture.OpenDatabaseAsync())
        {
            await connection.ExecuteAsync("UPDATE transactions SET dispatched_at = UTC_TIMESTAMP(6) - INTERVAL 10 DAY - INTERVAL 1 MINUTE WHERE id = @Id", new { Id = id });
        }

        Assert.True(await fixture.Get<ExpirySweep>().SweepAsync(CancellationToken.None) >= 1);
        Assert.Equal(("expired", 3), await StatusAsync(id));
        Assert.Equal(0, await fixture.Get<ExpirySweep>().SweepAsync(CancellationToken.None));

        var file = await fixture.ReadAccrualFileAsync("CORV", export.FileName!);
        var key = await fixture.PutHandbackAsync(file, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        var result = await Ingester.IngestAsync(key, CancellationToken.None);
        Assert.Equal(IngestOutcome.Applied, result.Outcome);
        Assert.Equal(1, result.Anomalies);
        Assert.Equal(("expired", 3), await StatusAsync(id));
    }

    /// <summary>
    /// DOMAIN.md §9.7: handbacks out of order (the later file answered first). QUIL's rows refer to the row sequence
    /// and both transactions are row 1 of their own file with the same member, so only the file the row came from
    /// tells them apart.
    /// </summary>
    [Fact]
    public async Task OutOfOrderHandbacks_EachAppliesToTheFileItAnswers()
    {
        await Exporter.ExportNowAsync("QUIL", CancellationToken.None); // whatever earlier tests left pending
        var earlier = await AccrueAndExportAloneAsync("QUIL");
        var later = await AccrueAndExportAloneAsync("QUIL");
        Assert.Equal(earlier.File.Batch.FileSequence + 1, later.File.Batch.FileSequence);
        Assert.Equal(earlier.File.Lines.Single().RowSequence, later.File.Lines.Single().RowSequence);

        var laterKey = await fixture.PutHandbackAsync(later.File, _ => CanonicalOutcome.AccountClosed, DateTimeOffset.UtcNow);
        Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(laterKey, CancellationToken.None)).Outcome);
        Assert.Equal(("rejected", 3), await StatusAsync(later.Id));
        Assert.Equal(("submitted", 2), await StatusAsync(earlier.Id));

        var earlierKey = await fixture.PutHandbackAsync(earlier.File, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        var applied = await Ingester.IngestAsync(earlierKey, CancellationToken.None);
        Assert.Equal((IngestOutcome.Applied, 0), (applied.Outcome, applied.Anomalies));
        Assert.Equal(("fulfilled", 3), await StatusAsync(earlier.Id));
        Assert.Equal(("rejected", 3), await StatusAsync(later.Id));
    }

    /// <summary>
    /// DOMAIN.md §9.7 and §6: a transaction sent back to pending by PROGRAMME_ERROR goes out again in a new file; its
    /// row in the old file's handback, arriving again the same or changed, never touches it; the new file's row does.
    /// </summary>
    [Fact]
    public async Task RetriedTransaction_ItsOldRowArrivingAgain_ChangesNothing()
    {
        await Exporter.ExportNowAsync("QUIL", CancellationToken.None);
        var old = await AccrueAndExportAloneAsync("QUIL");
        var oldKey = await fixture.PutHandbackAsync(old.File, _ => CanonicalOutcome.ProgrammeError, DateTimeOffset.UtcNow);
        Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(oldKey, CancellationToken.None)).Outcome);
        Assert.Equal(("pending", 3), await StatusAsync(old.Id));
        var retry = (await Exporter.ExportNowAsync("QUIL", CancellationToken.None)).Single();
        var retried = await fixture.ReadAccrualFileAsync("QUIL", retry.FileName!);
        Assert.Equal(old.File.Lines.Single() with { RowSequence = 0 }, retried.Lines.Single() with { RowSequence = 0 });
        Assert.Equal(("submitted", 4), await StatusAsync(old.Id));

        // The old handback again, a day later under that day's name: already applied, ignored.
        var spec = ProgrammeDefinitions.Get("QUIL").Exchange;
        var resent = await fixture.PutInboundAsync("QUIL",
            spec.HandbackFileName(old.File.Batch.FileSequence, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1)),
            await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, oldKey));
        var again = await Ingester.IngestAsync(resent, CancellationToken.None);
        Assert.Equal(("submitted", 4), await StatusAsync(old.Id));
        Assert.Equal(IngestOutcome.Duplicate, again.Outcome);
        // The old file answered again with success for the old row: refused whole.
        var changed = await fixture.PutHandbackAsync(old.File, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow.AddDays(2));
        var refused = await Ingester.IngestAsync(changed, CancellationToken.None);
        Assert.Equal(("submitted", 4), await StatusAsync(old.Id));
        Assert.Equal(IngestOutcome.Refused, refused.Outcome);

        var newKey = await fixture.PutHandbackAsync(retried, _ => CanonicalOutcome.Success, DateTimeOffset.UtcNow);
        Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(newKey, CancellationToken.None)).Outcome);
        Assert.Equal(("fulfilled", 5), await StatusAsync(old.Id));
        await using var connection = await fixture.OpenDatabaseAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT attempts FROM transactions WHERE id = @Id", new { old.Id }));
    }

    /// <summary>
    /// One bank's queue deleted under traffic: that bank's notifications wait (never lost), every other bank's are
    /// delivered, the waiting bank's age shows on the watch's gauge, and it catches up once its queue is back.
    /// </summary>
    [Fact]
    public async Task OneBanksQueueGone_HoldsBackOnlyThatBank_WhichCatchesUpWhenItIsBack()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<IMeterFactory>();
        var log = new FakeLogger<EventPublisher>();
        var publisher = new EventPublisher(fixture.Get<MySqlDataSource>(), fixture.Sqs, fixture.Get<IOptions<FulfilmentOptions>>(),
            fixture.Get<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>(), TimeProvider.System, log);
        using var watch = new PipelineWatch(fixture.Get<MySqlDataSource>(), fixture.Get<CatalogueStore>(), fixture.Get<IOptions<FulfilmentOptions>>(),
            TimeProvider.System, NullLogger<PipelineWatch>.Instance, meterFactory);
        // What earlier tests left unpublished goes first, so this test waits for its own events only.
        await publisher.PublishAsync(CancellationToken.None);
        var harbQueue = fixture.Aws.BankQueue("HARB");
        var attributes = (await fixture.Sqs.GetQueueAttributesAsync(harbQueue, ["All"])).Attributes;
        string harb;
        string nval;
        await fixture.Sqs.DeleteQueueAsync(harbQueue);
        try
        {
            harb = await fixture.AccrueAsync(ProgrammeCase.Of("CORV"));
            nval = await fixture.AccrueAsync(ProgrammeCase.Of("HALC"));

            await publisher.PublishAsync(CancellationToken.None);

            Assert.False(await UnpublishedAsync(nval));
            Assert.True(await UnpublishedAsync(harb));
            await watch.MeasureAsync(CancellationToken.None);
            Assert.True(OldestUnpublishedAges(meterFactory).TryGetValue("HARB", out var age) && age >= 0, "no age for HARB on the gauge");
        }
        finally
        {
            // Back as the stack made it (the same name gives the same URL).
            var settable = new[] { "FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout", "MessageRetentionPeriod", "KmsMasterKeyId",
                "KmsDataKeyReusePeriodSeconds", "RedrivePolicy", "Policy", "DeduplicationScope", "FifoThroughputLimit", "ReceiveMessageWaitTimeSeconds" };
            await fixture.Sqs.CreateQueueAsync(new Amazon.SQS.Model.CreateQueueRequest
            {
                QueueName = harbQueue.Split('/')[^1],
                Attributes = attributes.Where(a => settable.Contains(a.Key)).ToDictionary(),
            });
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await UnpublishedAsync(harb) && DateTime.UtcNow < deadline)
        {
            await publisher.PublishAsync(CancellationToken.None); // the bank is backing off: most passes skip it
            await Task.Delay(100);
        }

        Assert.False(await UnpublishedAsync(harb),
            $"HARB's event was not published after its queue came back; the publisher said:\n{string.Join('\n', log.Collector.GetSnapshot().TakeLast(20).Select(r => $"{r.Level} {r.Message} {r.Exception?.Message}"))}");
        await watch.MeasureAsync(CancellationToken.None);
        Assert.False(OldestUnpublishedAges(meterFactory).ContainsKey("HARB"));
    }

    /// <summary>What the watch's gauge reports now, per bank.</summary>
    private static Dictionary<string, double> OldestUnpublishedAges(IMeterFactory scope)
    {
        var ages = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Name == PipelineWatch.OldestUnpublishedAgeMetric)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "bank")
                {
                    ages[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return ages;
    }

    [Fact]
    public async Task HandbackAnnouncedOnTheIngestQueue_IsApplied()
    {
        await fixture.AccrueAsync(ProgrammeCase.Of("CORV"));
        var export = (await Exporter.ExportNowAsync("CORV", CancellationToken.None)).Single();
        var key = await AnswerOnlyAsync("CORV", export.FileName!, CanonicalOutcome.Success);

        var results = new List<IngestResult>();
        for (var polls = 0; polls < 20 && !results.Any(r => r.Key == key); polls++)
        {
            results.AddRange(await fixture.Get<HandbackIntake>().IngestQueuedAsync(waitSeconds: 1, CancellationToken.None));
        }

        Assert.Equal(IngestOutcome.Applied, results.Single(r => r.Key == key).Outcome);
    }

    /// <summary>One accrual, exported alone in a file of its own (the caller has exported what was pending).</summary>
    private async Task<(string Id, AccrualFile File)> AccrueAndExportAloneAsync(string programme)
    {
        var id = await fixture.AccrueAsync(ProgrammeCase.Of(programme));
        var export = (await Exporter.ExportNowAsync(programme, CancellationToken.None)).Single();
        var file = await fixture.ReadAccrualFileAsync(programme, export.FileName!);
        Assert.Equal(id, Assert.Single(await fixture.LinesOfAsync(file, [id])).Key);
        Assert.Single(file.Lines);
        return (id, file);
    }

    private async Task<string> AnswerOnlyAsync(string programme, string fileName, CanonicalOutcome outcome, DateTimeOffset? processedAt = null)
    {
        var file = await fixture.ReadAccrualFileAsync(programme, fileName);
        return await fixture.PutHandbackAsync(file, _ => outcome, processedAt ?? DateTimeOffset.UtcNow);
    }

    private async Task AnswerAllAsync(string programme, string fileName, CanonicalOutcome outcome, DateTimeOffset? processedAt = null)
    {
        var key = await AnswerOnlyAsync(programme, fileName, outcome, processedAt);
        Assert.Equal(IngestOutcome.Applied, (await Ingester.IngestAsync(key, CancellationToken.None)).Outcome);
    }

    private async Task SetBatchStatusAsync(string programme, string fileName, string status)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync("UPDATE batches SET status = @Status WHERE programme_code = @Programme AND file_name = @FileName",
            new { Status = status, Programme = programme, FileName = fileName });
    }

    /// <summary>An exporter on the fixture's database and bucket with settings or a clock of the test's own.</summary>
    private async Task<DateTime?> LastCutoffAtAsync(string programme)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<DateTime?>(
            "SELECT last_cutoff_at FROM programme_exports WHERE programme_code = @Programme", new { Programme = programme });
    }

    private async Task<int> LastSequenceAsync(string programme)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT COALESCE(MAX(file_sequence), 0) FROM batches WHERE programme_code = @Programme", new { Programme = programme });
    }

    /// <summary>The transaction's status and how many events it has had.</summary>
    private async Task<(string Status, int Events)> StatusAsync(string id)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.QuerySingleAsync<(string, int)>(
            "SELECT t.status, (SELECT COUNT(*) FROM events e WHERE e.transaction_id = t.id) FROM transactions t WHERE t.id = @Id", new { Id = id });
    }

    private async Task<bool> UnpublishedAsync(string id)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM events WHERE transaction_id = @Id AND published_at IS NULL)", new { Id = id });
    }
}
