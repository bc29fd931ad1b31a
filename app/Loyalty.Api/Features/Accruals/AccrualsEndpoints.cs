using System.Security.Claims;
using Dapper;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlConnector;

namespace Loyalty.Api.Features.Accruals;

public static class AccrualsEndpoints
{
    public static RouteGroupBuilder MapAccruals(this IEndpointRouteBuilder app)
    {
        var group = app.MapV1Group("/accruals", "Accruals", Scopes.AccrualsWrite);
        group.MapPost("/", CreateAccrualAsync)
            .WithName("CreateAccrual")
            .WithSummary("Request an accrual (a points transfer to a member)")
            .WithDescription("Idempotent on the bank reference: an identical replay answers 200 with the existing transaction, a different body with the same reference 409. All failing fields are reported together in a 422.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    // Validation happens here rather than in an endpoint filter because it yields the normalised accrual
    // that is stored; a filter would have to compute it twice. The write deliberately ignores the client
    // hanging up: a caller that gave up retries with the same reference and gets the stored transaction,
    // whereas killing the query mid-commit buys nothing and turns a good request into a server error.
    public static async Task<Results<Created<TransactionView>, Ok<TransactionView>, ProblemHttpResult>> CreateAccrualAsync(
        AccrualRequest request, ClaimsPrincipal user, CatalogueStore catalogue, MySqlDataSource database,
        TimeProvider time)
    {
        var bank = user.BankCode();
        var now = time.GetUtcNow().TruncateToMicroseconds();
        var errors = new List<FieldError>();
        if (AccrualValidator.Validate(request, bank, catalogue.Current, now, errors) is not { } accrual)
        {
            return Problems.ValidationFailed(errors);
        }

        var transactionId = Ulid.NewUlid(now).ToString();
        var stored = new NewTransaction(transactionId, bank, accrual.BankReference, accrual.PayloadHash, accrual.Programme.Code,
            accrual.MemberId, accrual.GivenName, accrual.Surname, accrual.Amount, accrual.RequestedAt);
        // Idempotent by (bank, reference), so a write that lost a lock conflict is simply made again.
        var existing = await DatabaseFaults.RetryLockConflictsAsync(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            return await TransactionLifecycle.CreateAsync(connection, stored, now)
                ? null
                // The reference is taken (possibly by a concurrent twin of this very request, which then
                // committed first): answer from the row that won, never write a second one.
                : await connection.QuerySingleAsync<TransactionRow>(new CommandDefinition(
                    TransactionsSql.ByReference, new { BankCode = bank, accrual.BankReference }));
        }, CancellationToken.None);
        if (existing is not null)
        {
            return existing.PayloadHash.AsSpan().SequenceEqual(accrual.PayloadHash)
                ? TypedResults.Ok(existing.ToView())
                : Problems.ReferenceConflict(accrual.BankReference);
        }

        return TypedResults.Created($"/v1/transactions/{transactionId}", new TransactionView(
            transactionId, accrual.BankReference, accrual.Programme.Code, accrual.MemberId, accrual.GivenName,
            accrual.Surname, accrual.Amount, TransactionStatus.Pending, Outcome: null, Attempts: 0, ExpectedBy: null,
            accrual.RequestedAt, now.UtcDateTime, now.UtcDateTime));
    }
}
