using System.Security.Claims;
using Dapper;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlConnector;

namespace Loyalty.Api.Features.Transactions;

public static class TransactionsEndpoints
{
    public static IEndpointRouteBuilder MapTransactions(this IEndpointRouteBuilder app)
    {
        var read = app.MapV1Group("/transactions", "Transactions", Scopes.TransactionsRead);
        read.MapGet("/{transactionId}", GetTransactionAsync)
            .WithName("GetTransaction")
            .WithSummary("One of this bank's transactions")
            .ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/", FindTransactionAsync)
            .WithName("FindTransaction")
            .WithSummary("This bank's transaction for a bank reference")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        var write = app.MapV1Group("/transactions", "Transactions", Scopes.AccrualsWrite);
        write.MapPost("/{transactionId}/cancel", CancelTransactionAsync)
            .WithName("CancelTransaction")
            .WithSummary("Cancel a transaction that is still pending")
            .WithDescription("Allowed only while pending and not yet claimed into an accrual file. Otherwise 409 with `code` NOT_PENDING, or BEING_SUBMITTED while the file it was claimed into is being sent (`transactionStatus` is still pending then, and becomes submitted). Cancelling a cancelled transaction again answers 200.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Ok<TransactionView>, ProblemHttpResult>> GetTransactionAsync(
        string transactionId, ClaimsPrincipal user, MySqlDataSource database, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsTransactionId(transactionId))
        {
            return NotFound(transactionId);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, transactionId, user.BankCode(), cancellationToken) is { } row
            ? TypedResults.Ok(row.ToView())
            : NotFound(transactionId);
    }

    public static async Task<Results<Ok<TransactionView>, ProblemHttpResult>> FindTransactionAsync(
        string? bankReference, ClaimsPrincipal user, MySqlDataSource database, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(bankReference))
        {
            return Problems.Malformed("Give the bankReference query parameter.", "bankReference");
        }

        if (!Identifiers.IsBankReference(bankReference))
        {
            return Problems.Malformed("'bankReference' is 1 to 64 of A-Z a-z 0-9 . _ : - starting with a letter or digit.", "bankReference");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<TransactionRow>(new CommandDefinition(
            TransactionsSql.ByReference, new { BankCode = user.BankCode(), BankReference = bankReference },
            cancellationToken: cancellationToken));
        return row is null
            ? Problems.NotFound($"This bank has no transaction with bankReference '{bankReference}'.")
            : TypedResults.Ok(row.ToView());
    }

    public static async Task<Results<Ok<TransactionView>, ProblemHttpResult>> CancelTransactionAsync(
        string transactionId, ClaimsPrincipal user, MySqlDataSource database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsTransactionId(transactionId))
        {
            return NotFound(transactionId);
        }

        var bank = user.BankCode();
        var now = time.GetUtcNow().TruncateToMicroseconds();
        // Whether this call cancelled it or not, the row then tells the outcome: cancelled, or why not.
        var answer = await DatabaseFaults.RetryLockConflictsAsync(async () =>
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            var outcome = await TransactionLifecycle.CancelAsync(connection, transactionId, bank, now, cancellationToken);
            return (outcome, await FindAsync(connection, transactionId, bank, cancellationToken));
        }, cancellationToken);
        return answer switch
        {
            (_, null) => NotFound(transactionId),
            (_, { Status: TransactionStatus.Cancelled } row) => TypedResults.Ok(row.ToView()),
            (CancelOutcome.BeingSubmitted, { Status: TransactionStatus.Pending } row) => Problems.InvalidState(
                $"Transaction {transactionId} is already in {row.ProgrammeCode}'s next accrual file, which is being sent; it becomes submitted once the file is confirmed and can no longer be cancelled.",
                row.Status, Problems.BeingSubmittedCode),
            (_, var row) => Problems.InvalidState(
                $"Transaction {transactionId} is {row.Status}; only a pending transaction can be cancelled.", row.Status, Problems.NotPendingCode),
        };
    }

    private static Task<TransactionRow?> FindAsync(MySqlConnection connection, string transactionId, string bank, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<TransactionRow>(new CommandDefinition(
            TransactionsSql.ById, new { TransactionId = transactionId, BankCode = bank }, cancellationToken: cancellationToken));

    private static ProblemHttpResult NotFound(string transactionId) =>
        Problems.NotFound($"This bank has no transaction {transactionId}.");
}
