using System.Text.Json.Serialization;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.OpenApi;

namespace Loyalty.Api.Features.Members;

[OpenApiExample("""{"memberId":"0047 1829 02","givenName":"Jörg","surname":"Müller"}""")]
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MemberValidationRequest(string? MemberId, string? GivenName, string? Surname);

[OpenApiExample("""
    {"valid":false,"normalisedMemberId":"0047182903","errors":[{"field":"memberId","code":"MEMBER_ID_CHECK_DIGIT"}]}
    """)]
public sealed record MemberValidationResult(bool Valid, string? NormalisedMemberId, IReadOnlyList<FieldError> Errors);
