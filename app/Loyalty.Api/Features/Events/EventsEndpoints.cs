using System.Globalization;
using System.Security.Claims;
using Dapper;
using Loyalty.Api.Domain.Events;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlConnector;

namespace Loyalty.Api.Features.Events;

public static class EventsEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapV1Group("/events", "Events", Scopes.TransactionsRead);
        group.MapGet("/", GetEventsAsync)
            .WithName("GetEvents")
            .WithSummary("This bank's status-change events, in commit order")
            .WithDescription("Start without 'after' (or after=0), then pass the nextCursor of each page. Each event appears exactly once in the sequence of pages, also while other transactions commit.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    public static async Task<Results<Ok<EventPage>, ProblemHttpResult>> GetEventsAsync(
        string? after, int? limit, ClaimsPrincipal user, MySqlDataSource database, CancellationToken cancellationToken)
    {
        var position = 0L;
        if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out position)))
        {
            return Problems.Malformed("'after' must be a cursor returned as nextCursor by this feed.", "after");
        }

        if (limit is < 1 or > MaxLimit)
        {
            return Problems.Malformed($"'limit' must be between 1 and {MaxLimit}.", "limit");
        }

        var bank = user.BankCode();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await EventFeed.SequenceAsync(connection, bank, cancellationToken);
        var rows = (await connection.QueryAsync<EventRow>(new CommandDefinition(EventsSql.Feed,
            new { BankCode = bank, After = position, Limit = limit ?? DefaultLimit },
            cancellationToken: cancellationToken))).AsList();
        var next = rows.Count == 0 ? position : rows[^1].FeedPosition;
        return TypedResults.Ok(new EventPage(
            rows.ConvertAll(row => row.ToView()), next.ToString(CultureInfo.InvariantCulture)));
    }
}
