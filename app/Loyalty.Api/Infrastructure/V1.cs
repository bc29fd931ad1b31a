using Loyalty.Core;

namespace Loyalty.Api.Infrastructure;

public static class V1
{
    /// <summary>A /v1 feature group: one tag, one scope policy and the per-bank rate limit, set once.</summary>
    public static RouteGroupBuilder MapV1Group(this IEndpointRouteBuilder app, string prefix, string tag, string scope) =>
        app.MapGroup(ApiPaths.V1 + prefix)
            .WithTags(tag)
            .RequireAuthorization(scope)
            .RequireRateLimiting(RateLimiting.PerBank)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
