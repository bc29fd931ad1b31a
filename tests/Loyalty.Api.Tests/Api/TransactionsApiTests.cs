using System.Net;
using Dapper;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Api;

[Collection(ApiSuite.Name)]
public sealed class TransactionsApiTests(ApiFixture api)
{
    [Fact]
    public async Task GetById_ReturnsTheTransactionWithItsFields()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var (id, reference) = await CreateAsync(http);

        using var response = await http.GetAsync($"/v1/transactions/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var transaction = await response.JsonAsync();
        Assert.Equal(reference, transaction.GetProperty("bankReference").GetString());
        Assert.Equal("pending", transaction.GetProperty("status").GetString());
        Assert.Equal(0, transaction.GetProperty("attempts").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, transaction.GetProperty("outcome").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, transaction.GetProperty("expectedBy").ValueKind);
        Assert.EndsWith("Z", transaction.GetProperty("createdAt").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", transaction.GetProperty("updatedAt").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetByBankReference_ReturnsTheSameTransaction()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var (id, reference) = await CreateAsync(http);

        using var response = await http.GetAsync($"/v1/transactions?bankReference={Uri.EscapeDataString(reference)}");

        Assert.Equal(id, (await response.JsonAsync()).GetProperty("transactionId").GetString());
    }

    [Fact]
    public async Task AnotherBanksTransaction_Is404ByIdAndByReference()
    {
        using var harb = api.Client(ApiFixture.HarbClient);
        using var nval = api.Client(ApiFixture.NvalClient);
        var (id, reference) = await CreateAsync(harb);

        using var byId = await nval.GetAsync($"/v1/transactions/{id}");
        using var byReference = await nval.GetAsync($"/v1/transactions?bankReference={reference}");
        using var cancel = await nval.PostAsync($"/v1/transactions/{id}/cancel", null);

        await byId.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
        await byReference.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
        await cancel.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
        await using var db = await api.OpenDatabaseAsync();
        Assert.Equal("pending", await db.ExecuteScalarAsync<string>("SELECT status FROM transactions WHERE id = @id", new { id }));
    }

    /// <summary>
    /// Ids and references that break DOMAIN.md's patterns name nothing: they are answered before any query (the
    /// ASCII columns once turned them into collation errors, 500).
    /// </summary>
    [Theory]
    [InlineData("GET", "/v1/transactions/%C3%A9", 404)]
    [InlineData("GET", "/v1/transactions/01jpam9s346q3d25vt4f5v37e3", 404)]
    [InlineData("GET", "/v1/transactions/01JPAM9S346Q3D25VT4F5V37E", 404)]
    [InlineData("POST", "/v1/transactions/%F0%9F%98%80/cancel", 404)]
    [InlineData("GET", "/v1/transactions?bankReference=%C3%A9", 400)]
    [InlineData("GET", "/v1/transactions?bankReference=%27%20OR%201%3D1", 400)]
    public async Task MalformedIdsAndReferences_AreProblemsNotQueries(string method, string path, int status)
    {
        using var http = api.Client(ApiFixture.HarbClient);

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ProblemAsync((HttpStatusCode)status, status == 404 ? Problems.NotFoundType : Problems.MalformedRequestType);
    }

    [Fact]
    public async Task FindWithoutReference_Returns400()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        using var response = await http.GetAsync("/v1/transactions");
        await response.ProblemAsync(HttpStatusCode.BadRequest, Problems.MalformedRequestType);
    }

    [Fact]
    public async Task CancelPending_CancelsOnceWithOneEventAndIsIdempotent()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var (id, _) = await CreateAsync(http);

        using var first = await http.PostAsync($"/v1/transactions/{id}/cancel", null);
        using var again = await http.PostAsync($"/v1/transactions/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var cancelled = await first.JsonAsync();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("CANCELLED", cancelled.GetProperty("outcome").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await using var db = await api.OpenDatabaseAsync();
        var events = (await db.QueryAsync<(int Sequence, string? Previous, string New, string? Outcome)>(
            "SELECT sequence, previous_status, new_status, outcome_code FROM events WHERE transaction_id = @id ORDER BY sequence",
            new { id })).ToList();
        Assert.Equal([(1, (string?)null, "pending", (string?)null), (2, "pending", "cancelled", "CANCELLED")], events);
    }

    [Fact]
    public async Task CancelAfterABatchClaimedIt_Returns409AndChangesNothing()
    {
        using var http = api.Client(ApiFixture.HarbClient);
        var (id, _) = await CreateAsync(http);
        await using var db = await api.OpenDatabaseAsync();
        await db.ExecuteAsync("UPDATE transactions SET status = 'submitted', attempts = 1 WHERE id = @id", new { id });

        using var response = await http.PostAsync($"/v1/transactions/{id}/cancel", null);

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict, Problems.InvalidStateType);
        Assert.Equal("submitted", problem.GetProperty("transactionStatus").GetString());
        Assert.Equal(Problems.NotPendingCode, problem.GetProperty("code").GetString());
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM events WHERE transaction_id = @id", new { id }));
    }

    [Fact]
    public async Task CancelUnknown_Returns404()
    {
        using var http = api.Client(ApiFixture.HarbClient, Scopes.AccrualsWrite);
        using var response = await http.PostAsync("/v1/transactions/01JPAM9S346Q3D25VT4F5V37E3/cancel", null);
        await response.ProblemAsync(HttpStatusCode.NotFound, Problems.NotFoundType);
    }

    private static async Task<(string Id, string Reference)> CreateAsync(HttpClient http)
    {
        var reference = AccrualBodies.NewReference();
        using var response = await http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.JsonAsync()).GetProperty("transactionId").GetString()!, reference);
    }
}
