using System.Security.Claims;
using Loyalty.Api.Domain;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Loyalty.Api.Features.Members;

public static class MembersEndpoints
{
    public static RouteGroupBuilder MapMembers(this IEndpointRouteBuilder app)
    {
        var group = app.MapV1Group("/programmes/{code}/member-validations", "Members", Scopes.MembersValidate);
        group.MapPost("/", ValidateMember)
            .WithName(nameof(ValidateMember))
            .WithSummary("Check a member id and names against the programme's rules")
            .WithDescription("Checks format, check digit and the name fields the programme needs. An invalid member is a 200 with errors; the programme itself confirms the member only when it processes the accrual.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static Results<Ok<MemberValidationResult>, ProblemHttpResult> ValidateMember(
        string code, MemberValidationRequest request, ClaimsPrincipal user, CatalogueStore catalogue)
    {
        if (catalogue.Current.Offered(user.BankCode(), code) is not { } programme)
        {
            return Problems.NotFound($"Programme '{code}' is not in this bank's catalogue.");
        }

        var errors = new List<FieldError>();
        var normalised = MemberChecks.Check(programme, request.MemberId, request.GivenName, request.Surname, errors);
        return TypedResults.Ok(new MemberValidationResult(errors.Count == 0, normalised, errors));
    }
}
