using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Loyalty.Api.Domain.Transactions;
using Loyalty.Api.Tests.Infrastructure;

namespace Loyalty.Api.Tests.Domain;

[Collection(ApiSuite.Name)]
public sealed partial class TransactionLifecycleTests(ApiFixture api)
{
    [Fact]
    public async Task ASettlementOfARowThatIsNotSubmitted_ChangesNothingAndWritesNoEvent()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var created = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(AccrualBodies.NewReference()));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("transactionId").GetString()!;
        await using var db = await api.OpenDatabaseAsync();
        var batchId = await db.ExecuteScalarAsync<long?>("SELECT batch_id FROM transactions WHERE id = @id", new { id });

        await using (var transaction = await db.BeginTransactionAsync())
        {
            // Still pending, so the settlement matches no row it may change: a caller bug, refused whole.
            await Assert.ThrowsAsync<InvalidOperationException>(() => TransactionLifecycle.SettleAsync(transaction, batchId ?? 0,
                [new Settlement(id, TransactionStatus.Fulfilled, "CREDITED", "00", null)], DateTimeOffset.UtcNow, CancellationToken.None));
        }

        var row = await db.QuerySingleAsync<(string Status, int Sequence, long Events)>(
            "SELECT status, event_sequence, (SELECT COUNT(*) FROM events WHERE transaction_id = @id) FROM transactions WHERE id = @id",
            new { id });
        Assert.Equal((TransactionStatus.Pending, 1, 1L), row);
    }

    /// <summary>
    /// Every SQL text of the API is a constant (house style), so the constants are where a status write or an
    /// event insert could hide; only the lifecycle's may hold one.
    /// </summary>
    [Fact]
    public void OnlyTheLifecycle_WritesATransactionOrAnEvent()
    {
        var writers = typeof(TransactionLifecycle).Assembly.GetTypes()
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(field => field is { IsLiteral: true } && field.FieldType == typeof(string)
                && WritesTransactionsOrEvents().IsMatch((string)field.GetRawConstantValue()!))
            .Select(field => field.DeclaringType!.Name)
            .Distinct()
            .ToList();

        Assert.Equal(["TransactionLifecycleSql"], writers);
    }

    [GeneratedRegex(@"\b(UPDATE\s+transactions\b(?:(?!\bWHERE\b)[^;])*\bstatus\s*=|INSERT\s+(IGNORE\s+)?INTO\s+(transactions|events)\b)",
        RegexOptions.IgnoreCase)]
    private static partial Regex WritesTransactionsOrEvents();
}
