using System.Security.Claims;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Loyalty.Api.Features.Programmes;

public static class ProgrammesEndpoints
{
    public static RouteGroupBuilder MapProgrammes(this IEndpointRouteBuilder app)
    {
        var group = app.MapV1Group("/programmes", "Programmes", Scopes.ProgrammesRead);
        group.MapGet("/", ListProgrammes)
            .WithName(nameof(ListProgrammes))
            .WithSummary("The programmes this bank offers")
            .WithDescription("The catalogue is the single source of truth for the bank's site. Send If-None-Match with the last ETag to get 304 when nothing changed.");
        group.MapGet("/{code}", GetProgramme)
            .WithName(nameof(GetProgramme))
            .WithSummary("One programme of this bank's catalogue")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static CachedJsonResult<ProgrammeList> ListProgrammes(ClaimsPrincipal user, CatalogueStore catalogue) =>
        new(catalogue.Current.ListFor(user.BankCode()));

    public static Results<CachedJsonResult<ProgrammeView>, ProblemHttpResult> GetProgramme(
        string code, ClaimsPrincipal user, CatalogueStore catalogue) =>
        catalogue.Current.ItemFor(user.BankCode(), code) is { } item
            ? new CachedJsonResult<ProgrammeView>(item)
            : Problems.NotFound($"Programme '{code}' is not in this bank's catalogue.");
}
