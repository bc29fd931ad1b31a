using System.Net;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Loyalty.Api.Tests.Api;

/// <summary>Hosts with settings of their own, on the shared database.</summary>
[Collection(ApiSuite.Name)]
public sealed class HostConfigurationTests(ApiFixture api)
{
    [Fact]
    public async Task OverTheBanksRate_Returns429WithRetryAfter()
    {
        var (factory, keyFile) = RateLimited();
        await using (factory)
        {
            using var http = Client(factory, ApiFixture.HarbClient);

            var (statuses, limited) = await UntilLimitedAsync(http);

            Assert.NotNull(limited);
            using (limited)
            {
                await limited.ProblemAsync(HttpStatusCode.TooManyRequests, Problems.RateLimitedType);
                Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            }

            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3);
        }

        File.Delete(keyFile);
    }

    [Fact]
    public async Task ABankOverItsRate_LeavesEveryOtherBanksAllowanceWhole()
    {
        var (factory, keyFile) = RateLimited();
        await using (factory)
        {
            using var harb = Client(factory, ApiFixture.HarbClient);
            using var orch = Client(factory, ApiFixture.OrchClient);

            var (_, limited) = await UntilLimitedAsync(harb);
            Assert.NotNull(limited);
            limited.Dispose();

            // ORCH's own burst of 3, at once, while HARB is limited.
            for (var i = 0; i < 3; i++)
            {
                using var response = await orch.GetAsync("/v1/programmes");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        File.Delete(keyFile);
    }

    /// <summary>A host that allows each bank 1 request a second with a burst of 3.</summary>
    private (LoyaltyApiFactory Factory, string KeyFile) RateLimited()
    {
        var keyFile = Path.GetTempFileName();
        File.Delete(keyFile);
        var factory = new LoyaltyApiFactory(api.ConnectionString, keyFile, new Dictionary<string, string?>
        {
            ["RateLimit:PermitsPerSecond"] = "1",
            ["RateLimit:Burst"] = "3",
        });
        factory.StartServer();
        return (factory, keyFile);
    }

    private static HttpClient Client(LoyaltyApiFactory factory, string clientId)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", factory.Services
            .GetRequiredService<Loyalty.Api.Infrastructure.Auth.DevelopmentIssuer>()
            .Mint(clientId, Loyalty.Core.Scopes.All, TimeSpan.FromMinutes(1)));
        return http;
    }

    /// <summary>Catalogue reads until the first 429 (at most 10): the statuses seen, and the 429 response.</summary>
    private static async Task<(List<HttpStatusCode> Statuses, HttpResponseMessage? Limited)> UntilLimitedAsync(HttpClient http)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            var response = await http.GetAsync("/v1/programmes");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return (statuses, response);
            }

            response.Dispose();
        }

        return (statuses, null);
    }

    [Fact]
    public async Task InProduction_NoResponseNamesTheInstance()
    {
        await using var factory = new WebApplicationFactoryWithEnvironment(api.ConnectionString, Environments.Production, developmentIssuer: false);
        using var http = factory.CreateClient();

        using var live = await http.GetAsync("/health/live");
        using var unauthorised = await http.GetAsync("/v1/programmes");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.All(new[] { live, unauthorised }, response =>
        {
            Assert.False(response.Headers.Contains("X-Served-By"));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        });
    }

    [Fact]
    public async Task InProduction_TheLogIsOneJsonObjectALine_ForTheLogGroupsMetricFilters()
    {
        await using var factory = new WebApplicationFactoryWithEnvironment(api.ConnectionString, Environments.Production, developmentIssuer: false);

        var console = factory.Services.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>>().CurrentValue;

        Assert.Equal(Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Json, console.FormatterName);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Test")]
    public async Task DevelopmentIssuerOutsideDevelopment_RefusesToStart(string environment)
    {
        await using var factory = new WebApplicationFactoryWithEnvironment(api.ConnectionString, environment);
        var error = Assert.ThrowsAny<Exception>(factory.StartServer);
        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException(), exactMatch: false);
        Assert.Contains("the environment is not Development", validation.Message, StringComparison.Ordinal);
    }
}

public class WebApplicationFactoryWithEnvironment(string connectionString, string environment, bool developmentIssuer = true)
    : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("Database:ConnectionString", connectionString);
        // HTTPS, as outside Development the token handler will not discover keys over plain HTTP.
        builder.UseSetting("Auth:Issuer", "https://issuer.loyalty.test/");
        if (developmentIssuer)
        {
            builder.UseSetting("Auth:DevelopmentKeyFile", Path.Combine(Path.GetTempPath(), "never-created.key"));
        }
    }
}
