using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Dapper;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Xunit.Abstractions;

namespace Loyalty.Api.Tests.Api;

/// <summary>
/// The database stopped under steady load and started again, on a MariaDB of this test alone: every request is
/// answered promptly (503 with Retry-After for what needs the database, the catalogue from memory), readiness fails
/// while liveness holds, the API recovers by itself, and every accrual that was answered 2xx is stored.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(10);
    private const int LoadWorkers = 4;
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);

    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"loyalty-outage-{Guid.NewGuid():N}.key");
    private readonly Dictionary<string, string> database = new()
    {
        ["LOYALTY_DB_DIR"] = Path.Combine(RepositoryRoot.Path, ".local", $"mariadb-outage-{Environment.ProcessId}"),
        ["LOYALTY_DB_NAME"] = "loyalty_outage",
    };

    private LoyaltyApiFactory? factory;
    private string connectionString = "";

    public async Task InitializeAsync()
    {
        connectionString = (await MariaDbAsync("start")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        factory = new LoyaltyApiFactory(connectionString, keyFile, new Dictionary<string, string?>());
        factory.StartServer();
    }

    public async Task DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        await MariaDbAsync("stop");
        Directory.Delete(database["LOYALTY_DB_DIR"], recursive: true);
        File.Delete(keyFile);
    }

    public void Dispose() => factory?.Dispose();

    [Fact]
    public async Task StoppedAndStartedUnderLoad_EveryRequestIsAnsweredPromptly_AndNothingAnswered2xxIsLost()
    {
        using var http = factory!.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            factory.Services.GetRequiredService<DevelopmentIssuer>().Mint(ApiFixture.HarbClient, Scopes.All, TimeSpan.FromMinutes(10)));
        http.Timeout = TimeSpan.FromSeconds(30); // long enough to see a slow answer, rather than cut it
        var answers = new ConcurrentBag<Answer>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // bounded even if the test fails midway
        var load = Enumerable.Range(0, LoadWorkers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var reference = AccrualBodies.NewReference("OUT");
                answers.Add(await SendAsync(http, "accrual", reference,
                    () => http.PostJsonAsync("/v1/accruals", AccrualBodies.Corv(reference))));
                await Task.Delay(Pace); // steady, not a retry storm: a real bank would wait its Retry-After
            }
        })).ToList();

        Assert.True(await EventuallyAsync(() => answers.Any(a => a.Status == HttpStatusCode.Created), TimeSpan.FromSeconds(30)), "no accrual got through before the outage");
        var stored = answers.First(a => a.Status == HttpStatusCode.Created).Reference;

        await MariaDbAsync("stop");
        var down = answers.Count;
        var during = new List<Answer>();
        for (var i = 0; i < 5; i++)
        {
            during.Add(await SendAsync(http, "enquiry", null, () => http.GetAsync($"/v1/transactions?bankReference={stored}")));
            during.Add(await SendAsync(http, "catalogue", null, () => http.GetAsync("/v1/programmes")));
            during.Add(await SendAsync(http, "ready", null, () => http.GetAsync("/health/ready")));
            during.Add(await SendAsync(http, "live", null, () => http.GetAsync("/health/live")));
        }

        Assert.True(await EventuallyAsync(() => answers.Count >= down + 20, TimeSpan.FromSeconds(30)), "the load stalled while the database was down");

        var restarted = Stopwatch.StartNew();
        await MariaDbAsync("start");
        var back = answers.Count;
        var recovered = await EventuallyAsync(() => answers.Skip(back).Any(a => a.Status == HttpStatusCode.Created), Recovery);
        output.WriteLine($"first accrual stored {restarted.Elapsed.TotalSeconds:F1} s after the start began");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(recovered, $"no accrual was stored within {Recovery.TotalSeconds} s of the database coming back");
        var all = answers.Concat(during).ToList();
        output.WriteLine(string.Join(", ", all.GroupBy(a => (a.Kind, a.Status)).Select(g => $"{g.Key.Kind} {(int)g.Key.Status}: {g.Count()}")));
        Assert.All(all, a => Assert.True(a.Elapsed < Prompt, $"{a.Kind} took {a.Elapsed.TotalSeconds:F1} s ({(int)a.Status})"));
        Assert.All(all, a => Assert.True(a.Status != HttpStatusCode.InternalServerError, $"{a.Kind}: 500 {a.Body}"));
        var unavailable = all.Where(a => a.Status == HttpStatusCode.ServiceUnavailable && a.Kind is "accrual" or "enquiry").ToList();
        Assert.NotEmpty(unavailable);
        Assert.All(unavailable, a =>
        {
            Assert.Equal("application/problem+json", a.ContentType);
            Assert.Contains(Problems.UnavailableType, a.Body, StringComparison.Ordinal);
            Assert.NotNull(a.RetryAfter);
        });
        Assert.All(during.Where(a => a.Kind == "catalogue"), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(during.Where(a => a.Kind == "live"), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(during.Where(a => a.Kind == "ready"), a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));

        var acknowledged = all.Where(a => a.Kind == "accrual" && (int)a.Status is >= 200 and < 300).Select(a => a.Reference!).ToList();
        await using var connection = new MySqlConnection(connectionString);
        var inDatabase = (await connection.QueryAsync<string>("SELECT bank_reference FROM transactions WHERE bank_reference LIKE 'OUT-%'")).ToHashSet();
        Assert.DoesNotContain(acknowledged, r => !inDatabase.Contains(r));
    }

    private static async Task<Answer> SendAsync(HttpClient http, string kind, string? reference, Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.StartNew();
        using var response = await send();
        var body = await response.Content.ReadAsStringAsync();
        return new Answer(kind, reference, response.StatusCode, started.Elapsed, response.Content.Headers.ContentType?.MediaType, body,
            response.Headers.RetryAfter?.Delta);
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }

    private async Task<string> MariaDbAsync(string verb) =>
        (await Processes.BashAsync(RepositoryRoot.Script("mariadb.sh"), [verb], database, TimeSpan.FromMinutes(2)))
            .EnsureSuccess($"mariadb.sh {verb}").Output;

    private sealed record Answer(
        string Kind, string? Reference, HttpStatusCode Status, TimeSpan Elapsed, string? ContentType, string Body, TimeSpan? RetryAfter);
}
