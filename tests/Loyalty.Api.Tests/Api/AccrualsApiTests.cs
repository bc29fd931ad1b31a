using System.Net;
using Dapper;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Tests.Infrastructure;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class AccrualsApiTests(ApiFixture api)
{
    [Fact]
    public async Task ValidAccrual_Returns201WithPendingTransactionLocationAndOneEvent()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var reference = AccrualBodies.NewReference();
        using var response = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference, memberId: "0047 1829 02"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.JsonAsync();
        var id = created.GetProperty("transactionId").GetString()!;
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{26}$", id);
        Assert.Equal($"/v1/transactions/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("pending", created.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("expectedBy").ValueKind);
        Assert.Equal("0047182902", created.GetProperty("memberId").GetString());
        Assert.Equal(12500, created.GetProperty("amount").GetInt64());

        await using var db = await api.OpenDatabaseAsync();
        var row = await db.QuerySingleAsync<(string Status, string BankCode, string MemberId)>(
            "SELECT status, bank_code, member_id FROM transactions WHERE id = @id", new { id });
        Assert.Equal(("pending", "HARB", "0047182902"), row);
        var events = (await db.QueryAsync<(int Sequence, string? Previous, string New)>(
            "SELECT sequence, previous_status, new_status FROM events WHERE transaction_id = @id", new { id })).ToList();
        Assert.Equal([(1, (string?)null, "pending")], events);
    }

    [Fact]
    public async Task IdenticalReplay_Returns200WithTheSameTransactionAndNoNewEvent()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var reference = AccrualBodies.NewReference();
        using var first = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference));
        // Same normalised payload, written differently: spaces in the member id.
        using var replay = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference, memberId: "00 4718 2902"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var id = (await first.JsonAsync()).GetProperty("transactionId").GetString();
        Assert.Equal(id, (await replay.JsonAsync()).GetProperty("transactionId").GetString());
        await using var db = await api.OpenDatabaseAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM events WHERE transaction_id = @id", new { id }));
    }

    [Fact]
    public async Task ReusedReferenceWithNewBody_Returns409ReferenceConflict()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var reference = AccrualBodies.NewReference();
        using var first = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference, amount: 12500));
        using var conflict = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference, amount: 12550));

        var problem = await conflict.ProblemAsync(HttpStatusCode.Conflict, Problems.ReferenceConflictType);
        Assert.Equal("REFERENCE_CONFLICT", problem.GetProperty("code").GetString());
        Assert.Equal([("bankReference", "REFERENCE_CONFLICT")], problem.Errors());
    }

    [Fact]
    public async Task SameReferenceAtAnotherBank_IsASeparateTransaction()
    {
        var reference = AccrualBodies.NewReference();
        using var harb = api.Client(ApiFixture.HarbClient);
        using var nval = api.Client(ApiFixture.NvalClient);
        using var a = await harb.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference));
        using var b = await nval.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference));

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.NotEqual((await a.JsonAsync()).GetProperty("transactionId").GetString(),
            (await b.JsonAsync()).GetProperty("transactionId").GetString());
    }

    [Fact]
    public async Task SixtyFourConcurrentIdenticalSubmissions_CreateExactlyOneTransaction()
    {
        var reference = AccrualBodies.NewReference("RACE");
        var body = AccrualBodies.Corv(reference);
        using var http = api.Client(ApiFixture.HarbClient);
        using var start = new SemaphoreSlim(0);
        var submissions = Enumerable.Range(0, 64).Select(async _ =>
        {
            await start.WaitAsync();
            using var response = await http.PostJsonAsync("/v1/accruals", body);
            return (response.StatusCode, Id: (await response.JsonAsync()).GetProperty("transactionId").GetString());
        }).ToList();
        start.Release(64);
        var results = await Task.WhenAll(submissions);

        Assert.Single(results, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(63, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Single(results.Select(r => r.Id).Distinct());
        await using var db = await api.OpenDatabaseAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM transactions WHERE bank_code = 'HARB' AND bank_reference = @reference", new { reference }));
        Assert.Equal(1, await db.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM events e JOIN transactions t ON t.id = e.transaction_id WHERE t.bank_reference = @reference", new { reference }));
    }

    [Fact]
    public async Task EveryFailingField_IsReportedTogetherIn422()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync("/v1/accruals", """
            {"bankReference":"-bad","programmeCode":"CORV","memberId":"0047182903","givenName":"J0rg","amount":12525,"requestedAt":"2025-03-13 09:30"}
            """);

        var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType);
        Assert.Equal(
            [
                ("bankReference", "REFERENCE_INVALID"), ("memberId", "MEMBER_ID_CHECK_DIGIT"), ("givenName", "NAME_INVALID"),
                ("surname", "NAME_REQUIRED"), ("amount", "AMOUNT_NOT_MULTIPLE"), ("requestedAt", "TIME_INVALID"),
            ],
            problem.Errors());
    }

    [Theory]
    [InlineData("500", null)] // CORV min
    [InlineData("200000", null)] // CORV max
    [InlineData("450", "AMOUNT_BELOW_MIN")]
    [InlineData("200050", "AMOUNT_ABOVE_MAX")]
    [InlineData("525", "AMOUNT_NOT_MULTIPLE")]
    [InlineData("1.0", "AMOUNT_INVALID")]
    [InlineData("500.0", "AMOUNT_INVALID")]
    [InlineData("5e2", "AMOUNT_INVALID")]
    [InlineData("\"500\"", "AMOUNT_INVALID")]
    [InlineData("-500", "AMOUNT_INVALID")]
    [InlineData("0", "AMOUNT_INVALID")]
    [InlineData("null", "AMOUNT_INVALID")]
    [InlineData("true", "AMOUNT_INVALID")]
    [InlineData("9007199254740993", "AMOUNT_INVALID")]
    [InlineData("99999999999999999999999999", "AMOUNT_INVALID")]
    [InlineData("1e400", "AMOUNT_INVALID")]
    public async Task Amount_FollowsTheProgrammesBounds(string amount, string? error)
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var reference = AccrualBodies.NewReference();
        using var response = await http.PostJsonAsync("/v1/accruals", $$"""
            {"bankReference":"{{reference}}","programmeCode":"CORV","memberId":"0047182902","surname":"Dubois","amount":{{amount}}}
            """);

        if (error is null)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return;
        }

        var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType);
        Assert.Equal([("amount", error)], problem.Errors());
        await AssertNothingWrittenAsync(reference);
    }

    [Theory]
    [InlineData("XXXX", "PROGRAMME_UNKNOWN")]
    [InlineData("TAMR", "PROGRAMME_NOT_OFFERED")]
    public async Task ProgrammeOutsideTheBanksCatalogue_Returns422(string code, string error)
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync("/v1/accruals", $$"""
            {"bankReference":"{{AccrualBodies.NewReference()}}","programmeCode":"{{code}}","memberId":"TK004512","amount":100}
            """);
        var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType);
        Assert.Equal([("programmeCode", error)], problem.Errors());
    }

    [Theory]
    [InlineData("2025-03-13T09:30:00Z", true)]
    [InlineData("2025-03-13T09:30:00.123456Z", true)]
    [InlineData("2025-03-13T09:30:00+01:00", false)]
    [InlineData("2025-03-13", false)]
    [InlineData("2025-02-30T09:30:00Z", false)]
    [InlineData("2999-01-01T00:00:00Z", false)]
    public async Task RequestedAt_MustBeUtcRfc3339AndNotInTheFuture(string requestedAt, bool accepted)
    {
        using var http = api.Client(ApiFixture.NvalClient);
        using var response = await http.PostJsonAsync("/v1/accruals", $$"""
            {"bankReference":"{{AccrualBodies.NewReference()}}","programmeCode":"TAMR","memberId":"TK004512","givenName":"Anjali","surname":"Rao","amount":100,"requestedAt":"{{requestedAt}}"}
            """);
        if (accepted)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.StartsWith(requestedAt[..19], (await response.JsonAsync()).GetProperty("requestedAt").GetString(), StringComparison.Ordinal);
        }
        else
        {
            var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType);
            Assert.Equal([("requestedAt", "TIME_INVALID")], problem.Errors());
        }
    }

    [Fact]
    public async Task UnicodeNames_AreStoredNormalisedToNfc()
    {
        using var http = api.Client(ApiFixture.NvalClient);
        var reference = AccrualBodies.NewReference();
        // "Núñez" with combining accents (NFD) must be stored as the precomposed (NFC) string.
        var nfd = "Nu\u0301n\u0303ez";
        using var response = await http.PostJsonAsync("/v1/accruals", $$"""
            {"bankReference":"{{reference}}","programmeCode":"HALC","memberId":"800112359","givenName":"Zoë","surname":"{{nfd}}","amount":1000}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await using var db = await api.OpenDatabaseAsync();
        var surname = await db.ExecuteScalarAsync<string>(
            "SELECT surname FROM transactions WHERE bank_code = 'NVAL' AND bank_reference = @reference", new { reference });
        Assert.Equal("Núñez".Normalize(), surname);
    }

    public static TheoryData<string, HttpStatusCode, string> HostileBodies => new()
    {
        { """{"bankReference":"H1","programmeCode":"CORV",""", HttpStatusCode.BadRequest, Problems.MalformedRequestType },
        { "not json at all", HttpStatusCode.BadRequest, Problems.MalformedRequestType },
        { """{"bankReference":"H2","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500,"bankCode":"NVAL"}""", HttpStatusCode.BadRequest, Problems.MalformedRequestType },
        { """{"bankReference":"H3","programmeCode":"CORV","memberId":47182902,"surname":"X","amount":500}""", HttpStatusCode.BadRequest, Problems.MalformedRequestType },
        { """{"bankReference":["H4"],"programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""", HttpStatusCode.BadRequest, Problems.MalformedRequestType },
        { """{"bankReference":"H5","bankReference":"H6","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""", HttpStatusCode.BadRequest, Problems.MalformedRequestType },
        { """{"bankReference":"H7'; DROP TABLE transactions; --","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""", HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType },
        { """{"bankReference":"H8","programmeCode":"CORV' OR '1'='1","memberId":"0047182902","surname":"X","amount":500}""", HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType },
        { """{"bankReference":"H9","programmeCode":"CORV","memberId":"0047182902","surname":"Robert'); DROP TABLE banks;--","amount":500}""", HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType },
        { """{"bankReference":"H10","programmeCode":"CORV","memberId":"0047182902\u0000","surname":"X","amount":500}""", HttpStatusCode.UnprocessableEntity, Problems.ValidationFailedType },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task HostileInput_Returns4xxProblemAndWritesNothing(string body, HttpStatusCode status, string type)
    {
        await using var db = await api.OpenDatabaseAsync();
        var before = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM transactions");
        using var http = api.Client(ApiFixture.HarbClient);

        using var response = await http.PostJsonAsync("/v1/accruals", body);

        await response.ProblemAsync(status, type);
        Assert.Equal(before, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM transactions"));
        Assert.Equal(3, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM banks"));
    }

    [Fact]
    public async Task HugeBody_Returns413Problem()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        // A client still writing a megabyte when Kestrel answers 413 and closes gets a TCP reset that can
        // discard the answer (1 in a few hundred here). Asking first, as a client with a big body should,
        // gets the 413 before any of the body is sent.
        http.DefaultRequestHeaders.ExpectContinue = true;
        var huge = AccrualBodies.Corv(AccrualBodies.NewReference(), surname: new string('a', 1_000_000));
        using var response = await http.PostJsonAsync("/v1/accruals", huge);
        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, Problems.PayloadTooLargeType);
    }

    [Fact]
    public async Task WrongContentType_Returns415Problem()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostAsync("/v1/accruals",
            new StringContent(AccrualBodies.Corv(AccrualBodies.NewReference()), System.Text.Encoding.UTF8, "text/plain"));
        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, Problems.UnsupportedMediaTypeType);
    }

    private async Task AssertNothingWrittenAsync(string reference)
    {
        await using var db = await api.OpenDatabaseAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM transactions WHERE bank_reference = @reference", new { reference }));
    }
}
