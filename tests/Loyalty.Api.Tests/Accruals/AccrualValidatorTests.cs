using System.Text.Json;
using Loyalty.Api.Domain;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Accruals;
using Loyalty.Api.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Accruals;

/// <summary>The accrual rules without HTTP or a database: a two-programme, one-bank catalogue in memory.</summary>
public sealed class AccrualValidatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private static readonly Catalogue Catalogue = new(
        [ProgrammeDefinitions.Get("CORV"), ProgrammeDefinitions.Get("HALC")],
        [new Bank("HARB", "Harbourline Bank", new HashSet<string> { "CORV", "HALC" })],
        new Dictionary<string, string>(),
        JsonSerializerOptions.Web);

    [Fact]
    public void ValidRequest_IsNormalised()
    {
        var (accrual, errors) = Validate("""
            {"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047 1829 02","surname":"  Müller ","amount":500}
            """);

        Assert.Empty(errors);
        Assert.NotNull(accrual);
        Assert.Equal("0047182902", accrual.MemberId);
        Assert.Equal("Müller", accrual.Surname);
        Assert.Null(accrual.GivenName);
        Assert.Equal(Now.UtcDateTime, accrual.RequestedAt);
    }

    [Fact]
    public void SamePayloadWrittenDifferently_HashesTheSame()
    {
        var (a, _) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047182902","surname":"Müller","amount":500}""");
        var (b, _) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047 1829 02","surname":"Mu\u0308ller","amount":500}""");
        var (c, _) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047182902","surname":"Müller","amount":550}""");

        Assert.Equal(a!.PayloadHash, b!.PayloadHash);
        Assert.NotEqual(a.PayloadHash, c!.PayloadHash);
    }

    [Fact]
    public void OmittedAndGivenRequestedAt_AreDifferentPayloads()
    {
        var (omitted, _) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""");
        var (given, _) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500,"requestedAt":"2025-03-14T12:00:00Z"}""");
        Assert.NotEqual(omitted!.PayloadHash, given!.PayloadHash);
    }

    [Fact]
    public void RequestedAtUpToFiveMinutesAhead_IsAcceptedAndBeyondIsNot()
    {
        var (edge, edgeErrors) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500,"requestedAt":"2025-03-14T12:05:00Z"}""");
        var (_, lateErrors) = Validate("""{"bankReference":"HB-1","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500,"requestedAt":"2025-03-14T12:05:00.000001Z"}""");

        Assert.Empty(edgeErrors);
        Assert.NotNull(edge);
        Assert.Equal([new FieldError("requestedAt", "TIME_INVALID")], lateErrors);
    }

    [Fact]
    public void UnknownProgramme_StillChecksTheAmountShape()
    {
        var (accrual, errors) = Validate("""{"bankReference":"HB-1","programmeCode":"ZZZZ","memberId":"1","amount":"500"}""");
        Assert.Null(accrual);
        Assert.Equal([new FieldError("programmeCode", "PROGRAMME_UNKNOWN"), new FieldError("amount", "AMOUNT_INVALID")], errors);
    }

    [Fact]
    public void Latin1Programme_RefusesACjkName()
    {
        var (_, errors) = Validate("""{"bankReference":"HB-1","programmeCode":"HALC","memberId":"572004136","givenName":"Wei","surname":"王","amount":1000}""");
        Assert.Equal([new FieldError("surname", "NAME_UNREPRESENTABLE")], errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData(".starts-with-dot")]
    [InlineData("ÄÖÜ")]
    public void BadReference_IsReported(string reference)
    {
        var (_, errors) = Validate($$"""{"bankReference":"{{reference}}","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""");
        Assert.Equal([new FieldError("bankReference", "REFERENCE_INVALID")], errors);
    }

    [Fact]
    public void SixtyFourCharacterReference_IsTheLongestAccepted()
    {
        var (_, ok) = Validate($$"""{"bankReference":"{{new string('A', 64)}}","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""");
        var (_, tooLong) = Validate($$"""{"bankReference":"{{new string('A', 65)}}","programmeCode":"CORV","memberId":"0047182902","surname":"X","amount":500}""");
        Assert.Empty(ok);
        Assert.Equal([new FieldError("bankReference", "REFERENCE_INVALID")], tooLong);
    }

    private static (ValidAccrual? Accrual, List<FieldError> Errors) Validate(string json)
    {
        var request = JsonSerializer.Deserialize<AccrualRequest>(json, JsonSerializerOptions.Web)!;
        var errors = new List<FieldError>();
        return (AccrualValidator.Validate(request, "HARB", Catalogue, Now, errors), errors);
    }
}
