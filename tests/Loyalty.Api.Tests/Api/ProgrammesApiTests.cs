using System.Net;
using System.Net.Http.Headers;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class ProgrammesApiTests(ApiFixture api)
{
    [Theory]
    [InlineData(ApiFixture.HarbClient, "CORV,HALC,LUMO,QUIL")]
    [InlineData(ApiFixture.OrchClient, "LUMO,QUIL,TAMR,VERD")]
    [InlineData(ApiFixture.NvalClient, "CORV,HALC,TAMR,VERD")]
    public async Task List_ShowsOnlyTheCallingBanksProgrammes(string client, string expected)
    {
        using var http = api.Client(client, Scopes.ProgrammesRead);
        using var response = await http.GetAsync("/v1/programmes");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var codes = (await response.JsonAsync()).GetProperty("programmes").EnumerateArray()
            .Select(p => p.GetProperty("code").GetString());
        Assert.Equal(expected, string.Join(',', codes));
    }

    [Fact]
    public async Task Get_ReturnsTheCatalogueFactsOfDomain()
    {
        using var http = api.Client(ApiFixture.HarbClient, Scopes.ProgrammesRead);
        using var response = await http.GetAsync("/v1/programmes/QUIL");

        var quil = await response.JsonAsync();
        Assert.Equal("Quillon Air Club", quil.GetProperty("name").GetString());
        Assert.Equal("airline", quil.GetProperty("type").GetString());
        Assert.Equal("QuillMiles", quil.GetProperty("currency").GetString());
        Assert.Equal(1000, quil.GetProperty("amount").GetProperty("min").GetInt64());
        Assert.Equal(1_000_000, quil.GetProperty("amount").GetProperty("max").GetInt64());
        Assert.Equal(1000, quil.GetProperty("amount").GetProperty("multipleOf").GetInt64());
        Assert.Equal("Credited within 5 business days", quil.GetProperty("promise").GetProperty("text").GetString());
        Assert.Equal("09:00", quil.GetProperty("cutoffUtc").GetString());
        Assert.Equal("https://club.quillon.example.com/enrol", quil.GetProperty("enrolmentUrl").GetString());
        Assert.Equal("required", quil.GetProperty("nameFields").GetProperty("givenName").GetString());
        Assert.Contains("56000012X", quil.GetProperty("memberId").GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WithCurrentETag_Returns304AndNoBody()
    {
        using var http = api.Client(ApiFixture.HarbClient, Scopes.ProgrammesRead);
        using var first = await http.GetAsync("/v1/programmes");
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.True(first.Headers.CacheControl?.Private);
        Assert.NotNull(first.Headers.CacheControl?.MaxAge);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/programmes");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(etag, second.Headers.ETag);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_WithStaleETag_ReturnsTheBody()
    {
        using var http = api.Client(ApiFixture.HarbClient, Scopes.ProgrammesRead);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/programmes/CORV");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"stale\""));
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CORV", (await response.JsonAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task ETags_DifferBetweenBanks()
    {
        using var harb = api.Client(ApiFixture.HarbClient, Scopes.ProgrammesRead);
        using var orch = api.Client(ApiFixture.OrchClient, Scopes.ProgrammesRead);
        using var a = await harb.GetAsync("/v1/programmes");
        using var b = await orch.GetAsync("/v1/programmes");
        Assert.NotEqual(a.Headers.ETag, b.Headers.ETag);
    }

    [Theory]
    [InlineData("XXXX")]
    [InlineData("TAMR")] // exists, but Harbourline does not offer it
    [InlineData("corv")]
    public async Task Get_UnknownOrNotOffered_Returns404Problem(string code)
    {
        using var http = api.Client(ApiFixture.HarbClient, Scopes.ProgrammesRead);
        using var response = await http.GetAsync($"/v1/programmes/{code}");
        await response.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
    }
}
