using System.Net;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Loyalty.Api.Tests.Api;

/// <summary>Hosts with settings of their own, on the shared database.</summary>
[Collection(ApiSuite.Name)]
public sealed class HostConfigurationTests(ApiFixture api)
{
    [Fact]
    public async Task OverTheBanksRate_Returns429WithRetryAfter()
    {
        var keyFile = Path.GetTempFileName();
        File.Delete(keyFile);
        await using var factory = new LoyaltyApiFactory(api.ConnectionString, keyFile, new Dictionary<string, string?>
        {
            ["RateLimit:PermitsPerSecond"] = "1",
            ["RateLimit:Burst"] = "3",
        });
        factory.StartServer();
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", factory.Services
            .GetRequiredService<Loyalty.Api.Infrastructure.Auth.DevelopmentIssuer>()
            .Mint(ApiFixture.HarbClient, Loyalty.Api.Infrastructure.Auth.Scopes.All, TimeSpan.FromMinutes(1)));

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await http.GetAsync("/v1/programmes");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            await limited.ProblemAsync(HttpStatusCode.TooManyRequests, Problems.RateLimitedType);
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        }

        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3);
        File.Delete(keyFile);
    }

    [Fact]
    public async Task DevelopmentIssuerInProduction_RefusesToStart()
    {
        await using var factory = new ProductionFactory(api.ConnectionString);
        var error = Assert.ThrowsAny<Exception>(factory.StartServer);
        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException(), exactMatch: false);
        Assert.Contains("Production", validation.Message, StringComparison.Ordinal);
    }

    private sealed class ProductionFactory(string connectionString)
        : WebApplicationFactoryWithEnvironment(connectionString, "Production");
}

public class WebApplicationFactoryWithEnvironment(string connectionString, string environment)
    : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("Database:ConnectionString", connectionString);
        builder.UseSetting("Auth:Issuer", "http://127.0.0.1/loyalty-test-issuer");
        builder.UseSetting("Auth:DevelopmentKeyFile", Path.Combine(Path.GetTempPath(), "never-created.key"));
    }
}
