using System.Net;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Tests.Infrastructure;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class MemberValidationApiTests(ApiFixture api)
{
    [Theory]
    [InlineData("CORV", "0047 1829 02", "0047182902")]
    [InlineData("QUIL", " 56000012x ", "56000012X")]
    [InlineData("LUMO", "440091827357", "440091827357")]
    [InlineData("HALC", "572004136", "572004136")]
    public async Task ValidMember_ReturnsValidAndNormalisedId(string programme, string memberId, string normalised)
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync($"/v1/programmes/{programme}/member-validations",
            $$"""{"memberId":"{{memberId}}","givenName":"Zoë","surname":"Brandstätter"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.JsonAsync();
        Assert.True(result.GetProperty("valid").GetBoolean());
        Assert.Equal(normalised, result.GetProperty("normalisedMemberId").GetString());
        Assert.Equal(0, result.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task WrongCheckDigitAndMissingSurname_Returns200WithBothErrors()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync("/v1/programmes/CORV/member-validations", """{"memberId":"0047182903"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.JsonAsync();
        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal("0047182903", result.GetProperty("normalisedMemberId").GetString());
        Assert.Equal([("memberId", "MEMBER_ID_CHECK_DIGIT"), ("surname", "NAME_REQUIRED")], result.Errors());
    }

    [Fact]
    public async Task UnrepresentableNameForLatin1Programme_ReportsIt()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync("/v1/programmes/HALC/member-validations",
            """{"memberId":"572004136","givenName":"Wei","surname":"王"}""");

        var result = await response.JsonAsync();
        Assert.Equal([("surname", "NAME_UNREPRESENTABLE")], result.Errors());
    }

    [Theory]
    [InlineData("""{"memberId":""")]
    [InlineData("""{"memberId":"0047182902","extra":1}""")]
    [InlineData("""{"memberId":47182902}""")]
    [InlineData("""[]""")]
    [InlineData("null")]
    [InlineData("")]
    public async Task MalformedRequest_Returns400Problem(string body)
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync("/v1/programmes/CORV/member-validations", body);
        await response.ProblemAsync(HttpStatusCode.BadRequest, Problems.MalformedRequestType);
    }

    [Fact]
    public async Task ProgrammeNotOffered_Returns404()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.PostJsonAsync("/v1/programmes/VERD/member-validations", """{"memberId":"7KQ4-M2ZD"}""");
        await response.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
    }
}
