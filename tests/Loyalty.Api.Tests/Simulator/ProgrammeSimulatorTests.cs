using Loyalty.Api.Features.Fulfilment.Formats;
using Loyalty.Simulation;
using static Loyalty.Api.Tests.Simulator.SimulatorTesting;

namespace Loyalty.Api.Tests.Simulator;

/// <summary>The bucket side over an in-memory S3: what gets answered, where handbacks go, and what is remembered.</summary>
public sealed class ProgrammeSimulatorTests
{
    private const string BucketName = "partner-files";
    private static readonly DateOnly Today = DateOnly.FromDateTime(ProcessedAt.UtcDateTime);

    [Fact]
    public async Task NewAccrualFiles_AreEachAnsweredOnce_InTheProgrammesInbound()
    {
        var (client, bucket) = InMemoryS3.Create(BucketName);
        var corv = await PutAccrualAsync(bucket, "CORV", 7, Line(1, "0047182902", "Jörg", "Müller"), Line(2, "1200000055", null, "Dubois"));
        var quil = await PutAccrualAsync(bucket, "QUIL", 12, Line(1, "314159266", "Hana", "Tanaka"));
        var simulator = new ProgrammeSimulator(client, BucketName, Settings(), new FixedTime(ProcessedAt));

        var answered = await simulator.AnswerNewFilesAsync(CancellationToken.None);

        Assert.Equal([corv, quil], answered.Select(file => file.AccrualKey));
        Assert.Equal(
            [$"inbound/CORV/{PartnerFileSpecs.Get("CORV").HandbackFileName(7, Today)}", $"inbound/QUIL/{PartnerFileSpecs.Get("QUIL").HandbackFileName(12, Today)}"],
            answered.Select(file => file.HandbackKey));
        Assert.Equal(answered.Select(file => file.HandbackKey), bucket.Keys("inbound/"));
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
    public async Task AnsweredFiles_AreRememberedInTheBucket_SoARestartDoesNotAnswerThemAgain()
    {
        var (client, bucket) = InMemoryS3.Create(BucketName);
        var key = await PutAccrualAsync(bucket, "HALC", 3, Line(1, "572004136", "Jürgen", "Weiß"));
        await new ProgrammeSimulator(client, BucketName, Settings(), new FixedTime(ProcessedAt)).AnswerNewFilesAsync(CancellationToken.None);
        var puts = bucket.PutCount;

        var restarted = new ProgrammeSimulator(client, BucketName, Settings(), new FixedTime(ProcessedAt.AddDays(1)));
        var again = await restarted.AnswerNewFilesAsync(CancellationToken.None);

        Assert.Empty(again);
        Assert.Equal(puts, bucket.PutCount);
        Assert.Single(bucket.Keys("inbound/"));
        Assert.StartsWith("answered by inbound/HALC/", bucket.Text($"simulator/answered/HALC/{key.Split('/')[^1]}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccrualFileWithAHandbackAlready_IsMarkedNotAnswered()
    {
        var (client, bucket) = InMemoryS3.Create(BucketName);
        var key = await PutAccrualAsync(bucket, "VERD", 5, Line(1, "7KQ4M2ZD", null, "García"));
        var existing = $"inbound/VERD/{PartnerFileSpecs.Get("VERD").HandbackFileName(5, new DateOnly(2025, 3, 14))}";
        bucket.Put(existing, [1, 2, 3]);

        var answered = await new ProgrammeSimulator(client, BucketName, Settings(), new FixedTime(ProcessedAt)).AnswerNewFilesAsync(CancellationToken.None);

        Assert.Empty(answered);
        Assert.Equal([existing], bucket.Keys("inbound/"));
        Assert.Equal($"answered before by {existing}", bucket.Text($"simulator/answered/VERD/{key.Split('/')[^1]}"));
    }

    [Fact]
    public async Task UnreadableAccrualFile_IsReportedFailedOnce_AndNotAnswered()
    {
        var (client, bucket) = InMemoryS3.Create(BucketName);
        var spec = PartnerFileSpecs.Get("TAMR");
        var key = $"outbound/TAMR/{spec.AccrualFileName(9, new DateOnly(2025, 3, 14))}";
        bucket.Put(key, "not json\n"u8.ToArray());
        var simulator = new ProgrammeSimulator(client, BucketName, Settings(), new FixedTime(ProcessedAt));

        var first = await simulator.AnswerNewFilesAsync(CancellationToken.None);
        var second = await simulator.AnswerNewFilesAsync(CancellationToken.None);

        var failed = Assert.Single(first);
        Assert.True(failed.Failed);
        Assert.Null(failed.HandbackKey);
        Assert.Contains("not a JSON value", failed.Error, StringComparison.Ordinal);
        Assert.StartsWith($"{key}: NOT ANSWERED", failed.ToString(), StringComparison.Ordinal);
        Assert.Empty(second);
        Assert.Empty(bucket.Keys("inbound/"));
    }

    [Fact]
    public async Task KeysThatAreNotAccrualFilesOfSeededProgrammes_AreLeftAlone()
    {
        var (client, bucket) = InMemoryS3.Create(BucketName);
        bucket.Put("outbound/CORV/readme.txt", [1]);
        bucket.Put("outbound/ZZZZ/ZZZZ_ACC_20250314_00001.csv", [1]);
        bucket.Put("outbound/CORV_ACC_20250314_00001.csv", [1]);
        bucket.Put("outbound/CORV/nested/CORV_ACC_20250314_00001.csv", [1]);
        bucket.Put("outbound/QUIL/CORV_ACC_20250314_00001.csv", [1]);
        var onlyCorv = new SimulatorSettings { Members = new SeededMembers([Members.For("CORV")]) };
        var lumoKey = await PutAccrualAsync(bucket, "LUMO", 1, Line(1, "001234567889", null, null));
        var simulator = new ProgrammeSimulator(client, BucketName, onlyCorv, new FixedTime(ProcessedAt));

        var answered = await simulator.AnswerNewFilesAsync(CancellationToken.None);

        Assert.Empty(answered);
        Assert.Empty(bucket.Keys("simulator/"));
        await Assert.ThrowsAsync<ArgumentException>(() => simulator.AnswerAsync(lumoKey, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => simulator.AnswerAsync("outbound/CORV/readme.txt", CancellationToken.None));
    }

    [Fact]
    public async Task AnswerAsync_AnswersTheNamedFile_EvenWhenAnsweredBefore()
    {
        var (client, bucket) = InMemoryS3.Create(BucketName);
        var key = await PutAccrualAsync(bucket, "TAMR", 311, Line(1, "TK004512", "Anjali", "Rao"), Line(2, "MN998201", "Omar", "Hadad"));
        var simulator = new ProgrammeSimulator(client, BucketName, Settings(), new FixedTime(ProcessedAt));

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
    public void Constructor_WithoutABucket_Throws()
    {
        var (client, _) = InMemoryS3.Create(BucketName);

        Assert.Throws<ArgumentException>(() => new ProgrammeSimulator(client, " ", Settings(), TimeProvider.System));
    }

    private static async Task<string> PutAccrualAsync(InMemoryS3 bucket, string code, int sequence, params AccrualLine[] lines)
    {
        var spec = PartnerFileSpecs.Get(code);
        var batch = Batch(code, sequence);
        var key = $"outbound/{code}/{spec.AccrualFileName(sequence, batch.FileDate)}";
        bucket.Put(key, await WriteAccrualsAsync(spec, batch, lines));
        return key;
    }
}
