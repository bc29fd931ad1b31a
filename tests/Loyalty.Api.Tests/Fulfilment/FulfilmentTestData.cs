using System.Net;
using Dapper;
using Amazon.S3;
using Amazon.S3.Model;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Features.Fulfilment.Export;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Loyalty.Api.Tests.Fulfilment;

/// <summary>A valid member of each programme and a bank that offers it (DOMAIN.md §3.2, §8).</summary>
public sealed record ProgrammeCase(string Programme, string Client, string MemberId, string? GivenName, string? Surname, long Amount)
{
    public static IReadOnlyList<ProgrammeCase> All { get; } =
    [
        new("CORV", ApiFixture.HarbClient, "0047182902", "Jörg", "Müller", 12_500),
        new("QUIL", ApiFixture.HarbClient, "314159266", "Hana", "Tanaka", 5_000),
        new("TAMR", ApiFixture.OrchClient, "TK004512", "Anjali", "Rao", 100),
        new("LUMO", ApiFixture.OrchClient, "001234567889", null, null, 2_500),
        new("HALC", ApiFixture.NvalClient, "572004136", "Jürgen", "Weiß", 1_250),
        new("VERD", ApiFixture.NvalClient, "7KQ4M2ZD", null, "García", 200),
    ];

    public static ProgrammeCase Of(string programme) => All.Single(c => c.Programme == programme);

    public string Body(string reference) => System.Text.Json.JsonSerializer.Serialize(new
    {
        bankReference = reference,
        programmeCode = Programme,
        memberId = MemberId,
        givenName = GivenName,
        surname = Surname,
        amount = Amount,
    });
}

public static class FulfilmentSteps
{
    /// <summary>
    /// Marks the events of transactions a test wrote straight into the table as published. They are not what such a
    /// test is about, and tens of thousands of them would be sent by the next test that publishes, through the local
    /// AWS's FIFO queues, which slow down with every message they hold.
    /// </summary>
    public static async Task ForgetEventsAsync(this FulfilmentFixture fixture, string transactionIdPrefix)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await connection.ExecuteAsync(
            "UPDATE events SET published_at = UTC_TIMESTAMP(6) WHERE transaction_id LIKE CONCAT(@Prefix, '%') AND published_at IS NULL",
            new { Prefix = transactionIdPrefix }, commandTimeout: 120);
    }

    /// <summary>An exporter on the fixture's database and catalogue with its own bucket client, settings or clock.</summary>
    public static BatchExporter ExporterWith(this FulfilmentFixture fixture, IAmazonS3? s3 = null,
        IOptions<FulfilmentOptions>? options = null, TimeProvider? time = null) =>
        new(fixture.Get<MySqlDataSource>(), s3 ?? fixture.S3, fixture.Get<CatalogueStore>(),
            options ?? fixture.Get<IOptions<FulfilmentOptions>>(), time ?? TimeProvider.System, NullLogger<BatchExporter>.Instance);

    /// <summary>Posts an accrual and returns its transaction id.</summary>
    public static async Task<string> AccrueAsync(this FulfilmentFixture fixture, ProgrammeCase programme, string? reference = null)
    {
        using var client = fixture.Client(programme.Client);
        using var response = await client.PostJsonAsync("/v1/accruals", programme.Body(reference ?? AccrualBodies.NewReference(programme.Programme)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("transactionId").GetString()!;
    }

    /// <summary>
    /// The file rows of these transactions, found by the batch's row numbers (QUIL and TAMR rows carry no
    /// transaction id); also checks that the rows that do carry one agree.
    /// </summary>
    public static async Task<Dictionary<string, AccrualLine>> LinesOfAsync(this FulfilmentFixture fixture, AccrualFile file, IEnumerable<string> transactionIds)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        var rows = await Dapper.SqlMapper.QueryAsync<(string TransactionId, int RowSequence)>(connection, """
            SELECT r.transaction_id, r.row_sequence FROM batch_rows r JOIN batches b ON b.id = r.batch_id
            WHERE b.programme_code = @Programme AND b.file_sequence = @Sequence AND r.transaction_id IN @Ids
            """, new { Programme = file.Batch.ProgrammeCode, Sequence = file.Batch.FileSequence, Ids = transactionIds.ToArray() });
        var lines = rows.ToDictionary(r => r.TransactionId, r => file.Lines.Single(l => l.RowSequence == r.RowSequence));
        Assert.NotEmpty(lines);
        Assert.All(lines, pair => Assert.True(pair.Value.TransactionId is "" || pair.Value.TransactionId == pair.Key));
        return lines;
    }

    public static async Task<byte[]> ReadObjectAsync(this IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public static async Task<IReadOnlyList<string>> KeysAsync(this IAmazonS3 s3, string bucket, string prefix)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return keys;
    }

    /// <summary>Reads an accrual file the platform wrote, as the programme would.</summary>
    public static async Task<AccrualFile> ReadAccrualFileAsync(this FulfilmentFixture fixture, string programme, string fileName)
    {
        var bytes = await fixture.S3.ReadObjectAsync(fixture.Aws.Bucket, $"outbound/{programme}/{fileName}");
        return await ProgrammeDefinitions.Get(programme).Exchange.Format.ReadAccrualsAsync(new MemoryStream(bytes), fileName, CancellationToken.None);
    }

    /// <summary>Drops a handback answering <paramref name="file"/> with one outcome per row, as the programme would.</summary>
    public static async Task<string> PutHandbackAsync(this FulfilmentFixture fixture, AccrualFile file,
        Func<AccrualLine, CanonicalOutcome?> outcomeOf, DateTimeOffset processedAt, string? fileNameOverride = null)
    {
        var spec = ProgrammeDefinitions.Get(file.Batch.ProgrammeCode).Exchange;
        var lines = file.Lines
            .Select(line => (line, outcome: outcomeOf(line)))
            .Where(x => x.outcome is not null)
            .Select(x => HandbackFor(spec, x.line, x.outcome!.Value))
            .ToList();
        using var buffer = new MemoryStream();
        await spec.Format.WriteHandbackAsync(buffer, new HandbackHeader(spec.ProgrammeCode, file.Batch.FileSequence, processedAt), lines, CancellationToken.None);
        var name = fileNameOverride ?? spec.HandbackFileName(file.Batch.FileSequence, DateOnly.FromDateTime(processedAt.UtcDateTime));
        return await fixture.PutInboundAsync(spec.ProgrammeCode, name, buffer.ToArray());
    }

    public static async Task<string> PutInboundAsync(this FulfilmentFixture fixture, string programme, string fileName, byte[] content)
    {
        var key = $"inbound/{programme}/{fileName}";
        await fixture.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = fixture.Aws.Bucket,
            Key = key,
            InputStream = new MemoryStream(content),
        });
        return key;
    }

    public static HandbackLine HandbackFor(PartnerFileSpec spec, AccrualLine line, CanonicalOutcome outcome)
    {
        var success = outcome == CanonicalOutcome.Success;
        Assert.True(spec.OutcomeCodes.TryGetCode(outcome, out var code), $"{spec.ProgrammeCode} has no code for {outcome}");
        return new HandbackLine(0, line.TransactionId, line.RowSequence, code, success ? line.Amount : 0, line.MemberId,
            success ? "Credited" : "Refused");
    }
}
