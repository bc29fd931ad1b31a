using Amazon.S3;
using Amazon.S3.Model;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Tests.Fulfilment;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Loyalty.Simulation;
using static Loyalty.Api.Tests.Simulator.SimulatorTesting;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>
/// The bucket side against the local AWS, each test in a bucket of its own: what gets answered, where handbacks go,
/// and what is remembered, through S3's own listing, paging, reads and writes.
/// </summary>
[Collection(FulfilmentSuite.Name)]
public sealed class ProgrammeSimulatorTests(FulfilmentFixture fixture)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(ProcessedAt.UtcDateTime);

    private IAmazonS3 S3 => fixture.S3;

    [Fact]
    public async Task NewAccrualFiles_AreEachAnsweredOnce_InTheProgrammesInbound()
    {
        var bucket = await NewBucketAsync();
        var corv = await PutAccrualAsync(bucket, "CORV", 7, Line(1, "0047182902", "Jörg", "Müller"), Line(2, "1200000055", null, "Dubois"));
        var quil = await PutAccrualAsync(bucket, "QUIL", 12, Line(1, "314159266", "Hana", "Tanaka"));
        var simulator = new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt));

        var answered = await simulator.AnswerNewFilesAsync(CancellationToken.None);

        Assert.Equal([corv, quil], answered.Select(file => file.AccrualKey));
        Assert.Equal(
            [$"inbound/CORV/{ProgrammeDefinitions.Get("CORV").Exchange.HandbackFileName(7, Today)}", $"inbound/QUIL/{ProgrammeDefinitions.Get("QUIL").Exchange.HandbackFileName(12, Today)}"],
            answered.Select(file => file.HandbackKey));
        Assert.Equal(answered.Select(file => file.HandbackKey), await S3.KeysAsync(bucket, "inbound/"));
        var corvAnswer = answered[0];
        Assert.Equal(("CORV", 2, false), (corvAnswer.ProgrammeCode, corvAnswer.Rows, corvAnswer.Failed));
        Assert.Equal(
            new Dictionary<CanonicalOutcome, int> { [CanonicalOutcome.Success] = 1, [CanonicalOutcome.AccountSuspended] = 1 },
            corvAnswer.Outcomes);
        Assert.Equal(
            $"{corv} -> inbound/CORV/CORV_HBK_20250315_00007.csv: 2 rows (SUCCESS 1, ACCOUNT_SUSPENDED 1)",
            corvAnswer.ToString());
    }

    [Fact]
    public async Task AnAccrualFileOnALaterPageOfTheListing_IsAnswered()
    {
        // S3 lists at most 1,000 keys a page; these sort before the accrual file and push it to the second page.
        var bucket = await NewBucketAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, cancellationToken) => await PutAsync(bucket, $"outbound/AAAA/note-{i:D4}.txt", [1], cancellationToken));
        var key = await PutAccrualAsync(bucket, "LUMO", 4, Line(1, "001234567889", null, null));
        var listing = await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "outbound/" });
        Assert.True(listing.IsTruncated == true && !listing.S3Objects.Any(o => o.Key == key), "the accrual file is on the first page");

        var answered = await new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt)).AnswerNewFilesAsync(CancellationToken.None);

        Assert.Equal(key, Assert.Single(answered).AccrualKey);
    }

    [Fact]
    public async Task AnsweredFiles_AreRememberedInTheBucket_SoARestartDoesNotAnswerThemAgain()
    {
        var bucket = await NewBucketAsync();
        var key = await PutAccrualAsync(bucket, "HALC", 3, Line(1, "572004136", "Jürgen", "Weiß"));
        await new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt)).AnswerNewFilesAsync(CancellationToken.None);
        var before = await VersionsAsync(bucket);

        var restarted = new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt.AddDays(1)));
        var again = await restarted.AnswerNewFilesAsync(CancellationToken.None);

        Assert.Empty(again);
        Assert.Equal(before, await VersionsAsync(bucket));
        Assert.Single(await S3.KeysAsync(bucket, "inbound/"));
        Assert.StartsWith("answered by inbound/HALC/", await TextAsync(bucket, $"simulator/answered/HALC/{key.Split('/')[^1]}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccrualFileWithAHandbackAlready_IsMarkedNotAnswered()
    {
        var bucket = await NewBucketAsync();
        var key = await PutAccrualAsync(bucket, "VERD", 5, Line(1, "7KQ4M2ZD", null, "García"));
        var existing = $"inbound/VERD/{ProgrammeDefinitions.Get("VERD").Exchange.HandbackFileName(5, new DateOnly(2025, 3, 14))}";
        await PutAsync(bucket, existing, [1, 2, 3]);

        var answered = await new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt)).AnswerNewFilesAsync(CancellationToken.None);

        Assert.Empty(answered);
        Assert.Equal([existing], await S3.KeysAsync(bucket, "inbound/"));
        Assert.Equal($"answered before by {existing}", await TextAsync(bucket, $"simulator/answered/VERD/{key.Split('/')[^1]}"));
    }

    [Fact]
    public async Task UnreadableAccrualFile_IsReportedFailedOnce_AndNotAnswered()
    {
        var bucket = await NewBucketAsync();
        var spec = ProgrammeDefinitions.Get("TAMR").Exchange;
        var key = $"outbound/TAMR/{spec.AccrualFileName(9, new DateOnly(2025, 3, 14))}";
        await PutAsync(bucket, key, "not json\n"u8.ToArray());
        var simulator = new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt));

        var first = await simulator.AnswerNewFilesAsync(CancellationToken.None);
        var second = await simulator.AnswerNewFilesAsync(CancellationToken.None);

        var failed = Assert.Single(first);
        Assert.True(failed.Failed);
        Assert.Null(failed.HandbackKey);
        Assert.Contains("not a JSON value", failed.Error, StringComparison.Ordinal);
        Assert.StartsWith($"{key}: NOT ANSWERED", failed.ToString(), StringComparison.Ordinal);
        Assert.Empty(second);
        Assert.Empty(await S3.KeysAsync(bucket, "inbound/"));
    }

    [Fact]
    public async Task KeysThatAreNotAccrualFilesOfSeededProgrammes_AreLeftAlone()
    {
        var bucket = await NewBucketAsync();
        await PutAsync(bucket, "outbound/CORV/readme.txt", [1]);
        await PutAsync(bucket, "outbound/ZZZZ/ZZZZ_ACC_20250314_00001.csv", [1]);
        await PutAsync(bucket, "outbound/CORV_ACC_20250314_00001.csv", [1]);
        await PutAsync(bucket, "outbound/CORV/nested/CORV_ACC_20250314_00001.csv", [1]);
        await PutAsync(bucket, "outbound/QUIL/CORV_ACC_20250314_00001.csv", [1]);
        var onlyCorv = new SimulatorSettings { Members = new SeededMembers([Members.For("CORV")]) };
        var lumoKey = await PutAccrualAsync(bucket, "LUMO", 1, Line(1, "001234567889", null, null));
        var simulator = new ProgrammeSimulator(S3, bucket, onlyCorv, new FixedTime(ProcessedAt));

        var answered = await simulator.AnswerNewFilesAsync(CancellationToken.None);

        Assert.Empty(answered);
        Assert.Empty(await S3.KeysAsync(bucket, "simulator/"));
        await Assert.ThrowsAsync<ArgumentException>(() => simulator.AnswerAsync(lumoKey, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => simulator.AnswerAsync("outbound/CORV/readme.txt", CancellationToken.None));
    }

    [Fact]
    public async Task AnswerAsync_AnswersTheNamedFile_EvenWhenAnsweredBefore()
    {
        var bucket = await NewBucketAsync();
        var key = await PutAccrualAsync(bucket, "TAMR", 311, Line(1, "TK004512", "Anjali", "Rao"), Line(2, "MN998201", "Omar", "Hadad"));
        var simulator = new ProgrammeSimulator(S3, bucket, Settings(), new FixedTime(ProcessedAt));

        var first = await simulator.AnswerAsync(key, CancellationToken.None);
        var second = await simulator.AnswerAsync(key, CancellationToken.None);

        Assert.Equal(first.HandbackKey, second.HandbackKey);
        Assert.Equal("inbound/TAMR/tamr_000311_2025-03-15.result.jsonl", first.HandbackKey);
        Assert.Equal(
            new Dictionary<CanonicalOutcome, int> { [CanonicalOutcome.Success] = 1, [CanonicalOutcome.NameMismatch] = 1 },
            second.Outcomes);
        Assert.Empty(await simulator.AnswerNewFilesAsync(CancellationToken.None));
    }

    [Fact]
    public void Constructor_WithoutABucket_Throws() =>
        Assert.Throws<ArgumentException>(() => new ProgrammeSimulator(S3, " ", Settings(), TimeProvider.System));

    /// <summary>
    /// A bucket of the test's own, so the stage bucket the fulfilment tests use stays out of its listings. Versioned,
    /// so that every write leaves a trace, even one that rewrites an object with the same bytes.
    /// </summary>
    private async Task<string> NewBucketAsync()
    {
        var name = $"simulator-test-{Guid.NewGuid():N}";
        // Named in full: for eu-west-1 the SDK would send the legacy "EU", which real S3 accepts and moto does not.
        await S3.PutBucketAsync(new PutBucketRequest
        {
            BucketName = name,
            UseClientRegion = false,
            PutBucketConfiguration = new PutBucketConfiguration { LocationConstraint = new BucketLocationConstraint(fixture.Aws.Settings["AWS_REGION"]) },
        });
        await S3.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = name,
            VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        return name;
    }

    private async Task PutAsync(string bucket, string key, byte[] content, CancellationToken cancellationToken = default) =>
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content) }, cancellationToken);

    private async Task<string> TextAsync(string bucket, string key) =>
        System.Text.Encoding.UTF8.GetString(await S3.ReadObjectAsync(bucket, key));

    /// <summary>Every version of every object: equal before and after means nothing was written in between.</summary>
    private async Task<List<(string Key, string VersionId)>> VersionsAsync(string bucket)
    {
        var listing = await S3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket });
        return [.. listing.Versions.Select(v => (v.Key, v.VersionId))];
    }

    private async Task<string> PutAccrualAsync(string bucket, string code, int sequence, params AccrualLine[] lines)
    {
        var spec = ProgrammeDefinitions.Get(code).Exchange;
        var batch = Batch(code, sequence);
        var key = $"outbound/{code}/{spec.AccrualFileName(sequence, batch.FileDate)}";
        await PutAsync(bucket, key, await WriteAccrualsAsync(spec, batch, lines));
        return key;
    }
}
